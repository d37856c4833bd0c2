/**
 * Red-team review of the hardened API and script runner (issue 15): each case is a way around a
 * guard that worked before its fix, against real `tflow server` / `tflow worker` processes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { connectClient, executionResult, startExecution } from '../../src/client/executions';
import { loadConfig } from '../../src/config';
import { compileFlow } from '../../src/flow/compile';
import { logsQuery } from '../../src/workflows/definitions';
import { purgeNamespace } from '../helpers/registry';
import { ServerProcess } from '../helpers/server-process';
import { WorkerProcess } from '../helpers/worker-process';

/** Sends `head` (request line and headers, no body) as written, byte for byte; resolves with the status code. */
function rawRequest(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

describe('review: the open webhook route is told by the route, not by the raw URL', { timeout: 120_000 }, () => {
  // Only a flow in namespace `webhook` is reachable this way: `/executions/webhook/<id>` is its create route.
  const namespace = 'webhook';
  const flowId = `review_${randomBytes(4).toString('hex')}`;
  const credentials = `admin:${randomBytes(8).toString('hex')}`;
  const authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  let server: ServerProcess;
  let temporal: Client;

  before(async () => {
    server = await ServerProcess.start({ args: ['server', '--no-worker'], env: { TFLOW_BASIC_AUTH: credentials, TFLOW_API_HOST: '' } });
    const config = loadConfig();
    temporal = new Client({ connection: await Connection.connect({ address: config.temporalAddress }), namespace: config.temporalNamespace });
    const deployed = await fetch(`${server.url}/api/v1/flows`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-yaml' },
      body: `id: ${flowId}\nnamespace: ${namespace}\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hello\n`,
    });
    assert.equal(deployed.status, 200, await deployed.text());
  });
  after(async () => {
    await server?.stop();
    await temporal?.connection.close();
    await purgeNamespace(namespace);
  });

  it('a `#` in the path does not make a protected route look like a webhook: 401 without credentials, 403 cross-origin, nothing started', async () => {
    const host = `Host: 127.0.0.1:${server.port}`;
    for (const prefix of ['/api/v1', '/api/v1/main']) {
      const target = `${prefix}/executions/webhook/${flowId}#/any/key`;
      assert.equal(await rawRequest(server.port, `POST ${target} HTTP/1.1\r\n${host}`), 401, `${target} without credentials`);
      assert.equal(
        await rawRequest(server.port, `POST ${target} HTTP/1.1\r\n${host}\r\nOrigin: https://evil.example\r\nContent-Type: text/plain`),
        403,
        `${target} from another origin`,
      );
    }
    const started = await temporal.workflow.count(`TaskQueue = "${server.taskQueue}" AND FlowId = "${flowId}"`);
    assert.equal(started.count, 0, 'an execution was started without credentials');
  });
});
