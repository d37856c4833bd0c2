import { connectionOptions } from '../src/temporal/connection';
/**
 * Orchestration overhead and throughput on the local dev server: tflow's interpreter against the
 * same number of activities scheduled by a hand-written Temporal workflow.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { executionResult, startExecution } from '../src/client/executions';
import { loadConfig, type TflowConfig } from '../src/config';
import { compileFlow } from '../src/compiler/compile';
import type { FlowSpec } from '../src/workflow/flow/spec';
import { findTaskType } from '../src/plugins/registry';
import { startDevServer } from '../src/temporal/dev-server';
import { startWorker, type TflowWorker } from '../src/worker/worker';
import { startBaselineWorker } from './baseline-worker';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';

export interface Setup {
  config: TflowConfig;
  client: Client;
  tflowWorker: TflowWorker;
  baselineQueue: string;
  close(): Promise<void>;
}

export async function setUp(): Promise<Setup> {
  const config = { ...loadConfig(), taskQueue: `bench-${randomBytes(3).toString('hex')}` };
  await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (l) => console.error(l) });
  const tflowWorker = await startWorker(config);
  const baselineWorker = await startBaselineWorker(config, { activities: { noop: async () => undefined } });
  const client = new Client({ connection: await Connection.connect(connectionOptions(config)), namespace: config.temporalNamespace });
  return {
    config,
    client,
    tflowWorker,
    baselineQueue: baselineWorker.taskQueue,
    async close() {
      await baselineWorker.close();
      await tflowWorker.shutdown();
      await client.connection.close();
    },
  };
}

export function flowOf(yaml: string): FlowSpec {
  const { spec, diagnostics } = compileFlow(yaml, 'bench.yaml');
  if (!spec) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return spec;
}

function sequentialFlow(count: number): FlowSpec {
  const tasks = Array.from(
    { length: count },
    (_, i) => `  - id: step_${i}\n    type: io.kestra.plugin.core.debug.Return\n    format: "{{ execution.id }} ${i}"`,
  );
  return flowOf(`id: sequential_${count}\nnamespace: bench\ntasks:\n${tasks.join('\n')}\n`);
}

function parallelFlow(count: number): FlowSpec {
  const tasks = Array.from(
    { length: count },
    (_, i) => `      - id: branch_${i}\n        type: io.kestra.plugin.core.debug.Return\n        format: "${i}"`,
  );
  return flowOf(
    `id: parallel_${count}\nnamespace: bench\ntasks:\n  - id: fan_out\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n${tasks.join('\n')}\n`,
  );
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Runs `flow` to its end; returns its workflow id. */
export async function runTflow(setup: Setup, flow: FlowSpec): Promise<string> {
  const execution = await executionResult(await startExecution(setup.client, setup.config, flow));
  if (execution.state !== 'SUCCESS') throw new Error(`bench flow ${flow.id} ended ${execution.state}: ${execution.error}`);
  return execution.id;
}

/** Runs a baseline workflow to its end; returns its workflow id. */
export async function runBaseline(setup: Setup, workflow: 'sequentialActivities' | 'parallelActivities', count: number): Promise<string> {
  const workflowId = `bench-baseline-${randomBytes(6).toString('hex')}`;
  await setup.client.workflow.execute(workflow, { taskQueue: setup.baselineQueue, workflowId, args: [count] });
  return workflowId;
}

export async function repeat(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up: worker caches, sticky queues
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timed(fn));
  return samples;
}

export async function benchOrchestration(runs = 5): Promise<BenchRow[]> {
  const setup = await setUp();
  const rows: BenchRow[] = [];
  try {
    const count = 100;
    const flow = sequentialFlow(count);
    const tflowMs = stats((await repeat(runs, () => runTflow(setup, flow))).map((ms) => ms / count));
    const baseMs = stats((await repeat(runs, () => runBaseline(setup, 'sequentialActivities', count))).map((ms) => ms / count));
    rows.push({
      benchmark: `overhead: ${count} sequential Return tasks, per task`,
      tflow: formatStats(tflowMs, 'ms'),
      baseline: `hand-written workflow, ${count} no-op activities: ${formatStats(baseMs, 'ms')}`,
      ratio: `${(tflowMs.median / baseMs.median).toFixed(2)}× (time)`,
      target: '< 15 ms per task',
      met: tflowMs.median < 15,
    });

    if (findTaskType('io.kestra.plugin.core.flow.Parallel')) {
      const parallel = parallelFlow(count);
      const tflowPar = stats(await repeat(runs, () => runTflow(setup, parallel)));
      const basePar = stats(await repeat(runs, () => runBaseline(setup, 'parallelActivities', count)));
      rows.push({
        benchmark: `overhead: Parallel of ${count} Return tasks, whole execution`,
        tflow: formatStats(tflowPar, 'ms', 0),
        baseline: `hand-written workflow, ${count} activities at once: ${formatStats(basePar, 'ms', 0)}`,
        ratio: `${(tflowPar.median / basePar.median).toFixed(2)}× (time)`,
        target: '–',
      });
    }

    const executions = 200;
    const hello = flowOf(
      `id: hello_bench\nnamespace: bench\ninputs:\n  - id: name\n    type: STRING\n    defaults: World\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: "Hello, {{ inputs.name }}!"\n  - id: value\n    type: io.kestra.plugin.core.debug.Return\n    format: done\n`,
    );
    const burst = async () => {
      const handles = await Promise.all(Array.from({ length: executions }, () => startExecution(setup.client, setup.config, hello)));
      const finals = await Promise.all(handles.map((h) => executionResult(h)));
      const lost = finals.filter((e) => e.state !== 'SUCCESS').length;
      if (lost > 0) throw new Error(`${lost} of ${executions} executions did not succeed`);
    };
    const baseBurst = () => Promise.all(Array.from({ length: executions }, () => runBaseline(setup, 'sequentialActivities', 2)));
    const tflowRate = stats((await repeat(Math.min(runs, 3), burst)).map((ms) => (executions / ms) * 1000));
    const baseRate = stats((await repeat(Math.min(runs, 3), baseBurst)).map((ms) => (executions / ms) * 1000));
    rows.push({
      benchmark: `throughput: ${executions} two-task executions started at once, none lost`,
      tflow: formatStats(tflowRate, 'executions/s'),
      baseline: `hand-written workflow, 2 activities each: ${formatStats(baseRate, 'executions/s')}`,
      ratio: `${(tflowRate.median / baseRate.median).toFixed(2)}× (rate)`,
      target: '–',
    });
  } finally {
    await setup.close();
  }
  return rows;
}
