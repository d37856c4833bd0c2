/**
 * `useExecution(id)`: an execution as its page shows it, live. Loaded once (`GET /executions/{id}`,
 * which also has the Temporal Web UI `url`); while it runs, followed over server-sent events
 * (`/executions/{id}/follow?taskRuns=changed`): the first event is the whole execution, each later
 * one carries only the task runs that changed, merged in here, so a 5,000-task-run execution is not
 * sent again each second. When the stream ends the execution is loaded once more: its final state.
 */
import { useEffect, useState } from 'react';
import type { Execution } from './api';
import { isEnded } from './states';
import { useApi, type ApiState } from './use-api';
import { useEventStream } from './use-event-stream';

export type LiveExecution = Execution & { url?: string };

/** `changes` (the execution with only its new or changed task runs) applied to `execution`. */
export function applyChanges(execution: LiveExecution | undefined, changes: Execution): LiveExecution {
  if (!execution) return changes;
  const index = new Map(execution.taskRunList.map((run, at) => [run.id, at]));
  const taskRunList = [...execution.taskRunList];
  for (const run of changes.taskRunList) {
    const at = index.get(run.id);
    if (at === undefined) taskRunList.push(run);
    else taskRunList[at] = run;
  }
  return { ...changes, taskRunList, url: execution.url };
}

export function useExecution(executionId: string): ApiState<LiveExecution> {
  const path = `/executions/${encodeURIComponent(executionId)}`;
  const loaded = useApi<LiveExecution>(path);
  // What the stream sent since the last load; a new load (after an action, or the stream's end) replaces it.
  const [followed, setFollowed] = useState<LiveExecution>();
  const [streamError, setStreamError] = useState<Error>();
  useEffect(() => setFollowed(undefined), [loaded.data]);
  const data = followed ?? loaded.data;
  const running = data !== undefined && !isEnded(data.state.current);
  useEventStream(running ? `${path}/follow?taskRuns=changed` : undefined, ['message', 'changes'], {
    onEvent: (event, value) =>
      setFollowed((current) => {
        const base = current ?? loaded.data;
        // `message` is the whole execution (the stream's first event, again after a reconnection).
        return event === 'message' ? { ...(value as Execution), url: base?.url } : applyChanges(base, value as Execution);
      }),
    onEnd: () => loaded.reload(),
    onError: setStreamError,
  });
  return { ...loaded, data, error: loaded.error ?? streamError };
}
