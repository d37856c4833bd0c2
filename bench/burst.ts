/**
 * Bursts (issue 20): BENCH_BURST_COUNT executions (default 10,000) of a one-task flow created over the
 * REST API, BENCH_BURST_CONCURRENCY requests at a time (default 100), until every one has ended; against
 * a hand-written Temporal client starting as many hand-written workflows that do the same (return
 * their input), as many at a time, on a worker with the same TFLOW_WORKER_* settings, in the same run.
 *
 * The end is the last close time Temporal's visibility records, so waiting costs neither side a poll
 * per execution. Every execution must end SUCCESS, once: none lost, none duplicated.
 *
 * `BENCH_BURST_COUNT=500 node dist/bench/burst.js` runs it alone, for a quick look (nothing is written).
 */
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient } from '../src/client/executions';
import { loadConfig } from '../src/config';
import { startServer } from '../src/server/server';
import { startDevServer } from '../src/temporal/dev-server';
import { concurrencyOptions } from '../src/worker/worker';
import { FlowStateKey } from '../src/workflow/search-attributes';
import { BENCH_AUTH_HEADERS, BENCH_CREDENTIALS, deployReturnFlow } from './api-bench';
import { startBaselineWorker } from './baseline-worker';
import type { BenchRow } from './results';

/** The issue's bound on the whole burst. */
const BURST_LIMIT_S = 600;

