/**
 * The task registry: the one list of task types tflow knows. Adding a type = its module + one line here.
 */
import { failTask } from '../activities/fail';
import { logTask } from '../activities/log';
import { returnTask } from '../activities/return';
import { downloadTask } from '../activities/http/download';
import { requestTask } from '../activities/http/request';
import { postgresqlCopyInTask } from '../activities/jdbc/postgresql-copy-in';
import { postgresqlCopyOutTask } from '../activities/jdbc/postgresql-copy-out';
import { postgresqlQueriesTask } from '../activities/jdbc/postgresql-queries';
import { postgresqlQueryTask } from '../activities/jdbc/postgresql-query';
import { pythonCommandsTask } from '../activities/scripts/python-commands';
import { pythonScriptTask } from '../activities/scripts/python-script';
import { shellCommandsTask } from '../activities/scripts/shell-commands';
import { shellScriptTask } from '../activities/scripts/shell-script';
import { purgeCurrentExecutionFilesTask } from '../activities/storage/purge-current-execution-files';
import { kvDeleteTask } from '../activities/kv/kv-delete';
import { kvGetTask } from '../activities/kv/kv-get';
import { kvGetKeysTask } from '../activities/kv/kv-get-keys';
import { kvSetTask } from '../activities/kv/kv-set';
import { FLOWABLE_TASKS } from '../interpreter/flowables';
import { INLINE_TASKS } from '../interpreter/inline-tasks';
import type { RunnableTaskDefinition, TaskDefinition } from './task-definition';

export const TASK_TYPES: readonly TaskDefinition[] = [
  failTask,
  logTask,
  returnTask,
  // Data tasks (src/activities/<area>/): scripts, JDBC, HTTP, storage.
  shellCommandsTask,
  shellScriptTask,
  pythonScriptTask,
  pythonCommandsTask,
  postgresqlQueriesTask,
  postgresqlQueryTask,
  postgresqlCopyInTask,
  postgresqlCopyOutTask,
  downloadTask,
  requestTask,
  purgeCurrentExecutionFilesTask,
  kvSetTask,
  kvGetTask,
  kvDeleteTask,
  kvGetKeysTask,
  // Run inside the workflow: listed in their own folders, which the interpreter reads too.
  ...FLOWABLE_TASKS,
  ...INLINE_TASKS,
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
