/**
 * Kestra task `retry` and `timeout` → Temporal activity options.
 *
 * Two kinds of failure, two rules:
 * - The task's own failures (runtime.ts throws them as `TaskFailed`) and its `timeout` follow
 *   Kestra: no `retry` means exactly one attempt.
 * - Losing the worker (SIGKILL, OOM, host gone: the heartbeat times out) is not the task's fault.
 *   Without a user `retry`, such an attempt is retried, so a restarted worker picks the task up
 *   again; but a task that crashes or freezes every worker it runs on must not be retried forever:
 *   the activity itself (src/activities/runtime.ts, lostWorkerCount) fails for good once the worker
 *   was lost more than TFLOW_WORKER_LOSS_RETRIES times (default 3), saying so. The retry policy
 *   stays unlimited so that this bound lives in the worker's configuration, with no workflow change.
 *   With a user `retry`, Temporal counts every attempt alike: a lost worker uses up one of
 *   `maxAttempts`, and `maxDuration` (scheduleToClose) bounds the rest (kept simple on purpose;
 *   Temporal has no per-type attempt budget).
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';
import type { RetrySpec } from './flow/spec';
import { parseDuration } from './interpreter/duration';
import type { TaskInvocationOptions } from './interpreter/task-invocation';
import { TASK_FAILED } from './definitions';

/** Long enough for a big COPY; tasks that need longer set `timeout`. */
const DEFAULT_ATTEMPT_TIMEOUT = '12 hours';
/**
 * Activities heartbeat every few seconds while they run (runtime.ts), so a dead worker is noticed
 * within this delay and its task retried elsewhere. Keep it well above the heartbeat period.
 */
export const HEARTBEAT_TIMEOUT = '20 seconds';

/**
 * Failure types that end a task without retry when the flow says nothing about retries: the task's
 * own failure, and its attempt running past `timeout` (the server's name for a StartToClose
 * timeout; HEARTBEAT timeouts stay retryable: they mean the worker is gone).
 */
export const TASK_OWN_FAILURES = [TASK_FAILED, 'TemporalTimeout:StartToClose'];

export function activityOptionsFor(options: TaskInvocationOptions): ActivityOptions {
  const timeoutMs = options.timeout ? parseDuration(options.timeout) : undefined;
  const maxDurationMs = options.retry?.maxDuration ? parseDuration(options.retry.maxDuration) : undefined;
  return {
    activityId: options.activityId,
    summary: options.summary,
    startToCloseTimeout: timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT,
    ...(maxDurationMs ? { scheduleToCloseTimeout: maxDurationMs } : {}),
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: retryPolicyFor(options.retry),
  };
}

export function retryPolicyFor(retry: RetrySpec | undefined): RetryPolicy {
  // No `maximumAttempts` = unlimited (the SDK refuses 0), but only worker loss is retryable, and runtime.ts bounds it: see the header.
  if (!retry) return { nonRetryableErrorTypes: TASK_OWN_FAILURES };
  const ms = (text?: string) => (text ? parseDuration(text) : undefined);
  // Without maxAttempts (e.g. only maxDuration), attempts are unlimited: the SDK refuses 0, so leave it out.
  const policy: RetryPolicy = {
    ...(retry.maxAttempts ? { maximumAttempts: retry.maxAttempts } : {}),
    nonRetryableErrorTypes: ['InvalidTaskProperties'],
  };
  switch (retry.type) {
    case 'constant':
      return { ...policy, initialInterval: ms(retry.interval) ?? 1000, backoffCoefficient: 1 };
    case 'exponential':
      return {
        ...policy,
        initialInterval: ms(retry.interval) ?? 1000,
        backoffCoefficient: Math.max(1, retry.delayFactor ?? 2),
        ...(retry.maxInterval ? { maximumInterval: ms(retry.maxInterval) } : {}),
      };
    case 'random':
      // Temporal has no random backoff: wait the minimum, never more than the maximum.
      return {
        ...policy,
        initialInterval: ms(retry.minInterval) ?? 1000,
        backoffCoefficient: 1,
        ...(retry.maxInterval ? { maximumInterval: ms(retry.maxInterval) } : {}),
      };
  }
}
