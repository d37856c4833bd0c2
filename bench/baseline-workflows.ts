/**
 * Baselines for the orchestration benchmarks: the same work written by hand against the Temporal
 * SDK, with no interpreter, so tflow's own cost shows as a ratio.
 */
import { continueAsNew, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

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

/** What the ForEachItem baseline's activities make of a slice of `id,amount` lines. */
export interface SliceTotals {
  lines: number;
  amount: number;
}

/** The ForEachItem baseline's activities (bench/for-each-item.ts). */
export interface SliceActivities {
  /** Cuts `file` into files of `rows` lines; their paths, in order. */
  splitIntoSlices(file: string, rows: number): Promise<string[]>;
  /** Counts a slice's lines and sums their `amount` column. */
  sumSlice(slice: string): Promise<SliceTotals>;
  /** Writes the slices' totals to a file, a JSON line each, in order; its path. */
  writeMerged(totals: SliceTotals[]): Promise<string>;
  /** Reads the merged file back: how many slices, and their totals added up. */
  readMerged(merged: string): Promise<SliceTotals & { slices: number }>;
}

const slices = proxyActivities<SliceActivities>({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 1 } });

/**
 * The ForEachItem baseline: splits `file` (an activity), runs one child workflow per slice, all at
 * once, each summing its slice in an activity, then writes the children's results to one file and
 * reads it back (two activities), as the flow's merge step and its last task do.
 */
export async function sumSlicesInChildren(file: string, rows: number): Promise<SliceTotals & { slices: number }> {
  const paths = await slices.splitIntoSlices(file, rows);
  const { workflowId } = workflowInfo();
  const totals = await Promise.all(paths.map((slice, i) => executeChild(sumOneSlice, { args: [slice], workflowId: `${workflowId}.${i}` })));
  return slices.readMerged(await slices.writeMerged(totals));
}

/** One slice of `sumSlicesInChildren`, a child workflow as a subflow execution is. */
export async function sumOneSlice(slice: string): Promise<SliceTotals> {
  return slices.sumSlice(slice);
}
