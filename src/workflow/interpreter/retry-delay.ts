/**
 * Kestra's delay before the next attempt of a retried task, for retries the interpreter runs itself
 * (Subflow). Activities get the same policy as a Temporal RetryPolicy (src/workflow/activity-options.ts).
 */
import type { RetrySpec } from '../flow/spec';
import { parseDuration } from './duration';

const DEFAULT_INTERVAL_MS = 1000;

/** Milliseconds to wait before attempt `attemptsSoFar + 1`; `random` uses the workflow's seeded Math.random. */
export function retryDelayMs(retry: RetrySpec, attemptsSoFar: number): number {
  const ms = (text: string | undefined, fallback: number) => (text ? (parseDuration(text) ?? fallback) : fallback);
  switch (retry.type) {
    case 'constant':
      return ms(retry.interval, DEFAULT_INTERVAL_MS);
    case 'exponential': {
      // Kestra 0.21: linear in the attempts so far (the first retry is immediate), capped by maxInterval.
      const delay = ms(retry.interval, DEFAULT_INTERVAL_MS) * (retry.delayFactor ?? 2) * (attemptsSoFar - 1);
      return Math.min(delay, ms(retry.maxInterval, Number.POSITIVE_INFINITY));
    }
    case 'random': {
      const min = ms(retry.minInterval, DEFAULT_INTERVAL_MS);
      const max = ms(retry.maxInterval, min);
      return min + Math.floor(Math.random() * Math.max(0, max - min));
    }
  }
}

/** Whether another attempt may start now: within `maxAttempts` (total) and `maxDuration` from the first attempt's start. */
export function mayRetry(retry: RetrySpec, attemptsSoFar: number, firstStartMs: number, nextStartMs: number): boolean {
  if (retry.maxAttempts !== undefined && attemptsSoFar >= retry.maxAttempts) return false;
  const maxDuration = retry.maxDuration ? parseDuration(retry.maxDuration) : undefined;
  return maxDuration === undefined || nextStartMs - firstStartMs <= maxDuration;
}
