/** Small pieces the flowable modules share. */
import { z } from 'zod';
import { parseDuration } from '../../../interpreter/duration';
import type { State } from '../../../interpreter/execution';
import { TaskError } from '../../../interpreter/in-workflow-task';

/**
 * Schemas are built by functions here, called from the task types' `properties` builders: built at
 * module load, they would be built for every execution (src/workflow/plugins/task-definition.ts).
 */

/** A list of child tasks in a properties schema: the compiler compiles each item as a task. */
export const taskListSchema = () => z.array(z.unknown());
export const nonEmptyTaskListSchema = () => z.array(z.unknown()).min(1, 'needs at least one task');

/** A count where 0 means "no limit" (Parallel `concurrent`, ForEach `concurrencyLimit`, Dag `concurrent`). */
export const concurrencySchema = () => z.number().int().min(0);

/** States after which no sibling starts. */
export function stopsSiblings(state: State): boolean {
  return state === 'FAILED' || state === 'KILLED';
}

/** Milliseconds of a (rendered) ISO-8601 duration property; a clear error when it is not one. */
export function durationProperty(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0) throw new TaskError(`\`${name}\`: '${text}' is not an ISO-8601 duration such as PT30S`);
  return ms;
}
