/**
 * Kestra's task `retry`, in one place: the delay before the next attempt, and whether there is one.
 * Every retry tflow runs uses it: the interpreter's own (Subflow: a new child execution per attempt,
 * src/workflow/plugins/core/flow/subflow.ts) and the activities' (src/activities/runtime.ts reports
 * the delay to Temporal with the failure, as its `nextRetryDelay`; the activity's RetryPolicy only
 * bounds the attempts, src/workflow/activity-options.ts).
 *
 * The semantics are those of Kestra's executor (a failed task run gets a next retry date):
 * - `constant`: `interval` after each failed attempt.
 * - `exponential`: `interval × delayFactor × (attempts so far − 1)`, at most `maxInterval`. The
 *   delay grows linearly, and the first retry is immediate; `delayFactor` defaults to 2. The older
 *   Kestra truncated `delayFactor` to an integer, tflow uses it as written; Kestra's fix #17031 made
 *   the delay `interval × delayFactor^(n − 1)` (docs/kestra-compatibility.md, "Where tflow differs").
 * - `random`: uniformly between `minInterval` (included) and `maxInterval` (excluded).
 * - `maxAttempts` counts every attempt, the first one included; no attempt starts later than
 *   `maxDuration` after the first one started.
 * The delay counts from the end of the failed attempt.
 */
import type { RetrySpec } from './flow/spec';
import { parseDuration } from './interpreter/duration';

/** Used where the compiler would have required a duration (FlowSpecs built by hand, in tests). */
const DEFAULT_INTERVAL_MS = 1000;

/**
 * Milliseconds to wait, after attempt `attemptsSoFar` failed, before the next one. `random` draws
 * from `random()`: Math.random, which Temporal seeds in the workflow (so it replays alike).
 */
export function retryDelayMs(retry: RetrySpec, attemptsSoFar: number, random: () => number = Math.random): number {
  const ms = (text: string | undefined, fallback: number) => (text ? (parseDuration(text) ?? fallback) : fallback);
  switch (retry.type) {
    case 'constant':
      return ms(retry.interval, DEFAULT_INTERVAL_MS);
    case 'exponential': {
      const delay = ms(retry.interval, DEFAULT_INTERVAL_MS) * (retry.delayFactor ?? 2) * Math.max(0, attemptsSoFar - 1);
      return Math.min(delay, ms(retry.maxInterval, Number.POSITIVE_INFINITY));
    }
    case 'random': {
      const min = ms(retry.minInterval, DEFAULT_INTERVAL_MS);
      const max = ms(retry.maxInterval, min);
      return min + Math.floor(random() * Math.max(0, max - min));
    }
  }
}

/** Whether another attempt may start at `nextStartMs`: within `maxAttempts` (total) and `maxDuration` from the first attempt's start. */
export function mayRetry(retry: RetrySpec, attemptsSoFar: number, firstStartMs: number, nextStartMs: number): boolean {
  if (retry.maxAttempts !== undefined && attemptsSoFar >= retry.maxAttempts) return false;
  const maxDuration = retry.maxDuration ? parseDuration(retry.maxDuration) : undefined;
  return maxDuration === undefined || nextStartMs - firstStartMs <= maxDuration;
}
