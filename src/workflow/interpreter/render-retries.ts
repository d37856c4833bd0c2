/**
 * Kestra renders a task's properties inside the task's attempt, so an error raised while rendering
 * them (an undefined variable, a filter failing) is a failed attempt like any other: with `retry`,
 * the task is rendered again on its next attempt. tflow renders most properties in the workflow,
 * before the attempt's activity is scheduled (or before an inline task runs): this module retries
 * such a render under the task's `retry` with the one retry policy there is
 * (src/workflow/retry-delay.ts): a durable timer of the retry delay, then a new render, within
 * `maxAttempts` and `maxDuration` counted from the first attempt.
 *
 * The first render stays synchronous in FlowRun: only a failed one comes here, so executions whose
 * renders succeed make the same decisions, in the same order, as before this module existed.
 */
import type { RetrySpec } from '../flow/spec';
import { messageOf } from '../error-message';
import { RENDER_RETRY_PATCH } from '../patches';
import { mayRetry, retryDelayMs } from '../retry-delay';
import type { TaskRun } from './execution';
import type { EarlierAttempts } from './task-invocation';

/** What a render retry needs from the running execution (FlowRun provides it). */
export interface RenderRetryHost {
  patched(id: string): boolean;
  sleep(ms: number): Promise<void>;
  nowMs(): number;
  /** Logs on the task run (why the task waits before its next attempt). */
  warn(message: string): void;
}

export type RetriedRender<T> =
  | { rendered: T; failed?: undefined; earlier: EarlierAttempts }
  | { failed: string; /** Attempts made, the failed first one included. */ attempts: number };

/**
 * After the first render of `taskRun` failed with `firstError`: the render retried under `retry`,
 * or undefined, decided without waiting, when it is not retried (the caller fails the task now, as
 * it always did).
 */
export function retryFailedRender<T>(
  render: () => T,
  firstError: unknown,
  retry: RetrySpec | undefined,
  taskRun: TaskRun,
  host: RenderRetryHost,
): Promise<RetriedRender<T>> | undefined {
  // Executions recorded before render errors were retried failed the task on its first attempt.
  if (retry === undefined || !host.patched(RENDER_RETRY_PATCH)) return undefined;
  return renderUnderRetry(render, firstError, retry, taskRun, host);
}

/** Renders again after each retry delay until a render succeeds or `retry` allows no further attempt; `taskRun.attempts` counts them as they start. */
async function renderUnderRetry<T>(
  render: () => T,
  firstError: unknown,
  retry: RetrySpec,
  taskRun: TaskRun,
  host: RenderRetryHost,
): Promise<RetriedRender<T>> {
  let error = firstError;
  let attempts = 1;
  taskRun.attempts = attempts;
  const firstStartMs = host.nowMs();
  for (;;) {
    const delayMs = retryDelayMs(retry, attempts);
    if (!mayRetry(retry, attempts, firstStartMs, host.nowMs() + delayMs)) return { failed: messageOf(error), attempts };
    host.warn(`Attempt ${attempts} failed: ${messageOf(error)}; attempt ${attempts + 1} in ${delayMs} ms`);
    await host.sleep(delayMs);
    attempts += 1;
    taskRun.attempts = attempts;
    try {
      return { rendered: render(), earlier: { attempts: attempts - 1, elapsedMs: host.nowMs() - firstStartMs } };
    } catch (next) {
      error = next;
    }
  }
}
