/**
 * The Process task runner (`io.kestra.plugin.core.runner.Process`): runs a command line on the
 * worker host, in the task's working directory, with the environment ./script-environment.ts builds.
 *
 * stdout lines become INFO logs and stderr lines ERROR logs, except Kestra's `::{"outputs":…}::`
 * protocol lines, which set output `vars` (or log lines / metrics).
 *
 * Nothing a task starts outlives it. The command runs under a small `/bin/sh` supervisor
 * (SUPERVISOR below: two shell processes, no extra Node process) in a process group of its own:
 * - The task ends (the command exited, successfully or not): the group gets SIGTERM, so background
 *   children the script left behind end too; SIGKILL follows once their output pipes close, or after
 *   KILL_GRACE_MS for children that ignore SIGTERM.
 * - The task is cancelled (kill, timeout, worker shutdown): the same, SIGTERM then SIGKILL after the
 *   grace period, so `wget | gunzip` pipelines and their children die.
 * - The worker dies (SIGKILL, OOM): the supervisor's watcher holds one end of a pipe (fd 3) whose
 *   other end only the worker holds. The kernel closes it when the worker dies; the watcher reads
 *   EOF and ends the group (SIGTERM, then SIGKILL after the grace period), so a retry of the task on
 *   another worker never runs alongside a leftover copy.
 * The group id stays valid while the watcher lives (it is a member), so signalling the group never
 * hits an unrelated process. A script that moves processes to another group or session (`setsid`,
 * `set -m`) takes them out of tflow's reach; if they hold the task's output open, tflow stops
 * reading it (with a WARN) once the group is gone, so the task still ends.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TaskContext } from '../../workflow/plugins/task-definition';
import type { LogLevel } from '../../workflow/flow/spec';
import { LOG_LEVELS } from '../../workflow/flow/spec';
import { linesOf } from './output-lines';

const STDERR_LINES_IN_ERROR = 20;
const KILL_GRACE_MS = 5_000;
/** After the group's SIGKILL, how long its output may stay open before tflow stops reading it. */
const OUTPUT_AFTER_KILL_MS = 1_000;

/**
 * Run as `sh -c SUPERVISOR tflow-script <grace seconds> <command...>`, as the leader of a new
 * process group, with the worker's lifeline pipe on fd 3.
 * - The watcher (a background subshell, ignoring SIGTERM) reads the lifeline until EOF, which only
 *   comes when the worker is gone (the worker never writes to it nor closes it), then ends the group.
 * - The supervisor runs the command in the foreground and exits with its status (128 + n for
 *   signal n). It catches SIGTERM (`trap :`) so the group's SIGTERM ends the command, not the
 *   supervisor; the command itself starts with default signal actions (exec resets caught signals;
 *   a foreground command, unlike a background one, does not get SIGINT ignored). The supervisor's
 *   own stderr is /dev/null (the command's goes to fd 4, the task's stderr) so that the shell's
 *   "Terminated" notice does not land in the task's logs.
 */
const SUPERVISOR = `grace=$1; shift
trap '' TERM
{ while read -r _; do :; done; kill -TERM 0; sleep "$grace"; kill -KILL 0; } 0<&3 >/dev/null 2>&1 &
exec 3<&- 4>&2 2>/dev/null
trap : TERM
(exec "$@" 2>&4 4>&-)`;

