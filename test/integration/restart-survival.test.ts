/**
 * Schedules and the flow store survive a restart of the Temporal dev server and of tflow.
 *
 * Other tests share the dev server on :7233, so this one starts its own (headless, on a free port,
 * with its own database file), a flow store in a throwaway Postgres database, and real `tflow worker`
 * processes; it restarts only those.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, executionResult } from '../../src/client/executions';
import { loadConfig } from '../../src/config';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { findTemporalCli, isTemporalUp, startDevServer, stopDevServer } from '../../src/temporal/dev-server';
import { flowTriggeredExecutionId } from '../../src/activities/flow-triggers';
import { deployWithCli, runCli, runTflow } from '../helpers/cli';
import { FIXTURES } from '../helpers/paths';
import { createTestDatabase, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, type TestDatabase } from '../helpers/postgres';
import { freePort, WorkerProcess } from '../helpers/worker-process';

const namespace = 'restart.test';

/** A yearly schedule (it never fires by itself during the test), triggered by hand after the restarts. */
const ticker = `id: ticker
namespace: ${namespace}
tasks:
  - id: when
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
outputs:
  - id: when
    type: STRING
    value: "{{ outputs.when.value }}"
triggers:
  - id: yearly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 6 1 1 *"
    timezone: Europe/Paris
`;

/** Started by the flow store's Flow-trigger subscription after each ticker run. */
const listener = `id: listener
namespace: ${namespace}
tasks:
  - id: seen
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.flowId }} {{ trigger.outputs.when }}"
triggers:
  - id: after_ticker
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: ticker_done
      flows:
        - namespace: ${namespace}
          flowId: ticker
          states: [SUCCESS]
`;

describe('restarts of the dev server and of tflow', { timeout: 300_000 }, () => {
  const serverDir = mkdtempSync(join(tmpdir(), 'tflow-restart-temporal-'));
  const tflowDir = mkdtempSync(join(tmpdir(), 'tflow-restart-'));
  let db: TestDatabase;
  let address: string;
  let env: NodeJS.ProcessEnv;
  let worker: WorkerProcess | undefined;
  let client: Client | undefined;
  const temporalCli = findTemporalCli()!;

  before(async () => {
    db = await createTestDatabase('tflow_restart');
    address = `127.0.0.1:${await freePort()}`;
    env = {
      TEMPORAL_ADDRESS: address,
      TFLOW_DATABASE_URL: `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${db.name}`,
      TFLOW_TASK_QUEUE: 'restart-test',
      TFLOW_STATE_DIR: tflowDir,
      TFLOW_STORAGE: join(tflowDir, 'storage'),
    };
    await startDevServer({ stateDir: serverDir, address, headless: true });
  });
  after(async () => {
    await stopWorker();
    await client?.connection.close();
    await stopDevServer(serverDir);
    await db?.drop();
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(tflowDir, { recursive: true, force: true });
  });

  const tflow = (...args: string[]) => runTflow(args, env);
  const temporal = (...args: string[]) => runCli(temporalCli, [...args, '--address', address]);
  const startWorker = async () => {
    worker = new WorkerProcess(env);
    await worker.polling();
  };
  const stopWorker = async () => worker?.stop();
  const deploy = () => deployWithCli([join(FIXTURES, 'valid', 'zoomcamp_hello_world.yaml'), files.ticker, files.listener], env);
  const files = { ticker: join(tflowDir, 'ticker.yaml'), listener: join(tflowDir, 'listener.yaml') };

  it('deploys, restarts both, and finds the flows, their Schedules (paused state included) and Flow triggers working', async () => {
    writeFileSync(files.ticker, ticker);
    writeFileSync(files.listener, listener);
    const deployed = await deploy();
    assert.deepEqual(
      deployed.map((d) => [d.flowId, d.status, d.schedules.map((s) => [s.scheduleId, s.status, s.paused])]),
      [
        ['01_hello_world', 'created', [['zoomcamp.01_hello_world.schedule', 'created', true]]],
        ['ticker', 'created', [[`${namespace}.ticker.yearly`, 'created', false]]],
        ['listener', 'created', []],
      ],
    );
    await startWorker();

    // Restart everything: tflow's worker, then the dev server (same database file).
    await stopWorker();
    assert.ok(await stopDevServer(serverDir));
    assert.equal(await isTemporalUp(address), false);
    await startDevServer({ stateDir: serverDir, address, headless: true });
    await startWorker();
    client = await connectClient({ ...loadConfig(env), temporalAddress: address });

    // Temporal kept the Schedules: listed, with their cron, zone and paused state.
    const list = await temporal('schedule', 'list', '--really-long');
    assert.equal(list.code, 0, list.stderr);
    const line = (id: string) => list.stdout.split('\n').find((l) => l.includes(id)) ?? assert.fail(`${id} not listed:\n${list.stdout}`);
    assert.match(line(`${namespace}.ticker.yearly`), /cron \\"0 6 1 1 \*\\"/);
    assert.match(line(`${namespace}.ticker.yearly`), /Europe\/Paris/);
    assert.match(line('zoomcamp.01_hello_world.schedule'), /cron \\"0 10 \* \* \*\\"/);
    const hello = await temporal('schedule', 'describe', '-s', 'zoomcamp.01_hello_world.schedule');
    assert.match(hello.stdout, /Paused\s+true/);

    // The flow store kept the flows, and deploying them again changes nothing.
    const flows = await tflow('flows', 'list', '--json');
    assert.equal(flows.code, 0, flows.stderr);
    assert.deepEqual(
      (JSON.parse(flows.stdout) as { namespace: string; id: string; revision: number; schedules: string[] }[]).map((f) => [
        `${f.namespace}.${f.id}`,
        f.revision,
        f.schedules,
      ]),
      [
        [`${namespace}.listener`, 1, []],
        [`${namespace}.ticker`, 1, [`${namespace}.ticker.yearly`]],
        ['zoomcamp.01_hello_world', 1, ['zoomcamp.01_hello_world.schedule']],
      ],
    );
    const again = await deploy();
    assert.deepEqual(
      again.map((d) => [d.flowId, d.status, d.revision, d.schedules.map((s) => s.status)]),
      [
        ['01_hello_world', 'unchanged', 1, ['unchanged']],
        ['ticker', 'unchanged', 1, ['unchanged']],
        ['listener', 'unchanged', 1, []],
      ],
    );

    // A triggered run works on the restarted stack, and its end starts the listening flow.
    const triggered = await temporal('schedule', 'trigger', '-s', `${namespace}.ticker.yearly`);
    assert.equal(triggered.code, 0, triggered.stderr);
    const run = await scheduledRun(client, `${namespace}.ticker.yearly`);
    assert.equal(run.state, 'SUCCESS', run.error);
    assert.match(String(run.outputs.when), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+0[12]:00$/);
    const chained = await executionResult(client.workflow.getHandle(flowTriggeredExecutionId({ namespace, id: 'listener' }, 'after_ticker', run.id)));
    assert.equal(chained.state, 'SUCCESS', chained.error);
    assert.equal(chained.taskRuns[0].outputs.value, `ticker ${run.outputs.when}`);
  });
});

/** The first run a Schedule started, once it has ended. */
async function scheduledRun(client: Client, scheduleId: string): Promise<Execution> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [action] = (await client.schedule.getHandle(scheduleId).describe()).info.recentActions;
    if (action) return executionResult(client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${scheduleId} started no run within 60 s`);
}
