/**
 * Activity loop: a ForEach over 100,000 values whose body is a KV Set (an activity writing Postgres),
 * concurrencyLimit 100, against a hand-written Temporal workflow running the same KV write as an
 * activity 100,000 times, 100 at a time (continuing as new every 5,000). Both must write every key.
 * TFLOW_BENCH_LOOP_SIZE and TFLOW_BENCH_LOOP_RUNS make quick runs (e.g. 5000 and 1).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { executionResult, startExecution } from '../src/client/executions';
import { kvStoreFor } from '../src/kv/kv-store';
import { startBaselineWorker } from './baseline-worker';
import { historyOf } from './fan-out';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';
import { flowOf, startBenchWorker, thousands } from './taxi-bench';

/** The 420 s target: the rate asked of a 20,000-activity loop, held at five times the size. */
const TARGET_SECONDS_PER_ITERATION = 420 / 100_000;

export async function benchActivityLoop(
  runs = Number(process.env.TFLOW_BENCH_LOOP_RUNS ?? 1),
  count = Number(process.env.TFLOW_BENCH_LOOP_SIZE ?? 100_000),
  limit = 100,
): Promise<BenchRow[]> {
  const storageRoot = await mkdtemp(join(tmpdir(), 'tflow-bench-loop-'));
  const bench = await startBenchWorker(storageRoot);
  const kv = kvStoreFor(bench.config.databaseUrl);
  const baselineWorker = await startBaselineWorker(bench.config, {
    // The write tflow's KV Set makes, on the same store (the same pool of the same worker process).
    activities: { kvSet: (namespace: string, key: string, value: number) => kv.set(namespace, key, { type: 'NUMBER', value }) },
  });
  const baselineQueue = baselineWorker.taskQueue;
  const db = new Pool({ connectionString: bench.config.databaseUrl, max: 1 });
  const keysIn = async (namespace: string) =>
    Number((await db.query('SELECT count(*) AS n FROM tflow.kv_entries WHERE namespace = $1', [namespace])).rows[0].n);
  const clear = (namespace: string) => db.query('DELETE FROM tflow.kv_entries WHERE namespace = $1', [namespace]);
  try {
    await kv.keys('bench.loop'); // creates the KV table when this database has none yet
    const flow = flowOf(`id: kv_loop_${count}
namespace: bench.loop
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, ${count}) }}"
    concurrencyLimit: ${limit}
    tasks:
      - id: put
        type: io.kestra.plugin.core.kv.Set
        namespace: bench.loop.tflow
        key: "k{{ taskrun.value }}"
        value: "{{ taskrun.value }}"
`);
    /** Seconds, or why it does not count (not SUCCESS, keys missing). */
    const tflowRun = async (): Promise<{ seconds: number; events: number } | string> => {
      await clear('bench.loop.tflow');
      const started = performance.now();
      const handle = await startExecution(bench.client, bench.config, flow);
      const execution = await executionResult(handle);
      const seconds = (performance.now() - started) / 1000;
      const written = await keysIn('bench.loop.tflow');
      if (execution.state !== 'SUCCESS') return `ended ${execution.state} after ${seconds.toFixed(0)} s: ${execution.error}`;
      if (written !== count) return `SUCCESS in ${seconds.toFixed(0)} s but ${written} of ${count} keys written`;
      return { seconds, events: (await historyOf(handle)).events };
    };
    const baselineRunOnce = async (): Promise<number> => {
      await clear('bench.loop.baseline');
      const started = performance.now();
      const handle = await bench.client.workflow.start('limitedKvSets', {
        taskQueue: baselineQueue,
        workflowId: `bench-kv-loop-${randomBytes(6).toString('hex')}`,
        args: ['bench.loop.baseline', count, limit],
      });
      await handle.result();
      const seconds = (performance.now() - started) / 1000;
      const written = await keysIn('bench.loop.baseline');
      if (written !== count) throw new Error(`baseline wrote ${written} of ${count} keys`);
      return seconds;
    };

    const row: BenchRow = {
      benchmark: `activity loop: ForEach over ${thousands(count)} values, body a KV Set (Postgres), concurrencyLimit ${limit}`,
      tflow: '',
      baseline: '',
      ratio: '',
      target: `every key written; ≤ ${(TARGET_SECONDS_PER_ITERATION * count).toFixed(0)} s; ≤ 1.2× the hand-written workflow`,
    };
    const baselineText = (seconds: number[]) =>
      `hand-written workflow, the same KV write as an activity ${thousands(count)} times, ${limit} at a time (continue-as-new every 5,000): ${formatStats(stats(seconds), 's')}; every key written`;
    const tflow: number[] = [];
    const base: number[] = [];
    let events = 0;
    for (let i = 0; i < runs; i++) {
      const run = await tflowRun();
      base.push(await baselineRunOnce());
      if (typeof run === 'string') return [{ ...row, tflow: run, baseline: baselineText(base), ratio: '–', met: false }];
      tflow.push(run.seconds);
      events = run.events;
    }
    const tflowSec = stats(tflow);
    const baseSec = stats(base);
    const ratio = tflowSec.median / baseSec.median;
    return [
      {
        ...row,
        tflow: `${formatStats(tflowSec, 's')}; every key written; the execution's own history ${thousands(events)} events`,
        baseline: baselineText(base),
        ratio: `${ratio.toFixed(2)}× (time)`,
        met: ratio <= 1.2 && tflowSec.median <= TARGET_SECONDS_PER_ITERATION * count,
      },
    ];
  } finally {
    await clear('bench.loop.tflow').catch(() => undefined);
    await clear('bench.loop.baseline').catch(() => undefined);
    await db.end();
    await baselineWorker.close();
    await bench.close();
    await rm(storageRoot, { recursive: true, force: true });
  }
}
