/**
 * ForEachItem: a parent flow splits a 1,000,000-line CSV (`id,amount`, a FILE input) into batches of
 * 10,000 lines, runs a subflow per batch (wait: true) that counts its lines and sums its `amount`
 * column, and a last task reads the merged outputs (`uri`) and adds them up. Against a hand-written
 * Temporal workflow: an activity splits the same file, 100 child workflows each sum a slice in an
 * activity, and two more activities write the results to a file and read it back.
 *
 * Both must report every line and the right sum (per batch, and in total). The figure is the whole
 * execution, from its start to its end; the file is in storage (tflow) or on disk (baseline) before.
 * TFLOW_BENCH_FEI_LINES, TFLOW_BENCH_FEI_ROWS and TFLOW_BENCH_FEI_RUNS make quick runs (e.g. 100000,
 * 1000 and 1: a smaller file, still 100 subflows).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import { executionResultWithin, newExecutionId, startExecution } from '../src/client/executions';
import { FlowStore } from '../src/flow-store/flow-store';
import { parseIonText } from '../src/plugins/jdbc/ion-text';
import { storageFromConfig, uploadLocalFileInputs } from '../src/storage';
import { purgeNamespace } from '../test/helpers/flow-store';
import { startBaselineWorker } from './baseline-worker';
import type { SliceActivities, SliceTotals } from './baseline-workflows';
import { historyOf } from './fan-out';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';
import { durationMs, flowOf, startBenchWorker, thousands } from './taxi-bench';

/** The target: the whole execution at 1,000,000 lines in batches of 10,000. */
const TARGET_SECONDS = 300;
/** A run still going after this long is killed and reported as such. */
const CAP_MS = Number(process.env.TFLOW_BENCH_FEI_CAP_S ?? 900) * 1000;

/** The `amount` of line `id`: spread over 0…999, so a wrong batch boundary changes the sums. */
const amountOf = (id: number) => (id * 7919) % 1000;

/** Writes lines `id,amount` for id 1…lines; returns what each batch of `rows` lines must add up to. */
async function generateItems(path: string, lines: number, rows: number): Promise<SliceTotals[]> {
  const out = createWriteStream(path);
  const batches: SliceTotals[] = [];
  let chunk = '';
  for (let id = 1; id <= lines; id++) {
    if ((id - 1) % rows === 0) batches.push({ lines: 0, amount: 0 });
    const batch = batches[batches.length - 1];
    batch.lines += 1;
    batch.amount += amountOf(id);
    chunk += `${id},${amountOf(id)}\n`;
    if (chunk.length >= 1 << 16) {
      const flushed = out.write(chunk);
      chunk = '';
      if (!flushed) await once(out, 'drain');
    }
  }
  out.end(chunk);
  await once(out, 'close');
  return batches;
}

/** The subflow: counts its batch's lines and sums their amounts (Return runs read() in an activity). */
const sumBatchFlow = (namespace: string) => `id: sum_batch
namespace: ${namespace}
inputs:
  - id: items
    type: STRING
tasks:
  - id: sum
    type: io.kestra.plugin.core.debug.Return
    format: >-
      {{ read(inputs.items) | split('\\n') | jq('map(split(",") | .[1] | tonumber) | [length, add] | map(tostring) | join(" ")') | first }}
outputs:
  - id: lines
    type: INT
    value: "{{ outputs.sum.value | split(' ') | first }}"
  - id: amount
    type: INT
    value: "{{ outputs.sum.value | split(' ') | last }}"
`;

/** The parent: ForEachItem over the FILE input, then a task adding up the merged outputs. */
const parentFlow = (namespace: string, rows: number) =>
  flowOf(`id: split_and_sum
namespace: ${namespace}
inputs:
  - id: items
    type: FILE
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.items }}"
    batch:
      rows: ${rows}
    namespace: ${namespace}
    flowId: sum_batch
    wait: true
    inputs:
      items: "{{ taskrun.items }}"
  - id: totals
    type: io.kestra.plugin.core.debug.Return
    format: >-
      {{ read(outputs.each.uri) | replace({'lines:': '"lines":', 'amount:': '"amount":'}) | split('\\n')
      | jq('map(fromjson) | {slices: length, lines: (map(.lines) | add), amount: (map(.amount) | add)}') | first | toJson }}
`);

