/**
 * Fan-out: ForEach over 5,000 values with concurrencyLimit 20, one Return task per value, against a
 * hand-written Temporal workflow running 5,000 no-op activities 20 at a time. Wall time and the
 * size of each one's history (events and bytes): Temporal warns at 10,240 events / 10 MB and
 * terminates a workflow at 51,200 events / 50 MB.
 */
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { startExecution } from '../src/client/executions';
import { executionQuery } from '../src/workflow/definitions';
import { startBaselineWorker } from './baseline-worker';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';
import { flowOf, startBenchWorker, thousands } from './taxi-bench';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EVENT_LIMIT = 51_200;
/** A ForEach run still going after this long is stopped and reported as such. */
const CAP_MS = Number(process.env.TFLOW_BENCH_FANOUT_CAP_S ?? 300) * 1000;

interface Sample {
  ms: number;
  events: number;
  bytes: number;
  /** A large ForEach runs its iterations in child workflows (batches): their histories, summed. */
  batches?: { count: number; events: number; bytes: number };
}

export async function historyOf(handle: WorkflowHandle): Promise<{ events: number; bytes: number }> {
  const description = await handle.describe();
  return { events: description.historyLength, bytes: Number(description.raw.workflowExecutionInfo?.historySizeBytes ?? 0) };
}

export async function benchFanOut(runs = 3, count = 5_000, limit = 20): Promise<BenchRow[]> {
  const storageRoot = await mkdtemp(join(tmpdir(), 'tflow-bench-fanout-'));
  const bench = await startBenchWorker(storageRoot);
  const baselineWorker = await startBaselineWorker(bench.config, { activities: { noop: async () => undefined } });
  const baselineQueue = baselineWorker.taskQueue;
  try {
    const values = JSON.stringify(Array.from({ length: count }, (_, i) => i + 1));
    const flow = flowOf(`id: foreach_${count}
namespace: bench
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: '${values}'
    concurrencyLimit: ${limit}
    tasks:
      - id: noop
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
`);
    const history = (s: Sample[]) => {
      const own = `${thousands(s[0].events)} events, ${(s[0].bytes / 2 ** 20).toFixed(1)} MiB of history`;
      const { batches } = s[0];
      if (!batches) return own;
      return `${own} (+ ${batches.count} batch child workflows: ${thousands(batches.events)} events, ${(batches.bytes / 2 ** 20).toFixed(1)} MiB, each under the limits)`;
    };
    const baselineText = (base: Sample[]) =>
      `hand-written workflow, ${thousands(count)} no-op activities ${limit} at a time: ${formatStats(stats(base.map((s) => s.ms / 1000)), 's')}; ${history(base)}`;
    const row: BenchRow = {
      benchmark: `fan-out: ForEach over ${thousands(count)} values, concurrencyLimit ${limit}, one Return task each`,
      tflow: '',
      baseline: '',
      ratio: '',
      target: `completes; history under Temporal's ${thousands(EVENT_LIMIT)}-event limit`,
    };
    /** A run that fails, or passes the time cap (then terminated), says what happened instead of a time. */
    const tflowRun = async (): Promise<Sample | string> => {
      const started = performance.now();
      const handle = await startExecution(bench.client, bench.config, flow);
      let failure: unknown;
      const outcome = await Promise.race([
        handle.result().then(
          () => 'done',
          (error: unknown) => ((failure = error), 'failed'),
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('capped'), CAP_MS).unref()),
      ]);
      const ms = performance.now() - started;
      const history = await historyOf(handle);
      const size = `${thousands(history.events)} events (${(history.bytes / 2 ** 20).toFixed(1)} MiB)`;
      if (outcome === 'capped') {
        const done = (await handle.query(executionQuery).catch(() => undefined))?.taskRuns.filter(
          (r) => r.taskId === 'noop' && r.state === 'SUCCESS',
        ).length;
        await handle.terminate('bench: over the time cap');
        return `not finished after ${(CAP_MS / 1000).toFixed(0)} s (${done ?? '?'} of ${count} iterations done, ${size}); terminated`;
      }
      const { status } = await handle.describe();
      if (outcome === 'failed' || status.name !== 'COMPLETED') {
        return `ended ${status.name} after ${(ms / 1000).toFixed(1)} s with ${size}: ${String(failure)}`;
      }
      // The ForEach's batches (child workflows), listed in its outputs.
      const execution = (await handle.query(executionQuery).catch(() => undefined)) ?? undefined;
      const batchIds = (execution?.taskRuns.find((r) => r.taskId === 'each')?.outputs.batches as string[] | undefined) ?? [];
      if (batchIds.length === 0) return { ms, ...history };
      const children = await Promise.all(batchIds.map((id) => historyOf(bench.client.workflow.getHandle(id))));
      const batches = {
        count: children.length,
        events: children.reduce((n, c) => n + c.events, 0),
        bytes: children.reduce((n, c) => n + c.bytes, 0),
      };
      return { ms, ...history, batches };
    };
    const baselineRunOnce = async (): Promise<Sample> => {
      const started = performance.now();
      const handle = await bench.client.workflow.start('limitedActivities', {
        taskQueue: baselineQueue,
        workflowId: `bench-fanout-${randomBytes(6).toString('hex')}`,
        args: [count, limit],
      });
      await handle.result();
      const ms = performance.now() - started;
      return { ms, ...(await historyOf(handle)) };
    };

    const tflow: Sample[] = [];
    const base: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await tflowRun();
      base.push(await baselineRunOnce());
      if (typeof run === 'string') {
        return [{ ...row, tflow: run, baseline: baselineText(base), ratio: '–', met: false }];
      }
      tflow.push(run);
      if (run.ms > 120_000) break; // one slow run says enough
    }
    const tflowSec = stats(tflow.map((s) => s.ms / 1000));
    const baseSec = stats(base.map((s) => s.ms / 1000));
    return [
      {
        ...row,
        tflow: `${formatStats(tflowSec, 's')}; ${history(tflow)}`,
        baseline: baselineText(base),
        ratio: `${(tflowSec.median / baseSec.median).toFixed(2)}× (time); ${(tflow[0].events / base[0].events).toPrecision(2)}× (events)`,
        met: tflow.every((s) => s.events < EVENT_LIMIT),
      },
    ];
  } finally {
    await baselineWorker.close();
    await bench.close();
    await rm(storageRoot, { recursive: true, force: true });
  }
}
