/**
 * The environment contract (DESIGN.md §3): the one place that reads tflow's environment variables.
 * Defaults work on a developer machine with `tflow dev`.
 */
import { join, resolve } from 'node:path';

export interface TflowConfig {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  databaseUrl: string;
  storage: string;
  apiPort: number;
  basicAuth?: string;
  /** Local state (Temporal's database file, storage, embedded Postgres): one folder, git-ignored. */
  stateDir: string;
  /** Web UI of the local dev server. */
  webUiUrl: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TflowConfig {
  const stateDir = resolve(env.TFLOW_STATE_DIR ?? join(process.cwd(), '.tflow'));
  return {
    temporalAddress: env.TEMPORAL_ADDRESS ?? 'localhost:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.TFLOW_TASK_QUEUE ?? 'tflow',
    databaseUrl: env.TFLOW_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/root',
    storage: env.TFLOW_STORAGE ?? join(stateDir, 'storage'),
    apiPort: Number(env.TFLOW_API_PORT ?? 8080),
    basicAuth: env.TFLOW_BASIC_AUTH || undefined,
    stateDir,
    webUiUrl: env.TFLOW_WEB_UI_URL ?? 'http://localhost:8233',
  };
}
