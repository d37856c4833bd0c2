/**
 * Baselines for the orchestration benchmarks: the same work written by hand against the Temporal
 * SDK, with no interpreter, so tflow's own cost shows as a ratio.
 */
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

/** `count` activities one after another. */
export async function sequentialActivities(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await noop();
}

/** `count` activities at once. */
export async function parallelActivities(count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, () => noop()));
}

/** `count` activities, at most `limit` at a time (the ForEach fan-out baseline). */
export async function limitedActivities(count: number, limit: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      await noop();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/** A one-task flow that returns its input, written by hand (the bursts baseline): no activity, as tflow runs Return in the workflow. */
export async function returnInput(n: number): Promise<string> {
  return String(n);
}
