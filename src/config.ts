/**
 * The environment contract (README "Configuration"): the one place that reads tflow's environment variables.
 * Defaults work on a developer machine with `tflow dev`.
 */
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { type TemporalConnectionSecurity, temporalClientSettings } from './temporal/connection';
import { parseDuration } from './workflow/interpreter/duration';

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
  /** How hard one worker process works, and how it stops and shows itself ("Operating workers" in the README). */
  worker: WorkerSettings;
}

export interface WorkerSettings {
  /** TFLOW_WORKER_MAX_ACTIVITIES: tasks one worker runs at once (the SDK's maxConcurrentActivityTaskExecutions). */
  maxActivities?: number;
  /** TFLOW_WORKER_MAX_WORKFLOW_TASKS: workflow tasks one worker runs at once (maxConcurrentWorkflowTaskExecutions). */
  maxWorkflowTasks?: number;
  /** TFLOW_WORKER_MAX_CACHED_WORKFLOWS: open executions kept in memory; unset, src/worker/worker.ts sizes it from the heap. */
  maxCachedWorkflows?: number;
  /**
   * TFLOW_WORKER_SHUTDOWN_GRACE (default 30s): after SIGTERM, how long running tasks may take to
   * finish; those still running then are cancelled and handed back to Temporal, which retries them.
   */
  shutdownGraceMs: number;
  /** TFLOW_WORKER_HTTP_PORT: the worker's ops endpoint (/ready, /metrics) listens there when set. */
  httpPort?: number;
  /** TFLOW_WORKER_HTTP_HOST (default 127.0.0.1): the ops endpoint's address. */
  httpHost: string;
  /** TFLOW_WORKER_SDK_METRICS_ADDRESS (`ip:port`): the Temporal SDK serves its own Prometheus metrics there when set. */
  sdkMetricsAddress?: string;
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
    worker: loadWorkerSettings(env),
  };
}

/** The worker's settings alone: `tflow` reads them before connecting anywhere (src/cli/main.ts). */
export function loadWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  return {
    maxActivities: parsePositive('TFLOW_WORKER_MAX_ACTIVITIES', env.TFLOW_WORKER_MAX_ACTIVITIES),
    // The SDK needs two slots for a worker that keeps executions cached (one for a sticky task, one for a new one).
    maxWorkflowTasks: parsePositive('TFLOW_WORKER_MAX_WORKFLOW_TASKS', env.TFLOW_WORKER_MAX_WORKFLOW_TASKS, 2),
    maxCachedWorkflows: parsePositive('TFLOW_WORKER_MAX_CACHED_WORKFLOWS', env.TFLOW_WORKER_MAX_CACHED_WORKFLOWS),
    shutdownGraceMs: parseGrace('TFLOW_WORKER_SHUTDOWN_GRACE', env.TFLOW_WORKER_SHUTDOWN_GRACE, 30_000),
    httpPort: parsePort('TFLOW_WORKER_HTTP_PORT', env.TFLOW_WORKER_HTTP_PORT),
    httpHost: env.TFLOW_WORKER_HTTP_HOST || '127.0.0.1',
    sdkMetricsAddress: parseSocketAddress('TFLOW_WORKER_SDK_METRICS_ADDRESS', env.TFLOW_WORKER_SDK_METRICS_ADDRESS),
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

function parsePositive(variable: string, text: string | undefined, minimum = 1): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < minimum) {
    throw new Error(`${variable}: expected a positive whole number (${minimum} or more), got "${text}"`);
  }
  return value;
}

function parsePort(variable: string, text: string | undefined): number | undefined {
  const port = parsePositive(variable, text);
  if (port !== undefined && port > 65535) throw new Error(`${variable}: expected a port number (1-65535), got "${text}"`);
  return port;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration as `30s`, `500ms`, `2m`, `1h` or ISO-8601 (`PT30S`, as in flows); a bare number is seconds. */
function parseGrace(variable: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined || text.trim() === '') return fallbackMs;
  const simple = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  const ms = simple ? Number(simple[1]) * DURATION_UNITS_MS[(simple[2] ?? 's').toLowerCase()] : parseDuration(text);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    throw new Error(`${variable}: expected a duration such as 30s, 500ms, 2m or PT30S, got "${text}"`);
  }
  return Math.round(ms);
}

/** `ip:port` (`[::1]:9464` for IPv6): the SDK binds exactly that and takes no host name. */
function parseSocketAddress(variable: string, text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(text.trim());
  const ip = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || !ip || isIP(ip) === 0 || (match[1] !== undefined && isIP(ip) !== 6) || !(port >= 1 && port <= 65535)) {
    throw new Error(`${variable}: expected ip:port, e.g. 127.0.0.1:9464 or [::1]:9464, got "${text}"`);
  }
  return text.trim();
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
