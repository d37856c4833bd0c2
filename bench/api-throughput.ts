/**
 * REST API throughput: N executions of a one-task flow created concurrently through
 * `POST /api/v1/executions/{namespace}/{id}` (multipart inputs, Basic auth), until all have ended,
 * against the same N started directly with the Temporal client (no HTTP). Checks that every
 * execution finished, once: none lost, none duplicated.
 *
 * `node dist/bench/api-throughput.js [count]` runs it alone (default 200).
 */
import { randomBytes } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, executionResult, startExecution } from '../src/client/executions';
import { loadConfig } from '../src/config';
import type { Execution } from '../src/workflow/interpreter/execution';
import { loadDeployedFlow } from '../src/flow-store/deploy';
import { FlowStore } from '../src/flow-store/flow-store';
import { startServer } from '../src/server/server';
import { startDevServer } from '../src/temporal/dev-server';
import { BENCH_AUTH_HEADERS, BENCH_CREDENTIALS, deployReturnFlow } from './api-bench';
import type { BenchRow } from './results';

export async function benchApiThroughput(count = 200): Promise<BenchRow[]> {
  const config = { ...loadConfig(), taskQueue: `bench-api-${randomBytes(3).toString('hex')}`, basicAuth: BENCH_CREDENTIALS };
  await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (l) => console.error(l) });
  const server = await startServer(config, { host: '127.0.0.1', port: 0 });
  const namespace = `tflow.bench.api${randomBytes(3).toString('hex')}`;
  const flowStore = FlowStore.connect(config.databaseUrl);
  try {
    await deployReturnFlow(server.url, namespace, 'quick');

    const check = (executions: Execution[], ids: string[], how: string) => {
      if (new Set(ids).size !== count) throw new Error(`${how}: ${count - new Set(ids).size} duplicated execution ids`);
      const values = executions.map((e) => Number(e.taskRuns[0]?.outputs?.value)).sort((a, b) => a - b);
      const lost = Array.from({ length: count }, (_, n) => n).filter((n) => values[n] !== n);
      if (executions.some((e) => e.state !== 'SUCCESS') || lost.length > 0) throw new Error(`${how}: not every execution succeeded exactly once`);
    };

    const temporal = await connectClient(config);
    const flow = await loadDeployedFlow(flowStore, `${namespace}/quick`);
    // Warm the worker up (workflow bundle, sandbox) so neither measurement pays for it.
    await Promise.all(Array.from({ length: 10 }, (_, n) => startExecution(temporal, config, flow, { inputs: { n } }).then(executionResult)));

    // Through the API.
    let started = performance.now();
    const created = await Promise.all(
      Array.from({ length: count }, async (_, n) => {
        const form = new FormData();
        form.append('n', String(n));
        const response = await fetch(`${server.url}/api/v1/executions/${namespace}/quick`, {
          method: 'POST',
          headers: BENCH_AUTH_HEADERS,
          body: form,
        });
        if (response.status !== 200) throw new Error(`create failed: ${response.status} ${await response.text()}`);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    const viaApi = await Promise.all(created.map((id) => executionResult(temporal.workflow.getHandle(id))));
    const apiSeconds = (performance.now() - started) / 1000;
    check(viaApi, created, 'API');

    // The same, with the Temporal client directly.
    started = performance.now();
    const handles = await Promise.all(Array.from({ length: count }, (_, n) => startExecution(temporal, config, flow, { inputs: { n } })));
    const direct = await Promise.all(handles.map((h) => executionResult(h)));
    const directSeconds = (performance.now() - started) / 1000;
    check(
      direct,
      handles.map((h) => h.workflowId),
      'client',
    );
    await temporal.connection.close();

    const apiRate = count / apiSeconds;
    const directRate = count / directSeconds;
    console.error(
      `API: ${count} executions in ${apiSeconds.toFixed(1)} s = ${apiRate.toFixed(1)} executions/s; Temporal client: ${directRate.toFixed(1)} executions/s`,
    );
    return [
      {
        benchmark: `API throughput: ${count} concurrent executions created over HTTP, to their end (all finished once)`,
        tflow: `${apiRate.toFixed(1)} executions/s`,
        baseline: `${directRate.toFixed(1)} executions/s (Temporal client, same flow)`,
        ratio: `${(apiRate / directRate).toFixed(2)}× (rate)`,
        target: '≥ 0.8× (rate)',
        met: apiRate / directRate >= 0.8,
      },
    ];
  } finally {
    await fetch(`${server.url}/api/v1/flows/${namespace}/quick`, { method: 'DELETE', headers: BENCH_AUTH_HEADERS }).catch(() => undefined);
    await server.close();
    await flowStore.close();
  }
}

if (require.main === module) {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const count = Number(process.argv[2] ?? 200);
  benchApiThroughput(count)
    .then((rows) => {
      for (const row of rows) console.log(`${row.benchmark}: ${row.tflow} (baseline ${row.baseline}, ${row.ratio})`);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
