/**
 * The task registry: the one list of task types tflow knows, read by the compiler, the JSON Schema
 * and the worker. Task types live in modules named after their Kestra type (`jdbc/postgresql/query.ts`
 * is `io.kestra.plugin.jdbc.postgresql.Query`). Adding a type = its module + one line here (or, for
 * one that runs inside the workflow, one line in src/workflow/plugins/index.ts).
 */
import type { RunnableTaskDefinition, TaskDefinition } from '../workflow/plugins/task-definition';
import { IN_WORKFLOW_TASK_TYPES } from '../workflow/plugins';
import { downloadTask } from './core/http/download';
import { requestTask } from './core/http/request';
import { kvDeleteTask } from './core/kv/delete';
import { kvGetTask } from './core/kv/get';
import { kvGetKeysTask } from './core/kv/get-keys';
import { kvSetTask } from './core/kv/set';
import { bigQueryCreateDatasetTask } from './gcp/bigquery/create-dataset';
import { bigQueryLoadTask } from './gcp/bigquery/load';
import { bigQueryLoadFromGcsTask } from './gcp/bigquery/load-from-gcs';
import { bigQueryQueryTask } from './gcp/bigquery/query';
import { gcsCopyTask } from './gcp/gcs/copy';
import { gcsCreateBucketTask } from './gcp/gcs/create-bucket';
import { gcsDeleteTask } from './gcp/gcs/delete';
import { gcsDeleteListTask } from './gcp/gcs/delete-list';
import { gcsDownloadTask } from './gcp/gcs/download';
import { gcsDownloadsTask } from './gcp/gcs/downloads';
import { gcsListTask } from './gcp/gcs/list';
import { gcsUploadTask } from './gcp/gcs/upload';
import { forEachItemMergeTask } from './core/flow/for-each-item-merge';
import { forEachItemSplitTask } from './core/flow/for-each-item-split';
import { localFilesTask } from './core/storage/local-files';
import { purgeCurrentExecutionFilesTask } from './core/storage/purge-current-execution-files';
import { writeTask } from './core/storage/write';
import { duckdbQueriesTask } from './jdbc/duckdb/queries';
import { duckdbQueryTask } from './jdbc/duckdb/query';
import { postgresqlCopyInTask } from './jdbc/postgresql/copy-in';
import { postgresqlCopyOutTask } from './jdbc/postgresql/copy-out';
import { postgresqlQueriesTask } from './jdbc/postgresql/queries';
import { postgresqlQueryTask } from './jdbc/postgresql/query';
import { pythonCommandsTask } from './scripts/python/commands';
import { pythonScriptTask } from './scripts/python/script';
import { shellCommandsTask } from './scripts/shell/commands';
import { shellScriptTask } from './scripts/shell/script';

/** Task types that run as Temporal activities (one activity per type, src/activities/runtime.ts). */
const ACTIVITY_TASK_TYPES: readonly RunnableTaskDefinition[] = [
  shellCommandsTask,
  shellScriptTask,
  pythonScriptTask,
  pythonCommandsTask,
  postgresqlQueriesTask,
  postgresqlQueryTask,
  postgresqlCopyInTask,
  postgresqlCopyOutTask,
  duckdbQueriesTask,
  duckdbQueryTask,
  downloadTask,
  requestTask,
  purgeCurrentExecutionFilesTask,
  writeTask,
  localFilesTask,
  forEachItemSplitTask,
  forEachItemMergeTask,
  kvSetTask,
  kvGetTask,
  kvDeleteTask,
  kvGetKeysTask,
  gcsCreateBucketTask,
  gcsUploadTask,
  gcsDownloadTask,
  gcsDownloadsTask,
  gcsListTask,
  gcsDeleteTask,
  gcsDeleteListTask,
  gcsCopyTask,
  bigQueryCreateDatasetTask,
  bigQueryQueryTask,
  bigQueryLoadTask,
  bigQueryLoadFromGcsTask,
];

export const TASK_TYPES: readonly TaskDefinition[] = [...ACTIVITY_TASK_TYPES, ...IN_WORKFLOW_TASK_TYPES];

const byName = new Map<string, TaskDefinition>();
for (const definition of TASK_TYPES) {
  for (const name of [definition.type, ...(definition.aliases ?? [])]) byName.set(name, definition);
}

/** The definition for a type name or one of its aliases that a flow may use (internal steps excluded). */
export function findTaskType(type: string): TaskDefinition | undefined {
  const definition = byName.get(type);
  return definition?.internal ? undefined : definition;
}

export function runnableTaskTypes(): RunnableTaskDefinition[] {
  return TASK_TYPES.filter((d): d is RunnableTaskDefinition => d.kind === 'runnable');
}

/** The type names a flow may use. */
export function knownTypeNames(): string[] {
  return [...byName.keys()].filter((name) => findTaskType(name));
}

/** The task types a flow may use (what the JSON Schema describes). */
export function flowTaskTypes(): TaskDefinition[] {
  return TASK_TYPES.filter((definition) => !definition.internal);
}