export async function benchBurst(
  count = envCount('BENCH_BURST_COUNT', 10_000),
  concurrency = envCount('BENCH_BURST_CONCURRENCY', 100),
): Promise<BenchRow[]> {
  const config = { ...loadConfig(), taskQueue: `bench-burst-${randomBytes(3).toString('hex')}`, basicAuth: BENCH_CREDENTIALS };
  await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (l) => console.error(l) });
  // `tflow server`: the API and a worker in one process.
  const server = await startServer(config, { host: '127.0.0.1', port: 0 });
  const baselineWorker = await startBaselineWorker(config, concurrencyOptions(config));
  const baselineQueue = baselineWorker.taskQueue;
  const client = await connectClient(config);
  const namespace = `tflow.bench.burst${randomBytes(3).toString('hex')}`;
  try {
    await deployReturnFlow(server.url, namespace, 'burst');

    const createOverApi = async (n: number) => {
      const form = new FormData();
      form.append('n', String(n));
      const response = await fetch(`${server.url}/api/v1/executions/${namespace}/burst`, { method: 'POST', headers: BENCH_AUTH_HEADERS, body: form });
      if (response.status !== 200) throw new Error(`create failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    };
    const run = randomBytes(3).toString('hex');
    const startDirectly = async (n: number) => {
      const workflowId = `bench-burst-baseline-${run}-${n}`;
      await client.workflow.start('returnInput', { taskQueue: baselineQueue, workflowId, args: [n] });
      return workflowId;
    };
    // Warm both workers up (workflow bundle, sandbox, connections) so neither burst pays for it.
    await burst(client, config.taskQueue, 20, 10, createOverApi);
    await burst(client, baselineQueue, 20, 10, startDirectly);

    const tflow = await burst(
      client,
      config.taskQueue,
      count,
      concurrency,
      createOverApi,
      (info) => info.typedSearchAttributes.get(FlowStateKey) === 'SUCCESS',
    );
    const baseline = await burst(client, baselineQueue, count, concurrency, startDirectly);
    const ratio = tflow.rate / baseline.rate;
    const { worker } = config;
    // Unset, the SDK's defaults apply (@temporalio/worker 1.24: 40 workflow tasks, 100 activities at once).
    const settings =
      `TFLOW_WORKER_MAX_WORKFLOW_TASKS=${worker.maxWorkflowTasks ?? 'unset (40)'}, ` +
      `TFLOW_WORKER_MAX_ACTIVITIES=${worker.maxActivities ?? 'unset (100)'}, ` +
      `TFLOW_WORKER_MAX_CACHED_WORKFLOWS=${worker.maxCachedWorkflows ?? `unset (${concurrencyOptions(config).maxCachedWorkflows} from the heap)`}`;
    console.error(`tflow over the API: ${tflow.summary}; Temporal client: ${baseline.summary}; worker: ${settings}`);
    return [
      {
        benchmark: `bursts: ${count.toLocaleString('en-US')} executions created over the REST API, ${concurrency} requests at a time, to their end (none lost)`,
        tflow: `${tflow.summary}; API and worker in one process, ${settings}`,
        baseline: `hand-written Temporal client and workflow (returns its input), ${concurrency} starts at a time, same worker settings: ${baseline.summary}`,
        ratio: `${ratio.toFixed(2)}× (rate)`,
        target: `≥ 0.9× (rate); all end within ${BURST_LIMIT_S} s`,
        met: ratio >= 0.9 && tflow.seconds <= BURST_LIMIT_S,
      },
    ];
  } finally {
    await fetch(`${server.url}/api/v1/flows/${namespace}/burst`, { method: 'DELETE', headers: BENCH_AUTH_HEADERS }).catch(() => undefined);
    await baselineWorker.close();
    await client.connection.close();
    await server.close();
  }
}

interface BurstResult {
  seconds: number;
  rate: number;
  summary: string;
}

/**
 * Starts `count` executions with `start(n)`, `concurrency` at a time, and waits until visibility shows
 * them all closed. Throws unless each started id closed once, COMPLETED (and `succeeded`, when given).
 */
async function burst(
  client: Client,
  taskQueue: string,
  count: number,
  concurrency: number,
  start: (n: number) => Promise<string>,
  succeeded: (info: WorkflowExecutionInfo) => boolean = () => true,
): Promise<BurstResult> {
  const began = new Date();
  const ids: string[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = next++;
      ids[n] = await start(n);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const createdSeconds = (Date.now() - began.getTime()) / 1000;

  const started = `TaskQueue = "${taskQueue}" AND StartTime >= "${began.toISOString()}"`;
  const patience = Date.now() + 30 * 60_000;
  for (;;) {
    const { count: closed } = await client.workflow.count(`${started} AND ExecutionStatus != "Running"`);
    if (closed >= count) break;
    if (Date.now() > patience) throw new Error(`${taskQueue}: only ${closed} of ${count} executions ended within 30 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const closedIds = new Set<string>();
  let lastClose = began.getTime();
  let failed = 0;
  for await (const info of client.workflow.list({ query: started, pageSize: 1000 })) {
    if (closedIds.has(info.workflowId)) throw new Error(`${taskQueue}: execution ${info.workflowId} ran twice`);
    closedIds.add(info.workflowId);
    if (info.status.name !== 'COMPLETED' || !succeeded(info)) failed++;
    lastClose = Math.max(lastClose, info.closeTime?.getTime() ?? Infinity);
  }
  const lost = ids.filter((id) => !closedIds.has(id)).length;
  if (failed > 0 || lost > 0 || closedIds.size !== count || new Set(ids).size !== count) {
    throw new Error(
      `${taskQueue}: ${failed} executions did not succeed, ${lost} were lost, ${closedIds.size} ran for ${count} requests (${new Set(ids).size} ids)`,
    );
  }
  const seconds = (lastClose - began.getTime()) / 1000;
  const rate = count / seconds;
  return {
    seconds,
    rate,
    summary: `${rate.toFixed(1)} executions/s (all ${count.toLocaleString('en-US')} ended in ${seconds.toFixed(0)} s, created in ${createdSeconds.toFixed(0)} s)`,
  };
}

function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer, got ${raw}`);
  return value;
}

if (require.main === module) {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  benchBurst()
    .then((rows) => {
      for (const row of rows) console.log(`${row.benchmark}: ${row.tflow} (baseline ${row.baseline}, ${row.ratio})`);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
