/**
 * The Process task runner (`io.kestra.plugin.core.runner.Process`): runs a command line on the
 * worker host, in the task's working directory, with the worker's environment plus the task's.
 *
 * stdout lines become INFO logs and stderr lines ERROR logs, except Kestra's `::{"outputs":…}::`
 * protocol lines, which set output `vars` (or log lines / metrics). Cancellation (kill, timeout,
 * worker shutdown) terminates the whole process group, so `wget | gunzip` pipelines die too.
 */
import { spawn } from 'node:child_process';
import type { TaskContext } from '../../tasks/task-definition';
import type { LogLevel } from '../../flow/spec';
import { LOG_LEVELS } from '../../flow/spec';
import { linesOf } from './output-lines';

const STDERR_LINES_IN_ERROR = 20;
const KILL_GRACE_MS = 5_000;

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
  const child = spawn(file, args, { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const vars: Record<string, unknown> = {};
  const lastStderrLines: string[] = [];
  let stderrLineCount = 0;

  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onAbort = () => {
    context.log('WARN', 'Task cancelled: terminating the process');
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
  };
  if (context.signal.aborted) onAbort();
  else context.signal.addEventListener('abort', onAbort, { once: true });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const readStdout = (async () => {
    for await (const line of linesOf(child.stdout)) handleLine(line, 'INFO');
  })();
  const readStderr = (async () => {
    for await (const line of linesOf(child.stderr)) {
      stderrLineCount++;
      if (handleLine(line, 'ERROR') || line.trim() === '') continue;
      lastStderrLines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (lastStderrLines.length > STDERR_LINES_IN_ERROR) lastStderrLines.shift();
    }
  })();

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
    const [{ code, signal }] = await Promise.all([exited, readStdout, readStderr]);
    return { exitCode: code ?? 128 + signalNumber(signal), vars, lastStderrLines, stderrLineCount, ...(signal ? { signal } : {}) };
  } catch (error) {
    killGroup('SIGKILL');
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`Cannot run ${file}: not found on this worker`);
    throw error;
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
  }
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

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return signal ? (numbers[signal] ?? 0) : 0;
}
