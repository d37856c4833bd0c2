/**
 * Outputs as a tree: the flow's outputs, then each task run's (by task id and iteration value).
 * A kestra:// string is a file: previewed and downloadable in place. Task runs are paged.
 */
import { useState } from 'react';
import type { Execution } from '../api';
import { FileOutput } from './file-preview';
import { Pager, PAGE_ROWS } from './pager';

function OutputValue({ value, executionId }: { value: unknown; executionId: string }) {
  if (typeof value === 'string' && value.startsWith('kestra://')) return <FileOutput executionId={executionId} uri={value} />;
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return <code>{Array.isArray(value) ? '[]' : '{}'}</code>;
    return <OutputTree values={value as Record<string, unknown>} executionId={executionId} />;
  }
  return <code className="output-value">{value === null ? 'null' : String(value)}</code>;
}

export function OutputTree({ values, executionId }: { values: Record<string, unknown>; executionId: string }) {
  return (
    <ul className="output-tree">
      {Object.entries(values).map(([key, value]) => (
        <li key={key}>
          <span className="output-key">{key}</span>: <OutputValue value={value} executionId={executionId} />
        </li>
      ))}
    </ul>
  );
}

export function ExecutionOutputs({ execution }: { execution: Execution }) {
  const [page, setPage] = useState(1);
  const runs = execution.taskRunList.filter((run) => run.outputs);
  return (
    <div className="outputs">
      {execution.outputs ? (
        <details open>
          <summary>Flow outputs</summary>
          <OutputTree values={execution.outputs} executionId={execution.id} />
        </details>
      ) : null}
      {runs.length === 0 && !execution.outputs ? <p className="muted">No output.</p> : null}
      {runs.slice((page - 1) * PAGE_ROWS, page * PAGE_ROWS).map((run) => (
        <details key={run.id} open>
          <summary>
            <code>{run.taskId}</code>
            {run.value !== undefined ? <span className="label">{run.value}</span> : null}
          </summary>
          <OutputTree values={run.outputs ?? {}} executionId={execution.id} />
        </details>
      ))}
      <Pager page={page} total={runs.length} onPage={setPage} />
    </div>
  );
}
