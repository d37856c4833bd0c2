import { connectionOptions } from '../../src/temporal/connection';
/**
 * Red-team review of the hardened API and script runner: each case is a way around a
 * guard that worked before its fix, against real `tflow server` / `tflow worker` processes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { connectClient, executionResult, startExecution } from '../../src/client/executions';
import { loadConfig } from '../../src/config';
import { compileFlow } from '../../src/compiler/compile';
import { guardSettings, refusal } from '../../src/server/request-guard';
import { logsQuery } from '../../src/workflow/definitions';
import { purgeNamespace } from '../helpers/flow-store';
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

describe('review: webhook routes: told by the matched route, keys read as YAML reads them', { timeout: 120_000 }, () => {
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
    temporal = new Client({ connection: await Connection.connect(connectionOptions(config)), namespace: config.temporalNamespace });
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

  it('a webhook whose quoted key holds ` # ` or a YAML escape is served with that key: the pre-check does not refuse it', async () => {
    const keys = { hashed: `hook # key ${randomBytes(6).toString('hex')}`, escaped: `hook\\x41key-${randomBytes(6).toString('hex')}` };
    const hookFlow = `review_hook_${randomBytes(4).toString('hex')}`;
    const deployed = await fetch(`${server.url}/api/v1/flows`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-yaml' },
      body: [
        `id: ${hookFlow}`,
        `namespace: ${namespace}`,
        'tasks:',
        '  - id: hello',
        '    type: io.kestra.plugin.core.log.Log',
        '    message: hello',
        'triggers:',
        '  - id: hashed',
        '    type: io.kestra.plugin.core.trigger.Webhook',
        `    key: "${keys.hashed}" # the key holds " # "`,
        `  - {id: escaped, type: io.kestra.plugin.core.trigger.Webhook, key: "${keys.escaped}"}`,
      ].join('\n'),
    });
    assert.equal(deployed.status, 200, await deployed.text());
    // YAML reads `\x41` in a double-quoted scalar as `A`.
    for (const key of [keys.hashed, keys.escaped.replace('\\x41', 'A')]) {
      const response = await fetch(`${server.url}/api/v1/executions/webhook/${namespace}/${hookFlow}/${encodeURIComponent(key)}`, { method: 'POST' });
      assert.equal(response.status, 200, `${key}: ${await response.text()}`);
    }
    const wrong = await fetch(`${server.url}/api/v1/executions/webhook/${namespace}/${hookFlow}/hook`, { method: 'POST' });
    assert.equal(wrong.status, 404);
  });
});

describe('review: KV values are held to the JSON bounds of request bodies', { timeout: 120_000 }, () => {
  const namespace = `tflow.test.review${randomBytes(3).toString('hex')}`;
  let server: ServerProcess;
  const kv = (key: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1/namespaces/${namespace}/kv/${key}`, init);

  before(async () => {
    server = await ServerProcess.start({ args: ['server', '--no-worker'], env: { TFLOW_BASIC_AUTH: '', TFLOW_API_HOST: '' } });
  });
  after(async () => {
    await server?.stop();
  });

  it('a KV PUT of JSON nested 100,000 deep or of an unsafe integer answers 422 and stores nothing, whatever its content type', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const cases: [string, string, RegExp][] = [
      ['text/plain', deep, /nested more than 100 levels deep/],
      ['text/plain', '{"id": 123456789012345678901234}', /integer 123456789012345678901234 is beyond the safe integer range/],
      ['application/json', JSON.stringify(deep), /nested more than 100 levels deep/],
    ];
    for (const [type, body, problem] of cases) {
      const response = await kv('bounded', { method: 'PUT', headers: { 'content-type': type }, body });
      const text = await response.text();
      assert.equal(response.status, 422, `${type}: ${text}`);
      assert.match((JSON.parse(text) as { message: string }).message, problem);
      assert.equal((await kv('bounded')).status, 404, `${type}: a value was stored`);
    }
    // Within the bounds, text that is JSON still keeps its type.
    assert.equal((await kv('bounded', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: '{"id": 9007199254740991}' })).status, 200);
    assert.deepEqual(await (await kv('bounded')).json(), { type: 'JSON', value: { id: 9007199254740991 } });
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });
});

describe('review: a multi-line secret is masked line by line', { timeout: 120_000 }, () => {
  const pemLines = [
    '-----BEGIN PRIVATE KEY-----',
    randomBytes(36).toString('base64'),
    randomBytes(36).toString('base64'),
    '-----END PRIVATE KEY-----',
  ];
  const taskQueue = `test-review-${randomBytes(4).toString('hex')}`;
  let worker: WorkerProcess;

  before(async () => {
    worker = new WorkerProcess({ TFLOW_TASK_QUEUE: taskQueue, SECRET_PEM: Buffer.from(`${pemLines.join('\n')}\n`).toString('base64') });
    await worker.polling();
  });
  after(async () => {
    await worker?.stop('SIGKILL');
  });

  it('no line of a PEM secret reaches the logs or the error when a script prints it (echo, set -x, stderr)', async () => {
    const compiled = compileFlow(`
id: multiline_secret
namespace: tflow.security
tasks:
  - id: leak
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      KEY: "{{ secret('PEM') }}"
    commands:
      - echo "$KEY"
      - set -x
      - ': "$KEY"'
      - echo "$KEY" >&2
      - exit 3
`);
    assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
    const config = { ...loadConfig(), taskQueue };
    const client = await connectClient(config);
    try {
      const handle = await startExecution(client, config, compiled.spec);
      const execution = await executionResult(handle);
      assert.equal(execution.state, 'FAILED');
      const { logs } = await handle.query(logsQuery, 0);
      const seen = JSON.stringify({ logs, error: execution.error, taskRuns: execution.taskRuns });
      for (const line of pemLines) assert.ok(!seen.includes(line), `"${line}" reached the logs or the error`);
      assert.ok(
        logs.some((l) => l.message === '********'),
        logs.map((l) => l.message).join('\n'),
      );
    } finally {
      await client.connection.close();
    }
  });
});

describe('review: Host names that only look like loopback', () => {
  it('a Host whose port is not digits, or with text after an IPv6 literal, is not loopback: 403', () => {
    const loopback = guardSettings({ allowedOrigins: [], publicHosts: [] }, '127.0.0.1');
    const ask = (host: string) => refusal({ headers: { host }, routeOptions: { config: {} } } as never, loopback);
    for (const host of ['localhost:8080.evil.example', '127.0.0.1:80.nip.io', '[::1].evil.example', '[::1]x:8080', 'a@localhost:8080']) {
      assert.match(ask(host) ?? '', /is not served/, host);
    }
    for (const host of ['localhost', 'LOCALHOST:8080', '127.0.0.1:8080', '[::1]:8080', '[::1]']) assert.equal(ask(host), undefined, host);
  });
});
