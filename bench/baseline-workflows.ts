/**
 * Baselines for the orchestration benchmarks: the same work written by hand against the Temporal
 * SDK, with no interpreter, so tflow's own cost shows as a ratio.
 */
import { continueAsNew, proxyActivities } from '@temporalio/workflow';

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

const { kvSet } = proxyActivities<{ kvSet(namespace: string, key: string, value: number): Promise<void> }>({
  startToCloseTimeout: '1 minute',
});

/** Activities per run of `limitedKvSets` before it continues as new: a history stays far under 51,200 events. */
const KV_SETS_PER_RUN = 5_000;

/**
 * The activity-loop baseline: KV writes of keys `k<from+1>`…`k<count>`, at most `limit` at a time,
 * continuing as new every KV_SETS_PER_RUN writes (as a hand-written workflow must, past a few
 * thousand activities).
 */
export async function limitedKvSets(namespace: string, count: number, limit: number, from = 0): Promise<void> {
  const end = Math.min(count, from + KV_SETS_PER_RUN);
  let next = from;
  const lane = async () => {
    while (next < end) {
      next++;
      await kvSet(namespace, `k${next}`, next);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, end - from) }, lane));
  if (end < count) await continueAsNew<typeof limitedKvSets>(namespace, count, limit, end);
}