export interface ProcessRun {
  /** argv: the interpreter and its arguments (e.g. `/bin/sh -c <script>`). */
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ProcessResult {
  exitCode: number;
  /** Merged from every `::{"outputs": {...}}::` line. */
  vars: Record<string, unknown>;
  /** The last lines the process wrote on stderr, for the failure message. */
  lastStderrLines: string[];
  /** Every line written on stderr, protocol lines included (Kestra's count for `warningOnStdErr`). */
  stderrLineCount: number;
  signal?: NodeJS.Signals;
}

export async function runProcess(run: ProcessRun, context: TaskContext): Promise<ProcessResult> {
  const [file, ...args] = run.command;
  if (!isExecutable(file, run.env.PATH)) throw new Error(`Cannot run ${file}: not found on this worker`);
  const graceSeconds = String(KILL_GRACE_MS / 1000);
  const child = spawn('/bin/sh', ['-c', SUPERVISOR, 'tflow-script', graceSeconds, file, ...args], {
    cwd: run.cwd,
    env: run.env,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  // stdio as spawned above: stdin ignored, then three pipes. The lifeline (fd 3) carries nothing:
  // it is read only so that its end (the watcher killed with the group) is noticed.
  const [, stdout, stderr, lifeline] = child.stdio as unknown as [null, Readable, Readable, Readable];
  lifeline.resume();
  const vars: Record<string, unknown> = {};
  const lastStderrLines: string[] = [];
  let stderrLineCount = 0;

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the whole group is gone already
    }
  };
  let commandExited = false;
  let outputClosed = false;
  let killTimer: NodeJS.Timeout | undefined;
  let outputTimer: NodeJS.Timeout | undefined;
  /** SIGKILL to what is left; output still open a moment later belongs to a process that left the group. */
  const killGroup = () => {
    signalGroup('SIGKILL');
    outputTimer ??= setTimeout(() => {
      if (outputClosed) return;
      context.log('WARN', 'A process the script moved out of its process group (setsid?) still holds its output: no longer read');
      stdout.destroy();
      stderr.destroy();
    }, OUTPUT_AFTER_KILL_MS);
  };
  /** SIGTERM to everything the task started, SIGKILL after the grace period (or once output closes: endGroupNow). */
  const endGroup = () => {
    if (killTimer) return;
    signalGroup('SIGTERM');
    killTimer = setTimeout(killGroup, KILL_GRACE_MS);
  };
  const onAbort = () => {
    context.log('WARN', 'Task cancelled: terminating the process');
    endGroup();
  };
  if (context.signal.aborted) onAbort();
  else context.signal.addEventListener('abort', onAbort, { once: true });

  /** Once the command has exited and nothing holds its output any more, what is left (the watcher, children that closed their output) is killed at once. */
  const endGroupNow = () => {
    if (commandExited && outputClosed) signalGroup('SIGKILL');
  };
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => {
      commandExited = true;
      endGroup();
      endGroupNow();
    });
    child.once('close', () => resolve());
  });
  const readStdout = readLines(stdout, (line) => handleLine(line, 'INFO'));
  const readStderr = readLines(stderr, (line) => {
    stderrLineCount++;
    if (handleLine(line, 'ERROR') || line.trim() === '') return;
    lastStderrLines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (lastStderrLines.length > STDERR_LINES_IN_ERROR) lastStderrLines.shift();
  });
  const outputRead = Promise.all([readStdout, readStderr]).then(() => {
    outputClosed = true;
    endGroupNow();
  });

  /** Logs a line, or applies it when it is a protocol line; true for protocol lines. */
  function handleLine(line: string, level: LogLevel): boolean {
    const protocol = parseProtocolLine(line);
    if (!protocol) {
      context.log(level, line);
      return false;
    }
    if (protocol.outputs && typeof protocol.outputs === 'object') Object.assign(vars, protocol.outputs);
    for (const entry of Array.isArray(protocol.logs) ? protocol.logs : []) {
      const entryLevel = String(entry?.level ?? 'INFO').toUpperCase() as LogLevel;
      context.log(LOG_LEVELS.includes(entryLevel) ? entryLevel : 'INFO', String(entry?.message ?? ''));
    }
    if (protocol.metrics) context.log('DEBUG', `Metrics (not collected by tflow): ${JSON.stringify(protocol.metrics)}`);
    return true;
  }

  try {
    await Promise.all([exited, outputRead]);
    // The supervisor exits with the command's status (128 + n when signal n ended it); it is only
    // killed itself when the command outlived the grace period of a cancellation.
    const signal = child.signalCode ?? signalOfStatus(child.exitCode);
    const exitCode = child.exitCode ?? 128 + (osConstants.signals[child.signalCode as NodeJS.Signals] ?? 0);
    return { exitCode, vars, lastStderrLines, stderrLineCount, ...(signal ? { signal } : {}) };
  } catch (error) {
    signalGroup('SIGKILL');
    throw error;
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    clearTimeout(killTimer);
    clearTimeout(outputTimer);
  }
}

/** Every line of `stream` until its end, or until tflow stops reading it (killGroup). */
async function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  try {
    for await (const line of linesOf(stream)) onLine(line);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
}

/** Whether `file` names an executable, directly or through `path` (the script's PATH). */
function isExecutable(file: string, path = ''): boolean {
  const candidates = file.includes('/')
    ? [file]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, file));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The signal a shell's exit status 128 + n stands for, if n is one. */
function signalOfStatus(status: number | null): NodeJS.Signals | undefined {
  if (status === null || status <= 128) return undefined;
  const entry = Object.entries(osConstants.signals).find(([, number]) => number === status - 128);
  return entry?.[0] as NodeJS.Signals | undefined;
}

interface ProtocolMessage {
  outputs?: Record<string, unknown>;
  logs?: { level?: string; message?: string }[];
  metrics?: unknown;
}

/** Kestra's script protocol: a whole line `::{"outputs": {...}}::` (also `logs`, `metrics`). */
export function parseProtocolLine(line: string): ProtocolMessage | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('::{') || !trimmed.endsWith('}::')) return undefined;
  try {
    const parsed = JSON.parse(trimmed.slice(2, -2)) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    return parsed as ProtocolMessage;
  } catch {
    return undefined;
  }
}
