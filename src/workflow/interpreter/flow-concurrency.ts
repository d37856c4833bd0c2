/**
 * Flow `concurrency`, execution side: before running, the execution asks its flow's semaphore
 * (src/workflow/concurrency/) for a slot. QUEUE waits for one (Kestra's QUEUED state); CANCEL and
 * FAIL end the execution at once, without running a task, when the limit is reached.
 */
import type { ConcurrencySpec, LogLevel } from '../flow/spec';
import type { Execution, State } from './execution';
import type { InterpreterPort } from './interpreter-port';

export interface ConcurrencyHost {
  readonly port: InterpreterPort;
  readonly execution: Execution;
  log(level: LogLevel, message: string): void;
  changed(): void;
  kill(): Execution;
  finish(state: State): void;
}

/** Runs `run` once a slot is granted (and gives the slot back after); without `concurrency`, at once. */
export async function runWithinConcurrency(
  concurrency: ConcurrencySpec | undefined,
  host: ConcurrencyHost,
  run: () => Promise<Execution>,
): Promise<Execution> {
  const { port } = host;
  if (!concurrency || !port.acquireConcurrencySlot) return run();
  try {
    let granted: boolean;
    try {
      granted = await port.acquireConcurrencySlot(concurrency, (running) => queued(host, running));
    } catch (error) {
      if (!port.isCancellation(error)) throw error;
      return host.kill();
    }
    return granted ? await run() : refuse(host, concurrency);
  } finally {
    await port.releaseConcurrencySlot?.();
  }
}

/** QUEUE: the execution waits for a slot (Kestra's state history CREATED, QUEUED, RUNNING…). */
function queued(host: ConcurrencyHost, running: number): void {
  host.execution.state = 'QUEUED';
  host.log('INFO', `Flow is queued due to concurrency limit exceeded, ${running} running(s)`);
  host.changed();
}

/** CANCEL/FAIL: the limit is reached, the execution ends at once without running a task. */
function refuse(host: ConcurrencyHost, concurrency: ConcurrencySpec): Execution {
  const state = concurrency.behavior === 'FAIL' ? 'FAILED' : 'CANCELLED';
  const message = `Flow is ${state} due to concurrency limit exceeded`;
  if (state === 'FAILED') host.execution.error = message;
  host.log(state === 'FAILED' ? 'ERROR' : 'WARN', message);
  host.finish(state);
  return host.execution;
}
