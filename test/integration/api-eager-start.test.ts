/**
 * Eager workflow start (docs/performance.md): `tflow server` with its worker in the same process
 * starts executions on that worker's connection, and the server hands the first workflow task back
 * with the start call; an API without a worker (`--no-worker`) starts them through the task queue.
 * Temporal records which in the execution's first event, as the Web UI shows it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/server/server';
import { purgeNamespace } from '../helpers/flow-store';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('eager workflow start over the REST API', () => {
  const namespace = `tflow.test.eager${randomBytes(3).toString('hex')}`;
  const flow = `id: hello\nnamespace: ${namespace}\ntasks:\n  - id: value\n    type: io.kestra.plugin.core.debug.Return\n    format: done\n`;
  let fixture: TemporalFixture;
  const servers: RunningServer[] = [];

  before(async () => {
    fixture = await startTemporalFixture();
  });
  after(async () => {
    for (const server of servers) await server.close();
    await fixture?.close();
    await purgeNamespace(namespace);
  });

  /** Deploys the flow (both servers share one flow store), runs it over `server` to its end, and says whether Temporal accepted an eager start. */
  async function runOver(server: RunningServer): Promise<{ state: string; eager: boolean }> {
    if (servers.length === 1) {
      const deployed = await fetch(`${server.url}/api/v1/flows`, { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: flow });
      assert.equal(deployed.status, 200, await deployed.text());
    }
    const response = await fetch(`${server.url}/api/v1/executions/${namespace}/hello?wait=true`, { method: 'POST' });
    assert.equal(response.status, 200, await response.clone().text());
    const execution = (await response.json()) as { id: string; state: { current: string } };
    const history = await fixture.client.workflow.getHandle(execution.id).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    assert.ok(started, 'the first event starts the execution');
    return { state: execution.state.current, eager: started.eagerExecutionAccepted === true };
  }

  it('with its worker in the process, the API starts executions eagerly, and they run there', async () => {
    // Its own task queue: only the server's worker serves it.
    const server = await startServer({ ...fixture.config, taskQueue: `${fixture.config.taskQueue}-api` }, { host: '127.0.0.1', port: 0 });
    servers.push(server);
    assert.deepEqual(await runOver(server), { state: 'SUCCESS', eager: true });
  });

  it('without a worker (--no-worker), the API starts them through the task queue for any worker', async () => {
    const server = await startServer(fixture.config, { host: '127.0.0.1', port: 0, worker: false });
    servers.push(server);
    assert.deepEqual(await runOver(server), { state: 'SUCCESS', eager: false });
  });
});
