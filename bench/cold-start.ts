/**
 * Cold start of the CLI: `tflow run --wait` of the hello-world flow, from a new node process to its
 * exit, against a running stack (dev server and a worker), next to a minimal Node script that starts
 * the same workflow with the Temporal client and waits for it (bench/cold-start-baseline.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startExecution } from '../src/client/executions';
import { compileFlowFile } from '../src/compiler/compile';
import type { TflowConfig } from '../src/config';
import type { FlowSpec } from '../src/workflow/flow/spec';
import type { BenchRow } from './results';
import { setUp, timed } from './orchestration';
import { formatStats, stats } from './stats';

const exec = promisify(execFile);
const PROJECT_ROOT = join(__dirname, '..', '..');
const TFLOW_BIN = join(PROJECT_ROOT, 'bin', 'tflow.js');
const BASELINE_SCRIPT = join(__dirname, 'cold-start-baseline.js');
const HELLO_WORLD = 'flows/01_hello_world.yaml';
const TARGET_MS = 1500;

export async function benchColdStart(runs = 7): Promise<BenchRow[]> {
  const setup = await setUp();
  const scratch = mkdtempSync(join(tmpdir(), 'tflow-cold-start-'));
  try {
    const { spec: flow } = compileFlowFile(join(PROJECT_ROOT, HELLO_WORLD));
    if (!flow) throw new Error(`${HELLO_WORLD} does not compile`);
    const env = { ...process.env, TFLOW_TASK_QUEUE: setup.config.taskQueue };
    const tflowRun = () => exec(process.execPath, [TFLOW_BIN, 'run', '--wait', HELLO_WORLD], { cwd: PROJECT_ROOT, env });
    const baselineRun = async () => {
      // What tflow would send for a new execution, captured before the clock starts.
      const file = join(scratch, 'start.json');
      writeFileSync(file, JSON.stringify(await startRequestOf(setup.config, flow)));
      return () => exec(process.execPath, [BASELINE_SCRIPT, file], { cwd: PROJECT_ROOT, env });
    };
    // Warm-up: the worker's caches, the OS file cache of node_modules.
    await tflowRun();
    await (
      await baselineRun()
    )();
    // Alternated, so that both see the same load on a shared machine.
    const tflowMs: number[] = [];
    const baseMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      tflowMs.push(await timed(tflowRun));
      const baseline = await baselineRun();
      baseMs.push(await timed(baseline));
    }
    const tflow = stats(tflowMs);
    const base = stats(baseMs);
    return [
      {
        benchmark: `cold start: \`tflow run --wait ${HELLO_WORLD}\`, new node process to exit, dev server and worker running`,
        tflow: formatStats(tflow, 'ms', 0),
        baseline: `node script starting the same workflow with @temporalio/client and waiting: ${formatStats(base, 'ms', 0)}`,
        ratio: `${(tflow.median / base.median).toFixed(2)}× (time)`,
        target: `< ${TARGET_MS / 1000} s`,
        met: tflow.median < TARGET_MS,
      },
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await setup.close();
  }
}

/** The start request tflow sends for a new execution of `flow` (same inputs check, arguments, search attributes). */
async function startRequestOf(config: TflowConfig, flow: FlowSpec) {
  let captured: { workflowType: string; options: unknown } | undefined;
  const recorder = {
    workflow: {
      start: async (workflowType: string, options: { workflowId: string }) => {
        captured = { workflowType, options };
        return { workflowId: options.workflowId };
      },
    },
  } as unknown as Client;
  await startExecution(recorder, config, flow);
  return { address: config.temporalAddress, namespace: config.temporalNamespace, ...captured! };
}
