/**
 * Resume of a PAUSED execution: the paused Pause tasks' `onResume` inputs (read from the flow's
 * source, as the API validates them against it) in the same controls as the Execute form.
 */
import { useEffect, useState } from 'react';
import { apiFetch, apiJson, type Execution, type Flow, type FlowInput } from '../api';
import { ErrorMessage } from '../components';
import { InputsForm } from './input-controls';

type YamlTask = { id?: unknown; onResume?: unknown; [key: string]: unknown };

/** Every task map in a flow document, however deep (Pauses may sit in flowable tasks). */
function* tasksIn(node: unknown): Generator<YamlTask> {
  if (Array.isArray(node)) for (const item of node) yield* tasksIn(item);
  else if (typeof node === 'object' && node !== null) {
    if (typeof (node as YamlTask).id === 'string' && typeof (node as YamlTask).type === 'string') yield node as YamlTask;
    for (const value of Object.values(node)) yield* tasksIn(value);
  }
}

async function onResumeInputs(execution: Execution): Promise<FlowInput[]> {
  const flow = await apiJson<Flow>(`/flows/${execution.namespace}/${execution.flowId}?revision=${execution.flowRevision}`);
  const { parse } = await import('yaml');
  const paused = new Set(execution.taskRunList.filter((run) => run.state.current === 'PAUSED').map((run) => run.taskId));
  const inputs: FlowInput[] = [];
  for (const task of tasksIn(parse(flow.source))) {
    if (paused.has(task.id as string) && Array.isArray(task.onResume)) inputs.push(...(task.onResume as FlowInput[]));
  }
  return inputs;
}

export function ResumeForm({ execution, done }: { execution: Execution; done(): void }) {
  const [inputs, setInputs] = useState<FlowInput[]>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    onResumeInputs(execution).then(setInputs, setError);
    // The form is built once per opening: later polls of the execution do not reset what the user typed.
  }, [execution.id]);
  const resume = async (form: FormData) => {
    await apiFetch(`/executions/${encodeURIComponent(execution.id)}/resume`, { method: 'POST', body: form });
    done();
  };
  return (
    <div className="dialog" role="dialog" aria-label="Resume">
      <h2>Resume</h2>
      <ErrorMessage error={error} />
      {inputs ? (
        <InputsForm inputs={inputs} submit={resume}>
          <button type="submit" className="button primary">
            Resume
          </button>
          <button type="button" className="button" onClick={done}>
            Cancel
          </button>
        </InputsForm>
      ) : null}
    </div>
  );
}
