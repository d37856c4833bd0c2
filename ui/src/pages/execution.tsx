/**
 * `/ui/executions/{namespace}/{flowId}/{executionId}/{tab}`: the execution's state and duration (live
 * over server-sent events while it runs, use-execution.ts), Kill / Restart / Resume, its inputs, labels and trigger, a link to the Temporal Web
 * UI, and the tabs Gantt, Logs, Outputs and Topology.
 */
import { lazy, Suspense, useState } from 'react';
import { Link, Navigate, useParams } from 'react-router';
import { apiFetch, type Execution } from '../api';
import { ErrorMessage, Loading, PageHeader, StateBadge, Tabs } from '../components';
import { useExecution } from '../use-execution';
import { ExecutionLogs } from './execution-logs';
import { forEachBatchIds } from './for-each-batches';
import { ExecutionOutputs, OutputTree } from './execution-outputs';
import { formatDuration, Gantt } from './gantt';
import { ResumeForm } from './resume-form';
import { isEnded } from '../states';

// The graph layout is a chunk of its own, loaded when the tab opens.
const ExecutionTopology = lazy(() => import('./execution-topology').then((module) => ({ default: module.ExecutionTopology })));

const TABS = [
  { id: 'gantt', label: 'Gantt' },
  { id: 'logs', label: 'Logs' },
  { id: 'outputs', label: 'Outputs' },
  { id: 'topology', label: 'Topology' },
];

function Actions({ execution, changed }: { execution: Execution & { url?: string }; changed(): void }) {
  const [error, setError] = useState<Error>();
  const [resuming, setResuming] = useState(false);
  const state = execution.state.current;
  const id = encodeURIComponent(execution.id);
  const call = async (path: string, method: string) => {
    try {
      await apiFetch(`/executions/${id}/${path}`, { method });
      setError(undefined);
      changed();
    } catch (reason) {
      setError(reason as Error);
    }
  };
  return (
    <>
      {!isEnded(state) ? (
        <button type="button" className="button" onClick={() => void call('kill', 'DELETE')}>
          Kill
        </button>
      ) : null}
      {state === 'FAILED' || state === 'KILLED' ? (
        <button type="button" className="button" onClick={() => void call('restart', 'POST')}>
          Restart
        </button>
      ) : null}
      {state === 'PAUSED' ? (
        <button type="button" className="button primary" onClick={() => setResuming(true)}>
          Resume
        </button>
      ) : null}
      {execution.url ? (
        <a className="button" href={execution.url} target="_blank" rel="noreferrer">
          Temporal Web UI
        </a>
      ) : null}
      <ErrorMessage error={error} />
      {resuming && state === 'PAUSED' ? (
        <div className="dialog-backdrop">
          <ResumeForm execution={execution} done={() => (setResuming(false), changed())} />
        </div>
      ) : null}
    </>
  );
}

function Overview({ execution }: { execution: Execution }) {
  const start = execution.state.startDate ? Date.parse(execution.state.startDate) : undefined;
  const end = execution.state.endDate ? Date.parse(execution.state.endDate) : Date.now();
  return (
    <dl className="execution-overview">
      <dt>State</dt>
      <dd>
        <StateBadge state={execution.state.current} />
      </dd>
      <dt>Duration</dt>
      <dd aria-label="Duration">{start ? formatDuration(end - start) : '—'}</dd>
      <dt>Started</dt>
      <dd>{execution.state.startDate ?? '—'}</dd>
      <dt>Flow</dt>
      <dd>
        <Link to={`/flows/edit/${execution.namespace}/${execution.flowId}/executions`}>
          {execution.namespace}.{execution.flowId}
        </Link>{' '}
        <span className="muted">revision {execution.flowRevision}</span>
      </dd>
      {execution.labels.length > 0 ? (
        <>
          <dt>Labels</dt>
          <dd>
            {execution.labels.map((label) => (
              <span className="label" key={label.key}>
                {label.key}:{label.value}
              </span>
            ))}
          </dd>
        </>
      ) : null}
      {execution.trigger ? (
        <>
          <dt>Trigger</dt>
          <dd>
            <code>{execution.trigger.id}</code> <span className="muted">{execution.trigger.type}</span>
          </dd>
        </>
      ) : null}
      {execution.inputs ? (
        <>
          <dt>Inputs</dt>
          <dd aria-label="Inputs">
            <OutputTree values={execution.inputs} executionId={execution.id} />
          </dd>
        </>
      ) : null}
      {execution.error ? (
        <>
          <dt>Error</dt>
          <dd className="error">{execution.error}</dd>
        </>
      ) : null}
    </dl>
  );
}

export function ExecutionPage() {
  const { namespace, flowId, executionId = '', tab } = useParams();
  const execution = useExecution(executionId);
  if (!tab) return <Navigate to="gantt" replace />;
  const data = execution.data;
  return (
    <section>
      <PageHeader title={executionId}>{data ? <Actions execution={data} changed={execution.reload} /> : null}</PageHeader>
      <ErrorMessage error={execution.error} />
      <Loading when={execution.loading && !data} />
      {data ? <Overview execution={data} /> : null}
      <Tabs base={`/executions/${namespace}/${flowId}/${executionId}`} tabs={TABS} />
      {data && tab === 'gantt' ? <Gantt execution={data} /> : null}
      {tab === 'logs' ? <ExecutionLogs executionId={executionId} batchIds={data ? forEachBatchIds(data) : []} /> : null}
      {data && tab === 'outputs' ? <ExecutionOutputs execution={data} /> : null}
      {data && tab === 'topology' ? (
        <Suspense fallback={<Loading when />}>
          <ExecutionTopology execution={data} />
        </Suspense>
      ) : null}
    </section>
  );
}
