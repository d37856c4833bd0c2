/**
 * An execution's task runs a page at a time, so that neither the API nor the CLI has to hold (or
 * send) a hundred thousand of them at once. The list is the one a Kestra execution's `taskRunList`
 * would be: the execution's own task runs, and right after a large ForEach's task run, the task
 * runs of its iterations, which live in its batches (child workflows, read by query only for the
 * page that needs them; src/workflow/interpreter/for-each-batches.ts).
 */
import type { Client } from '@temporalio/client';
import { executionQuery } from '../workflow/definitions';
import type { Execution, TaskRun } from '../workflow/interpreter/execution';

/** Task runs embedded in an execution's JSON (API, CLI); the rest are read a page at a time. */
export const MAX_EMBEDDED_TASK_RUNS = 1000;
export const DEFAULT_TASK_RUN_PAGE_SIZE = 100;
export const MAX_TASK_RUN_PAGE_SIZE = 1000;

/** A piece of the list: one of the execution's own task runs, or a batch's task runs (`count`, when known). */
type Segment = { taskRun: TaskRun } | { batchId: string; count: number | undefined };

/** The batches of a large ForEach task run, and how many task runs each ended with (from its outputs). */
function batchesOf(taskRun: TaskRun): { batchId: string; count: number | undefined }[] {
  const { batches, batchTaskRuns } = taskRun.outputs as { batches?: unknown; batchTaskRuns?: unknown };
  if (!Array.isArray(batches)) return [];
  const counts = Array.isArray(batchTaskRuns) ? batchTaskRuns : [];
  return batches
    .filter((id): id is string => typeof id === 'string')
    .map((batchId, i) => ({ batchId, count: typeof counts[i] === 'number' ? (counts[i] as number) : undefined }));
}

function segmentsOf(execution: Execution): Segment[] {
  return execution.taskRuns.flatMap((taskRun) => [{ taskRun }, ...batchesOf(taskRun)]);
}

/**
 * How many task runs the execution has, its batches' included, as far as its record tells: a batch
 * still running (or one an older version did not count) is not in it yet.
 */
export function knownTaskRunCount(execution: Execution): number {
  return segmentsOf(execution).reduce((n, s) => n + ('taskRun' in s ? 1 : (s.count ?? 0)), 0);
}

export interface TaskRunPage {
  /** Task runs `(page - 1) * size` to `page * size - 1` of the list. */
  taskRuns: TaskRun[];
  total: number;
}

/** One page (from 1) of the execution's task runs, its batches' included. */
export async function taskRunPage(client: Client, execution: Execution, page: number, size: number): Promise<TaskRunPage> {
  const first = (page - 1) * size;
  const taskRuns: TaskRun[] = [];
  let offset = 0;
  for (const segment of segmentsOf(execution)) {
    if ('taskRun' in segment) {
      if (offset >= first && taskRuns.length < size) taskRuns.push(segment.taskRun);
      offset++;
      continue;
    }
    const wanted = offset + (segment.count ?? Infinity) > first && taskRuns.length < size;
    // A batch is queried only when this page needs its task runs, or when its count is unknown.
    if (!wanted && segment.count !== undefined) {
      offset += segment.count;
      continue;
    }
    const runs = (await client.workflow.getHandle(segment.batchId).query(executionQuery)).taskRuns;
    const from = Math.max(0, first - offset);
    taskRuns.push(...runs.slice(from, from + size - taskRuns.length));
    offset += runs.length;
  }
  return { taskRuns, total: offset };
}
