/**
 * The task registry: the one list of task types tflow knows. Adding a type = its module + one line here.
 */
import { failTask } from '../activities/fail';
import { logTask } from '../activities/log';
import { returnTask } from '../activities/return';
import type { RunnableTaskDefinition, TaskDefinition } from './task-definition';

export const TASK_TYPES: readonly TaskDefinition[] = [
  failTask,
  logTask,
  returnTask,
];

const byName = new Map<string, TaskDefinition>();
for (const definition of TASK_TYPES) {
  for (const name of [definition.type, ...(definition.aliases ?? [])]) byName.set(name, definition);
}

/** The definition for a type name or one of its aliases. */
export function findTaskType(type: string): TaskDefinition | undefined {
  return byName.get(type);
}

export function runnableTaskTypes(): RunnableTaskDefinition[] {
  return TASK_TYPES.filter((d): d is RunnableTaskDefinition => d.kind === 'runnable');
}

export function knownTypeNames(): string[] {
  return [...byName.keys()];
}
