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
 *
 * The delay between attempts is Kestra's (src/workflow/retry-delay.ts): the activity computes it
 * and reports it with its failure, since Temporal's own backoff is geometric and never random.
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';
import type { RetrySpec } from './flow/spec';
import { parseDuration } from './interpreter/duration';
import type { TaskInvocation, TaskInvocationOptions } from './interpreter/task-invocation';
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
  // Attempts the workflow already made (failed renders) use up part of `maxAttempts` and `maxDuration`.
  const earlier = options.earlier;
  return {
    activityId: options.activityId,
    summary: options.summary,
    startToCloseTimeout: timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT,
    ...(maxDurationMs ? { scheduleToCloseTimeout: Math.max(1, maxDurationMs - (earlier?.elapsedMs ?? 0)) } : {}),
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: retryPolicyFor(options.retry, earlier?.attempts),
  };
}

export function retryPolicyFor(retry: RetrySpec | undefined, earlierAttempts = 0): RetryPolicy {
  // No `maximumAttempts` = unlimited (the SDK refuses 0), but only worker loss is retryable, and runtime.ts bounds it: see the header.
  if (!retry) return { nonRetryableErrorTypes: TASK_OWN_FAILURES };
  const ms = (text?: string) => (text ? parseDuration(text) : undefined);
  // The task's own failures carry Kestra's delay (src/workflow/retry-delay.ts) as their nextRetryDelay:
  // this policy bounds the attempts, and its fixed interval only spaces the retries of failures the
  // activity cannot report itself (its `timeout`, a lost worker).
  return {
    // Without maxAttempts (e.g. only maxDuration), attempts are unlimited: the SDK refuses 0, so leave it out.
    ...(retry.maxAttempts ? { maximumAttempts: Math.max(1, retry.maxAttempts - earlierAttempts) } : {}),
    initialInterval: ms(retry.type === 'random' ? retry.minInterval : retry.interval) ?? 1000,
    backoffCoefficient: 1,
    nonRetryableErrorTypes: ['InvalidTaskProperties'],
  };
}

/**
 * What a task's activity receives: the invocation, and the task's `retry` so that a failed attempt
 * can tell Temporal when to start the next (src/activities/runtime.ts). Activities scheduled before
 * it was passed get none, and are retried after the policy's interval.
 */
export interface TaskActivityInput extends TaskInvocation {
  retry?: RetrySpec;
  /** Attempts made before this activity was scheduled (failed renders in the workflow): its attempt 1 is the task's attempt `earlierAttempts + 1`. */
  earlierAttempts?: number;
}

export function activityInputFor(invocation: TaskInvocation, options: TaskInvocationOptions): TaskActivityInput {
  if (!options.retry) return invocation;
  return { ...invocation, retry: options.retry, ...(options.earlier ? { earlierAttempts: options.earlier.attempts } : {}) };
}
