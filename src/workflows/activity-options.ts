/**
 * Kestra task `retry` and `timeout` → Temporal activity options. No `retry` means exactly one
 * attempt: Temporal's default (unlimited retries) must never leak through.
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';
import type { RetrySpec } from '../flow/spec';
import { parseDuration } from '../interpreter/duration';
import type { TaskInvocationOptions } from '../interpreter/flow-run';

/** Long enough for a big COPY; tasks that need longer set `timeout`. */
const DEFAULT_ATTEMPT_TIMEOUT = '12 hours';
/** Activities heartbeat while they run, so a dead worker is noticed in a minute, not in hours. */
const HEARTBEAT_TIMEOUT = '1 minute';

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
  if (!retry) return { maximumAttempts: 1 };
  const ms = (text?: string) => (text ? parseDuration(text) : undefined);
  const policy: RetryPolicy = { maximumAttempts: retry.maxAttempts ?? 0, nonRetryableErrorTypes: ['InvalidTaskProperties'] };
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
