/**
 * A ForEach over more than 1,000 values runs its iterations in batch child workflows
 * (docs/kestra-compatibility.md): the execution keeps only the batches' ids, in the ForEach task
 * run's `outputs.batches` once it ended. Each batch answers `GET /logs/{id}` like an execution, so
 * the execution page shows their log lines too (their task runs come from the API's pages:
 * gantt.tsx).
 */
import { apiJson, query, type Execution, type LogEntry, type TaskRun } from '../api';
import { useLoaded } from '../use-api';

/** The batch ids of a ForEach run that ran in batches; none for any other task run. */
function batchesOf(run: TaskRun): string[] {
  const batches = run.outputs?.batches;
  return Array.isArray(batches) ? batches.filter((id): id is string => typeof id === 'string') : [];
}

/** The batch ids of every ForEach run of the execution that ran in batches, in order. */
export function forEachBatchIds(execution: Execution): string[] {
  return execution.taskRunList.flatMap(batchesOf);
}

/**
 * One API answer per batch, asked one batch at a time: an ended batch's answer is a query the worker
 * answers by replaying the batch's history, and ten replays at once would load it for nothing.
 */
async function eachBatch<T>(batchIds: readonly string[], path: (id: string) => string): Promise<T[]> {
  const answers: T[] = [];
  for (const id of batchIds) answers.push(await apiJson<T>(path(encodeURIComponent(id))));
  return answers;
}

/** The log lines of the given batches (at `minLevel` or above), one after the other. */
export function useBatchLogs(batchIds: readonly string[], minLevel: string) {
  const key = batchIds.length > 0 ? `${batchIds.join(',')}@${minLevel}` : undefined;
  return useLoaded(key, async () => (await eachBatch<LogEntry[]>(batchIds, (id) => `/logs/${id}${query({ minLevel })}`)).flat());
}
