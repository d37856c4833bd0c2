/**
 * Python `dependencies:` (Kestra installs them with uv in the task's container): tflow installs
 * them into a virtual environment kept under the worker's state dir, one per dependency set and
 * Python version, reused by every later task that asks for the same set. uv builds it when it is on
 * the PATH, else `python3 -m venv` and pip. `kestra` is never installed: tflow ships that module
 * (./kestra-library.ts).
 *
 * The installer runs like a script (src/plugins/scripts/process-runner.ts: killed with the task)
 * with the script environment plus the worker's PIP_* and UV_* settings (an index mirror, find-links
 * for machines without internet). A failed install fails the task with the installer's last lines
 * and leaves nothing cached.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TaskContext } from '../../../workflow/plugins/task-definition';
import { runProcess, type ProcessResult } from '../process-runner';

/** Present once an environment's install finished: a folder without it is a leftover. */
const READY_MARKER = '.tflow-ready';
const INSTALLER_SETTINGS = /^(PIP|UV)_/;

/** What Kestra's `kestra` requirement names (`kestra`, `kestra==0.21.0`, `Kestra>=1`): provided by tflow. */
export function isKestraLibrary(requirement: string): boolean {
  return /^kestra\s*(?:$|[=<>!~;[\s])/i.test(requirement.trim());
}

/** Environments being built by this worker, so that concurrent tasks with one set build it once. */
const building = new Map<string, Promise<void>>();

/**
 * The virtual environment holding `dependencies` (kestra left out), built if missing; undefined
 * when nothing is left to install. `env` is the script's environment (PATH finds python3 and uv).
 */
export async function pythonEnvironmentFor(
  dependencies: readonly string[],
  env: NodeJS.ProcessEnv,
  context: TaskContext,
): Promise<string | undefined> {
  const requirements = [...new Set(dependencies.map((d) => d.trim()).filter((d) => d !== '' && !isKestraLibrary(d)))].sort();
  if (requirements.length === 0) return undefined;
  const installEnv = { ...env, ...installerSettings(process.env) };
  const pythonVersion = await commandOutput(['python3', '-c', 'import sys; print(sys.version)'], installEnv, context);
  const key = createHash('sha256').update(JSON.stringify({ requirements, pythonVersion })).digest('hex').slice(0, 16);
  const venv = join(context.config.stateDir, 'python', 'venvs', key);
  if (await exists(join(venv, READY_MARKER))) {
    context.log('DEBUG', `Python dependencies ${requirements.join(', ')}: reusing ${venv}`);
    return venv;
  }
  let build = building.get(venv);
  if (!build) {
    build = buildEnvironment(venv, requirements, installEnv, context).finally(() => building.delete(venv));
    building.set(venv, build);
  }
  await build;
  return venv;
}

/** The script environment with the virtual environment's bin first on PATH, as `activate` does. */
export function activate(env: NodeJS.ProcessEnv, venv: string): NodeJS.ProcessEnv {
  return { ...env, VIRTUAL_ENV: venv, PATH: [join(venv, 'bin'), env.PATH].filter(Boolean).join(delimiter) };
}

async function buildEnvironment(venv: string, requirements: string[], env: NodeJS.ProcessEnv, context: TaskContext): Promise<void> {
  await rm(venv, { recursive: true, force: true });
  await mkdir(join(venv, '..'), { recursive: true });
  const useUv = await commandOutput(['uv', '--version'], env, context).then(
    () => true,
    () => false,
  );
  const python = join(venv, 'bin', 'python');
  const steps = useUv
    ? [
        ['uv', 'venv', '--quiet', '--python', 'python3', venv],
        ['uv', 'pip', 'install', '--python', python, ...requirements],
      ]
    : [
        ['python3', '-m', 'venv', venv],
        [python, '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...requirements],
      ];
  context.log('INFO', `Installing Python dependencies ${requirements.join(', ')} with ${useUv ? 'uv' : 'pip'} into ${venv}`);
  try {
    for (const command of steps) {
      const result = await runProcess({ command, cwd: join(venv, '..'), env }, quietly(context));
      if (result.exitCode !== 0)
        throw new Error(`Installing Python dependencies ${requirements.join(', ')} failed (${command.slice(0, 3).join(' ')} …)${lastLines(result)}`);
    }
    await writeFile(join(venv, READY_MARKER), `${requirements.join('\n')}\n`);
  } catch (error) {
    await rm(venv, { recursive: true, force: true });
    throw error;
  }
}

/** The installer's output goes to DEBUG: what matters of it on failure is in the error message. */
function quietly(context: TaskContext): TaskContext {
  return { ...context, log: (_level, message) => context.log('DEBUG', message) };
}

function lastLines(result: ProcessResult): string {
  return result.lastStderrLines.length > 0 ? `:\n${result.lastStderrLines.join('\n')}` : ` with exit code ${result.exitCode}`;
}

/** The first line a short command prints; rejects when it cannot run or fails. */
async function commandOutput(command: string[], env: NodeJS.ProcessEnv, context: TaskContext): Promise<string> {
  let first: string | undefined;
  const capture: TaskContext = { ...context, log: (_level, message) => (first ??= message) };
  const result = await runProcess({ command, cwd: tmpdir(), env }, capture);
  if (result.exitCode !== 0) throw new Error(`${command.join(' ')} failed${lastLines(result)}`);
  return first ?? '';
}

function installerSettings(worker: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(worker).filter((entry): entry is [string, string] => INSTALLER_SETTINGS.test(entry[0]) && entry[1] !== undefined),
  );
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
