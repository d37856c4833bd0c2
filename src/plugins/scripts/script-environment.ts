/**
 * The environment a script (Shell and Python tasks) runs with: never the worker's whole
 * environment, which holds tflow's own settings (`TFLOW_DATABASE_URL` with its password,
 * `TFLOW_BASIC_AUTH`) and every `SECRET_*` value; `env` in a script would print them into the logs
 * and Temporal's history. A script gets, in this order (later ones win):
 * 1. the worker's values of a short allowlist: what programs need to find commands, files, the
 *    locale, the time zone and the network's proxy;
 * 2. the worker variables an operator names in TFLOW_SCRIPT_ENV (src/config.ts), e.g. AWS_PROFILE;
 * 3. the variables tflow sets (`WORKING_DIR`, `PYTHONUNBUFFERED` for Python);
 * 4. the task's own `env` (where a flow passes a secret: `env: {TOKEN: "{{ secret('TOKEN') }}"}`).
 * Steps 1 and 2 never copy tflow's settings or secrets (isWorkerOnlyVariable), even if named.
 *
 * This is stricter than Kestra, whose Process runner hands scripts the worker's whole environment
 * (docs/kestra-compatibility.md, "Scripts get a clean environment").
 */
import { isWorkerOnlyVariable } from '../../config';

const ALLOWED_NAMES = new Set([
  'PATH',
  'HOME',
  'LANG',
  'TZ',
  'TMPDIR',
  'http_proxy',
  'HTTP_PROXY',
  'https_proxy',
  'HTTPS_PROXY',
  'no_proxy',
  'NO_PROXY',
]);
/** LC_ALL, LC_CTYPE, … */
const ALLOWED_PREFIXES = ['LC_'];

export interface ScriptEnvironmentParts {
  /** The worker's environment (process.env). */
  worker: NodeJS.ProcessEnv;
  /** TFLOW_SCRIPT_ENV: worker variables passed on top of the allowlist. */
  passThrough: readonly string[];
  /** Variables tflow sets for the script (WORKING_DIR…). */
  tflow: Record<string, string>;
  /** The task's `env` property; null means an empty value, as in Kestra. */
  task?: Record<string, string | number | boolean | null>;
}

export function scriptEnvironment({ worker, passThrough, tflow, task }: ScriptEnvironmentParts): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const passed = new Set(passThrough);
  for (const [name, value] of Object.entries(worker)) {
    if (value === undefined || isWorkerOnlyVariable(name)) continue;
    if (ALLOWED_NAMES.has(name) || ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix)) || passed.has(name)) env[name] = value;
  }
  Object.assign(env, tflow);
  for (const [name, value] of Object.entries(task ?? {})) env[name] = value === null ? '' : String(value);
  return env;
}