/** When the baseline's last run split its file and started merging (performance.now()), for its steps' times. */
interface BaselineMarks {
  splitStarted: number;
  splitEnded: number;
  mergeStarted: number;
  readEnded: number;
}

/** The baseline's activities, on plain files in `workDir`; they mark their times in `marks`. */
function sliceActivities(workDir: string, marks: BaselineMarks): SliceActivities {
  return {
    async splitIntoSlices(file, rows) {
      marks.splitStarted = performance.now();
      const dir = await mkdtemp(join(workDir, 'slices-'));
      const paths: string[] = [];
      let slice = '';
      let count = 0;
      const flush = async () => {
        const path = join(dir, `${paths.length}.csv`);
        await writeFile(path, slice);
        paths.push(path);
        slice = '';
        count = 0;
      };
      for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
        slice += `${line}\n`;
        if (++count === rows) await flush();
      }
      if (count > 0) await flush();
      marks.splitEnded = performance.now();
      return paths;
    },
    async sumSlice(slice) {
      const lines = (await readFile(slice, 'utf8')).split('\n').filter((line) => line !== '');
      let amount = 0;
      for (const line of lines) amount += Number(line.slice(line.indexOf(',') + 1));
      return { lines: lines.length, amount };
    },
    async writeMerged(totals) {
      marks.mergeStarted = performance.now();
      const path = join(workDir, `merged-${randomBytes(4).toString('hex')}.jsonl`);
      await writeFile(path, totals.map((t) => `${JSON.stringify(t)}\n`).join(''));
      return path;
    },
    async readMerged(merged) {
      const totals = (await readFile(merged, 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as SliceTotals);
      marks.readEnded = performance.now();
      return { slices: totals.length, lines: sum(totals.map((t) => t.lines)), amount: sum(totals.map((t) => t.amount)) };
    },
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export async function benchForEachItem(
  runs = Number(process.env.TFLOW_BENCH_FEI_RUNS ?? 1),
  lines = Number(process.env.TFLOW_BENCH_FEI_LINES ?? 1_000_000),
  rows = Number(process.env.TFLOW_BENCH_FEI_ROWS ?? 10_000),
): Promise<BenchRow[]> {
  const workDir = await mkdtemp(join(tmpdir(), 'tflow-bench-fei-'));
  const bench = await startBenchWorker(join(workDir, 'storage'));
  const storage = storageFromConfig(bench.config);
  const namespace = `bench.foreachitem${randomBytes(3).toString('hex')}`;
  const flowStore = FlowStore.connect(bench.config.databaseUrl);
  const marks: BaselineMarks = { splitStarted: 0, splitEnded: 0, mergeStarted: 0, readEnded: 0 };
  const baseline = await startBaselineWorker(bench.config, { activities: sliceActivities(workDir, marks) });
  try {
    await flowStore.save(namespace, 'sum_batch', sumBatchFlow(namespace));
    const flow = parentFlow(namespace, rows);
    const itemsFile = join(workDir, 'items.csv');
    const expected = await generateItems(itemsFile, lines, rows);
    const expectedTotals = { slices: expected.length, lines, amount: sum(expected.map((b) => b.amount)) };
    const batches = expected.length;

    /** Seconds and where they went, or why the run does not count (not SUCCESS, wrong outputs). */
    const tflowRun = async (): Promise<{ seconds: number; steps: string; events: number } | string> => {
      const executionId = newExecutionId(flow);
      const inputs = await uploadLocalFileInputs(storage, { namespace, flowId: flow.id, executionId }, flow.inputs, { items: itemsFile });
      const started = performance.now();
      const handle = await startExecution(bench.client, bench.config, flow, { executionId, inputs });
      const execution = await executionResultWithin(handle, CAP_MS);
      const seconds = (performance.now() - started) / 1000;
      if (!execution) {
        await handle.terminate('bench: over the time cap');
        return `not finished after ${(CAP_MS / 1000).toFixed(0)} s; terminated`;
      }
      if (execution.state !== 'SUCCESS') return `ended ${execution.state} after ${seconds.toFixed(0)} s: ${execution.error}`;
      const each = execution.taskRuns.find((r) => r.taskId === 'each')?.outputs ?? {};
      const succeeded = (each.iterations as Record<string, number> | undefined)?.SUCCESS;
      if (each.numberOfBatches !== batches || succeeded !== batches) {
        return `SUCCESS but ${String(each.numberOfBatches)} batches, ${String(succeeded)} subflows SUCCESS (expected ${batches})`;
      }
      // Each batch's line of the merged file, in order, then the last task's totals.
      const merged = (await text(await storage.get(String(each.uri)))).trimEnd().split('\n').map(parseIonText);
      const wrongBatch = expected.findIndex((batch, i) => JSON.stringify(merged[i]) !== JSON.stringify(batch));
      if (merged.length !== batches || wrongBatch >= 0) {
        return `SUCCESS but merged outputs wrong: ${merged.length} lines; batch ${wrongBatch}: ${JSON.stringify(merged[wrongBatch])}, expected ${JSON.stringify(expected[wrongBatch])}`;
      }
      const totals = execution.taskRuns.find((r) => r.taskId === 'totals')?.outputs.value;
      if (totals !== JSON.stringify(expectedTotals))
        return `SUCCESS but the last task read ${String(totals)}, expected ${JSON.stringify(expectedTotals)}`;
      const step = (taskId: string) => `${((durationMs(execution, taskId) ?? NaN) / 1000).toFixed(1)} s`;
      const steps = `split ${step('each_split')}, subflows ${step('each_items')}, merge ${step('each_merge')}, last task ${step('totals')}`;
      return { seconds, steps, events: (await historyOf(handle)).events };
    };
    const baselineRunOnce = async (): Promise<number> => {
      const started = performance.now();
      const handle = await bench.client.workflow.start('sumSlicesInChildren', {
        taskQueue: baseline.taskQueue,
        workflowId: `bench-fei-${randomBytes(6).toString('hex')}`,
        args: [itemsFile, rows],
      });
      const totals: unknown = await handle.result();
      const seconds = (performance.now() - started) / 1000;
      if (JSON.stringify(totals) !== JSON.stringify(expectedTotals)) {
        throw new Error(`baseline read ${JSON.stringify(totals)}, expected ${JSON.stringify(expectedTotals)}`);
      }
      return seconds;
    };
    const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)} s`;
    const baselineSteps = () =>
      `split ${seconds(marks.splitStarted, marks.splitEnded)}, children ${seconds(marks.splitEnded, marks.mergeStarted)}, merge and read ${seconds(marks.mergeStarted, marks.readEnded)}`;

    const row: BenchRow = {
      benchmark: `ForEachItem: ${thousands(lines)} lines in batches of ${thousands(rows)}, ${batches} subflow executions (wait) each summing its batch, merged outputs read`,
      tflow: '',
      baseline: '',
      ratio: '',
      target: `every subflow SUCCESS, sums right; ≤ ${TARGET_SECONDS} s at 1,000,000 lines in batches of 10,000`,
    };
    const baselineText = (times: number[]) =>
      `hand-written workflow: split activity, ${batches} child workflows each summing its slice in an activity, results written to a file and read back: ${formatStats(stats(times), 's')}; sums right; ${baselineSteps()}`;
    const tflow: number[] = [];
    const base: number[] = [];
    let last = { steps: '', events: 0 };
    for (let i = 0; i < runs; i++) {
      const run = await tflowRun();
      base.push(await baselineRunOnce());
      if (typeof run === 'string') return [{ ...row, tflow: run, baseline: baselineText(base), ratio: '–', met: false }];
      tflow.push(run.seconds);
      last = run;
    }
    const tflowSec = stats(tflow);
    const ratio = tflowSec.median / stats(base).median;
    return [
      {
        ...row,
        tflow: `${formatStats(tflowSec, 's')}; all ${batches} SUCCESS, sums right; ${last.steps}; the parent's history ${thousands(last.events)} events`,
        baseline: baselineText(base),
        ratio: `${ratio.toFixed(2)}× (time)`,
        met: tflowSec.median <= TARGET_SECONDS,
      },
    ];
  } finally {
    await baseline.close();
    await bench.close();
    await flowStore.close();
    await purgeNamespace(namespace);
    await rm(workDir, { recursive: true, force: true });
  }
}
