/**
 * The environment contract (README "Configuration"): the one place that reads tflow's environment variables.
 * Defaults work on a developer machine with `tflow dev`.
 */
import { join, resolve } from 'node:path';
import { type TemporalConnectionSecurity, temporalClientSettings } from './temporal/connection';

export interface TflowConfig {
  /** Where Temporal is: TEMPORAL_* variables and temporal.toml profiles (src/temporal/connection.ts). */
  temporalAddress: string;
  temporalNamespace: string;
  /** TLS, API key and gRPC headers of the connection to it (connectionOptions() puts them together). */
  temporalConnection: TemporalConnectionSecurity;
  taskQueue: string;
  databaseUrl: string;
  storage: string;
  apiPort: number;
  /** TFLOW_API_HOST: the address `tflow server` listens on (loopback unless told otherwise). */
  apiHost: string;
  basicAuth?: string;
  /** TFLOW_ALLOWED_ORIGINS (comma-separated): browser origins besides the API's own that may call it. */
  allowedOrigins: string[];
  /** TFLOW_PUBLIC_HOSTS (comma-separated): host names, besides localhost, a loopback-bound API answers to (a reverse proxy's). */
  publicHosts: string[];
  /** Local state (Temporal's database file, storage, embedded Postgres): one folder, git-ignored. */
  stateDir: string;
  /** Web UI of the local dev server. */
  webUiUrl: string;
  /**
   * TFLOW_HOST_ALIASES=`pgdatabase=127.0.0.1,host.docker.internal=127.0.0.1:5433`: host names in
   * task connection settings (JDBC URLs) that this worker resolves to another `host[:port]`, so a
   * flow written for docker-compose runs unmodified on a plain machine.
   */
  hostAliases: Record<string, string>;
  /**
   * TFLOW_JDBC_URL_ALIASES=`{"jdbc:postgresql://pgdatabase:5432/ny_taxi": "jdbc:postgresql://127.0.0.1:5432/ny_taxi_test"}`:
   * whole JDBC URLs replaced by another (a JSON object), for tests and deployments that keep
   * the course's database on another name.
   */
  jdbcUrlAliases: Record<string, string>;
  /**
   * TFLOW_URL_ALIASES=`{"https://dummyjson.com/": "http://127.0.0.1:18088/"}`: URL prefixes the
   * HTTP tasks (Download, Request) replace before the request (the longest matching prefix wins),
   * for mirrors, proxies and machines without internet (src/plugins/core/http/url-aliases.ts).
   */
  urlAliases: Record<string, string>;
  /**
   * TFLOW_SCRIPT_ENV=`AWS_PROFILE,GOOGLE_APPLICATION_CREDENTIALS`: worker variables that scripts
   * get on top of the allowlist (src/plugins/scripts/script-environment.ts). tflow's own
   * settings and `SECRET_*` values are refused: a flow passes a secret with `env:` and `secret()`.
   */
  scriptEnv: string[];
  /**
   * TFLOW_WORKER_LOSS_RETRIES (default 3): how many times a task without `retry` is retried after
   * its worker was lost (crash, OOM kill, frozen event loop) before it fails (src/activities/runtime.ts).
   */
  workerLossRetries: number;
  /**
   * TFLOW_ENCRYPTION_KEY: seals SECRET input values before they reach Temporal (src/secret-inputs/);
   * the API, the CLI and every worker need the same one. Unset: a key generated once in the state
   * directory, which is enough when they all share it (one machine).
   */
  encryptionKey?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TflowConfig {
  const stateDir = resolve(env.TFLOW_STATE_DIR ?? join(process.cwd(), '.tflow'));
  const temporal = temporalClientSettings(env);
  return {
    temporalAddress: temporal.address,
    temporalNamespace: temporal.namespace,
    temporalConnection: temporal.connection,
    taskQueue: env.TFLOW_TASK_QUEUE ?? 'tflow',
    databaseUrl: env.TFLOW_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/root',
    storage: env.TFLOW_STORAGE ?? join(stateDir, 'storage'),
    apiPort: Number(env.TFLOW_API_PORT ?? 8080),
    apiHost: env.TFLOW_API_HOST || '127.0.0.1',
    basicAuth: env.TFLOW_BASIC_AUTH || undefined,
    allowedOrigins: commaList(env.TFLOW_ALLOWED_ORIGINS),
    publicHosts: commaList(env.TFLOW_PUBLIC_HOSTS).map((host) => host.toLowerCase()),
    stateDir,
    webUiUrl: env.TFLOW_WEB_UI_URL ?? 'http://localhost:8233',
    hostAliases: parseAliasList(env.TFLOW_HOST_ALIASES),
    jdbcUrlAliases: parseJsonAliases('TFLOW_JDBC_URL_ALIASES', env.TFLOW_JDBC_URL_ALIASES),
    urlAliases: parseJsonAliases('TFLOW_URL_ALIASES', env.TFLOW_URL_ALIASES),
    scriptEnv: parseScriptEnv(env.TFLOW_SCRIPT_ENV),
    workerLossRetries: parseCount('TFLOW_WORKER_LOSS_RETRIES', env.TFLOW_WORKER_LOSS_RETRIES, 3),
    encryptionKey: env.TFLOW_ENCRYPTION_KEY || undefined,
  };
}

/**
 * Worker variables that never reach a script, whatever TFLOW_SCRIPT_ENV says: tflow's own settings
 * (the database URL with its password, basic auth) and the `SECRET_*` values behind `secret()`.
 */
export function isWorkerOnlyVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return upper.startsWith('TFLOW_') || upper.startsWith('SECRET_');
}

function parseScriptEnv(text: string | undefined): string[] {
  const names = commaList(text);
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`TFLOW_SCRIPT_ENV: "${name}" is not a variable name (expected NAME,OTHER_NAME)`);
    if (isWorkerOnlyVariable(name)) {
      throw new Error(
        `TFLOW_SCRIPT_ENV: ${name} is never passed to scripts (tflow's own settings and SECRET_* values stay on the worker); ` +
          "give a script a secret through its task's env: with secret('NAME')",
      );
    }
  }
  return names;
}

function parseCount(variable: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${variable}: expected a whole number (0 or more), got "${text}"`);
  return value;
}

function commaList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function parseAliasList(text: string | undefined): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const entry of commaList(text)) {
    const [name, target] = entry.split('=').map((part) => part?.trim());
    if (!name || !target) throw new Error(`TFLOW_HOST_ALIASES: expected name=host[:port], got "${entry}"`);
    aliases[name.toLowerCase()] = target;
  }
  return aliases;
}

function parseJsonAliases(variable: string, text: string | undefined): Record<string, string> {
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${variable}: expected a JSON object of strings`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error(`${variable}: expected a JSON object of strings`);
  }
  return parsed as Record<string, string>;
}
