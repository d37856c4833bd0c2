/**
 * Flow triggers survive the flow store's database being down when an execution ends: the execution
 * ends at once, a `…-flow-triggers` workflow keeps retrying, and the listening flow starts once
 * the database answers again. The worker reaches Postgres through a TCP relay this test can cut.
 *
 * With TFLOW_RECORD_HISTORIES=1 it also saves both histories to the replay corpus
 * (test/histories/flow_trigger_durable_*.json): `npm run build && TFLOW_RECORD_HISTORIES=1 node
 * scripts/run-tests.js flow-trigger-durable`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { executionResult, startExecution } from '../../src/client/executions';
import { deployFlows, loadDeployedFlow, validateForDeploy } from '../../src/flow-store/deploy';
import { FlowStore } from '../../src/flow-store/flow-store';
import { flowTriggeredExecutionId } from '../../src/activities/flow-triggers';
import { flowTriggerRetryId } from '../../src/workflow/flow-triggers/flow-triggers';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { startWorker, type TflowWorker } from '../../src/worker/worker';
import { HISTORIES } from '../helpers/histories';
import { purgeNamespace } from '../helpers/flow-store';
import { assertNeverStarted, finishedRun, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const namespace = `tflow.test.durabletrigger${randomBytes(3).toString('hex')}`;

const upstream = `id: upstream
namespace: ${namespace}
tasks:
  - id: make
    type: io.kestra.plugin.core.debug.Return
    format: made
`;

const listener = `id: listener
namespace: ${namespace}
tasks:
  - id: seen
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.flowId }} {{ trigger.state }}"
triggers:
  - id: after_upstream
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: ${namespace}
        flowId: upstream
`;

/** A TCP relay to Postgres that can refuse its clients, as a database that is down would. */
class PostgresRelay {
  up = false;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (!this.up) return void client.destroy();
      const upstreamSocket = createConnection(target);
      for (const socket of [client, upstreamSocket]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstreamSocket).pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('Flow triggers while the flow store is down', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  let flowStore: FlowStore;
  let relay: PostgresRelay;
  let worker: TflowWorker;
  let config: TemporalFixture['config'];

  before(async () => {
    fixture = await startTemporalFixture();
    flowStore = FlowStore.connect(fixture.config.databaseUrl);
    const { flows, diagnostics } = validateForDeploy([upstream, listener].map((source, i) => ({ file: `flow${i}.yaml`, source })));
    assert.deepEqual(diagnostics, []);
    await deployFlows({ flowStore, client: fixture.client, config: fixture.config }, flows);

    const database = new URL(fixture.config.databaseUrl);
    relay = new PostgresRelay({ host: database.hostname, port: Number(database.port || 5432) });
    database.host = `127.0.0.1:${await relay.listen()}`;
    // A worker of its own whose flow store is behind the relay.
    config = { ...fixture.config, taskQueue: `${fixture.config.taskQueue}-relayed`, databaseUrl: database.toString() };
    worker = await startWorker(config);
  });
  after(async () => {
    await worker?.shutdown();
    await relay?.close();
    await flowStore?.close();
    await purgeNamespace(namespace);
    await fixture?.close();
  });

  it('the execution ends at once; its listener starts once the database is back', async () => {
    const flow = await loadDeployedFlow(flowStore, `${namespace}/upstream`);
    const source = await executionResult(await startExecution(fixture.client, config, flow));
    assert.equal(source.state, 'SUCCESS', source.error);

    const retryId = flowTriggerRetryId(source.id);
    const retry = await fixture.client.workflow.getHandle(retryId).describe();
    assert.equal(retry.status.name, 'RUNNING');
    const listenerId = flowTriggeredExecutionId({ namespace, id: 'listener' }, 'after_upstream', source.id);
    await assertNeverStarted(fixture.client, listenerId);

    relay.up = true;
    const { execution } = await finishedRun(fixture.client, listenerId, { timeoutMs: 90_000 });
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(execution.taskRuns[0].outputs.value, 'upstream SUCCESS');
    const fired = (await fixture.client.workflow.getHandle(retryId).result()) as { started: { executionId: string }[] };
    assert.deepEqual(
      fired.started.map((s) => s.executionId),
      [listenerId],
    );

    if (process.env.TFLOW_RECORD_HISTORIES) {
      for (const [workflowId, file] of [
        [source.id, 'flow_trigger_durable_source.json'],
        [retryId, 'flow_trigger_durable_retry.json'],
      ]) {
        const json = execFileSync(
          findTemporalCli() ?? 'temporal',
          ['workflow', 'show', '-w', workflowId, '--output', 'json', '--address', config.temporalAddress],
          { encoding: 'utf8' },
        );
        writeFileSync(join(HISTORIES, file), json);
      }
    }
  });
});
