import { connectionOptions } from '../../src/temporal/connection';
/**
 * The API's doors (SECURITY.md), against real `tflow server` processes: where it
 * listens and with what credentials, requests a web page sends on the user's behalf, webhooks, and
 * bad or oversized input — each answered with a clear status, nothing deployed or started, and the
 * server still answering /health.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { connectClient } from '../../src/client/executions';
import { compileFlow } from '../../src/compiler/compile';
import { FlowStore } from '../../src/flow-store/flow-store';
import { jsonTextProblem } from '../../src/server/body-limits';
import { guardSettings, refusal } from '../../src/server/request-guard';
import { startServer } from '../../src/server/server';
import { webhookKeyCandidates } from '../../src/server/webhooks';
import { purgeNamespace } from '../helpers/flow-store';
import { ServerProcess } from '../helpers/server-process';

const YAML = { 'content-type': 'application/x-yaml' };
const HOOK_KEY = 'hook-key-0123456789abcdef';

interface InvalidEntity {
  message: string;
  _embedded?: { errors: { message: string; path: string }[] };
}

/** The texts of every payload (byte array) in a structure, such as a workflow history. */
function payloadTexts(value: unknown, found: string[] = []): string[] {
  if (value instanceof Uint8Array) found.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const item of value) payloadTexts(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) payloadTexts(item, found);
  return found;
}

function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
}

describe('tflow server: listen address and credentials', { timeout: 120_000 }, () => {
  it('refuses to listen on 0.0.0.0 without TFLOW_BASIC_AUTH: exits non-zero with one line naming it', async () => {
    const server = await ServerProcess.spawn({ args: ['server', '--host', '0.0.0.0', '--no-worker'], env: { TFLOW_BASIC_AUTH: '' } });
    const code = await server.exited();
    assert.notEqual(code, 0);
    const lines = server.stderr.trim().split('\n');
    assert.equal(lines.length, 1, server.stderr);
    assert.match(lines[0], /TFLOW_BASIC_AUTH/);
    assert.match(lines[0], /refusing to listen on 0\.0\.0\.0/);
  });

  it('TFLOW_API_HOST=0.0.0.0 is refused the same way; --insecure-no-auth starts with a warning', async () => {
    const refused = await ServerProcess.spawn({ args: ['server', '--no-worker'], env: { TFLOW_BASIC_AUTH: '', TFLOW_API_HOST: '0.0.0.0' } });
    assert.notEqual(await refused.exited(), 0);
    assert.match(refused.stderr, /TFLOW_BASIC_AUTH/);

    const insecure = await ServerProcess.start({
      args: ['server', '--host', '0.0.0.0', '--insecure-no-auth', '--no-worker'],
      env: { TFLOW_BASIC_AUTH: '' },
    });
    try {
      assert.match(insecure.stderr, /WARNING: --insecure-no-auth: the API on 0\.0\.0\.0 has no authentication/);
    } finally {
      await insecure.stop();
    }
  });

  it('listens on loopback by default: not on the machine’s other addresses', async () => {
    const server = await ServerProcess.start({ args: ['server', '--no-worker'], env: { TFLOW_BASIC_AUTH: '', TFLOW_API_HOST: '' } });
    try {
      assert.match(server.stderr, new RegExp(`API on http://127\\.0\\.0\\.1:${server.port}/api/v1`));
      const address = nonLoopbackAddress();
      if (address) {
        await assert.rejects(fetch(`http://${address}:${server.port}/health`, { signal: AbortSignal.timeout(3_000) }), `answered on ${address}`);
      }
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
    } finally {
      await server.stop();
    }
  });
});

describe('tflow server: browser-borne requests, webhooks, bad and oversized input', { timeout: 300_000 }, () => {
  const namespace = `tflow.test.secapi${randomBytes(3).toString('hex')}`;
  let server: ServerProcess;
  let temporal: Client;
  const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1${path}`, init);
  const shellFlow = (id: string) => `id: ${id}
namespace: ${namespace}
tasks:
  - id: pwn
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - touch /tmp/pwned
`;
  const withHost = (path: string, host: string, method = 'GET') =>
    new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${server.url}${path}`, { method, headers: { host } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode, body }));
      });
      request.on('error', reject);
      request.end();
    });
  const flowStatus = async (id: string) => (await api(`/flows/${namespace}/${id}`)).status;
  const executionsOf = async (flowId: string) => (await temporal.workflow.count(`TaskQueue = "${server.taskQueue}" AND FlowId = "${flowId}"`)).count;

  before(async () => {
    server = await ServerProcess.start({ args: ['server', '--no-worker'], env: { TFLOW_BASIC_AUTH: '', TFLOW_API_HOST: '' } });
    const config = loadConfig();
    temporal = new Client({ connection: await Connection.connect(connectionOptions(config)), namespace: config.temporalNamespace });
  });
  after(async () => {
    await server?.stop();
    await temporal?.connection.close();
    await purgeNamespace(namespace);
  });

  it('a cross-origin POST of a Shell flow answers 403 and deploys nothing; the same POST without Origin deploys', async () => {
    const response = await api('/flows', { method: 'POST', headers: { ...YAML, origin: 'https://evil.example' }, body: shellFlow('csrf') });
    assert.equal(response.status, 403);
    assert.match(((await response.json()) as InvalidEntity).message, /Origin 'https:\/\/evil\.example' is not allowed.*TFLOW_ALLOWED_ORIGINS/);
    assert.equal(await flowStatus('csrf'), 404);

    const multipart = new FormData();
    multipart.append('fileUpload', new Blob([shellFlow('csrf')]), 'flow.yaml');
    assert.equal((await api('/flows/import', { method: 'POST', headers: { origin: 'null' }, body: multipart })).status, 403);
    assert.equal((await api('/flows/search', { headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
    assert.equal(await flowStatus('csrf'), 404);

    // The API's own origin and requests without one (curl, the CLI) go through.
    assert.equal(
      (await api('/flows', { method: 'POST', headers: { ...YAML, origin: `http://127.0.0.1:${server.port}` }, body: shellFlow('same_origin') }))
        .status,
      200,
    );
    assert.equal((await api('/flows', { method: 'POST', headers: YAML, body: shellFlow('no_origin') })).status, 200);
  });

  it('a Host other than localhost answers 403 (DNS rebinding); localhost, 127.0.0.1 and [::1] are served', async () => {
    // fetch() will not set Host: a plain HTTP request does, as a rebound page's browser would.
    const response = await withHost('/api/v1/flows/search', 'evil.example:8080');
    assert.equal(response.status, 403);
    assert.match(response.body, /Host 'evil\.example:8080' is not served.*TFLOW_PUBLIC_HOSTS/);
    // Webhooks too: a rebound page must not reach them either.
    assert.equal((await withHost(`/api/v1/executions/webhook/${namespace}/hook/${HOOK_KEY}`, 'evil.example', 'POST')).status, 403);
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, 'localhost']) {
      assert.equal((await withHost('/api/v1/flows/search', host)).status, 200, host);
    }
  });

  it('flow sources as text/plain answer 415 and deploy nothing; application/x-yaml and multipart import are accepted', async () => {
    const response = await api('/flows', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: shellFlow('plain') });
    assert.equal(response.status, 415);
    assert.match(((await response.json()) as InvalidEntity).message, /Content-Type: application\/x-yaml/);
    assert.equal(await flowStatus('plain'), 404);
    const multipart = new FormData();
    multipart.append('fileUpload', new Blob([shellFlow('imported')]), 'flow.yaml');
    assert.equal((await api('/flows/import', { method: 'POST', body: multipart })).status, 200);
    assert.equal(await flowStatus('imported'), 200);
  });

  describe('webhooks', () => {
    const hookFlow = (id: string, key = HOOK_KEY) => `id: ${id}
namespace: ${namespace}
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: ${key}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
`;

    before(async () => {
      const response = await api('/flows', { method: 'POST', headers: YAML, body: hookFlow('hook') });
      assert.equal(response.status, 200, await response.text());
    });

    it('HEAD on a webhook URL answers 404 and starts nothing; GET starts one execution', async () => {
      const head = await api(`/executions/webhook/${namespace}/hook/${HOOK_KEY}`, { method: 'HEAD' });
      assert.equal(head.status, 404);
      const get = await api(`/executions/webhook/${namespace}/hook/${HOOK_KEY}`);
      assert.equal(get.status, 200);
      // Visibility is eventually consistent: wait until the GET's execution is listed, then count.
      const deadline = Date.now() + 20_000;
      while ((await executionsOf('hook')) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await executionsOf('hook'), 1, 'exactly the GET execution, none for HEAD');
    });

    it('a webhook from another origin is served (its key is the credential)', async () => {
      const response = await api(`/executions/webhook/${namespace}/hook/${HOOK_KEY}`, {
        method: 'POST',
        headers: { origin: 'https://hooks.example' },
      });
      assert.equal(response.status, 200);
    });

    it('credential-like headers are kept out of trigger.headers and of the execution’s history', async () => {
      const secrets = {
        authorization: 'Bearer s3cret-bearer',
        cookie: 'session=s3cret-cookie',
        'x-api-key': 's3cret-api-key',
        'x-hub-signature-256': 'sha256=s3cret-signature',
        'x-gitlab-token': 's3cret-token',
        'x-client-secret': 's3cret-client',
        'x-db-password': 's3cret-password',
      };
      const response = await api(`/executions/webhook/${namespace}/hook/${HOOK_KEY}`, { method: 'POST', headers: { ...secrets, 'x-event': 'push' } });
      assert.equal(response.status, 200);
      const execution = (await response.json()) as { id: string; trigger: { variables: { headers: Record<string, string[]> } } };
      const headers = execution.trigger.variables.headers;
      assert.deepEqual(headers['x-event'], ['push']);
      for (const name of Object.keys(secrets)) assert.equal(headers[name], undefined, name);
      // What Temporal recorded: every payload of the execution's history, decoded.
      const recorded = payloadTexts(await temporal.workflow.getHandle(execution.id).fetchHistory()).join('\n');
      assert.match(recorded, /"x-event":\["push"\]/);
      for (const value of Object.values(secrets)) assert.ok(!recorded.includes(value), `${value} is in the history`);
    });

    it('a wrong key is refused before the flow is compiled: 404 even when the stored source no longer compiles', async () => {
      // Break the stored source behind the API's back, keeping its key line: only a compile would notice.
      const flowStore = FlowStore.connect(loadConfig().databaseUrl);
      await flowStore.save(namespace, 'broken', `${hookFlow('broken')}  - id: bad\n    type: io.kestra.plugin.core.log.Nope\n`);
      await flowStore.close();
      assert.equal((await api(`/executions/webhook/${namespace}/broken/wrong-key-0123456789`, { method: 'POST' })).status, 404);
      // The right key gets as far as the compile, which reports the flow's problem.
      const right = await api(`/executions/webhook/${namespace}/broken/${HOOK_KEY}`, { method: 'POST' });
      assert.equal(right.status, 422);
      assert.match(await right.text(), /Nope/);
    });

    it('a wrong key on a 1 MB flow answers 404 in a fraction of its compile time', async () => {
      let big = hookFlow('big');
      for (let i = 0; big.length < 900 * 1024; i++)
        big += `  - id: t${i}\n    type: io.kestra.plugin.core.log.Log\n    message: "hello {{ inputs.x ?? 'x' }} number ${i}"\n`;
      const flowStore = FlowStore.connect(loadConfig().databaseUrl);
      await flowStore.save(namespace, 'big', big);
      await flowStore.close();
      let started = Date.now();
      assert.deepEqual(compileFlow(big).diagnostics, []);
      const compileMs = Date.now() - started;
      started = Date.now();
      assert.equal((await api(`/executions/webhook/${namespace}/big/wrong-key-0123456789`, { method: 'POST' })).status, 404);
      const refusedMs = Date.now() - started;
      console.log(`1 MB flow: compile ${compileMs} ms, wrong-key webhook ${refusedMs} ms`);
      assert.ok(refusedMs < compileMs / 2, `wrong key took ${refusedMs} ms, a compile ${compileMs} ms`);
    });

    it('a webhook body of JSON nested 100,000 deep answers 422; a text body is passed on as text', async () => {
      const url = `/executions/webhook/${namespace}/hook/${HOOK_KEY}`;
      const deep = await api(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      });
      assert.equal(deep.status, 422);
      assert.match(await deep.text(), /Invalid webhook body: JSON is nested more than 100 levels deep/);
      const text = await api(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'order 12345678901234567890 shipped' });
      assert.equal(text.status, 200);
      assert.equal(
        ((await text.json()) as { trigger: { variables: { body: unknown } } }).trigger.variables.body,
        'order 12345678901234567890 shipped',
      );
    });

    it('a webhook key shorter than 16 characters is refused at deploy (422)', async () => {
      const response = await api('/flows', { method: 'POST', headers: YAML, body: hookFlow('short', 'abc') });
      assert.equal(response.status, 422);
      assert.match(await response.text(), /`key` must be at least 16 characters long/);
    });
  });

  describe('bad and oversized input', () => {
    const intFlow = `id: typed
namespace: ${namespace}
inputs:
  - id: count
    type: INT
  - id: payload
    type: JSON
    required: false
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.count }}"
`;

    before(async () => {
      const response = await api('/flows', { method: 'POST', headers: YAML, body: intFlow });
      assert.equal(response.status, 200, await response.text());
    });

    it('a YAML alias bomb answers 422 naming aliases, within a second', async () => {
      const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 9; i++)
        levels.push(
          `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9)
            .fill(`*${'abcdefghi'[i - 1]}`)
            .join(',')}]`,
        );
      const bomb = `id: bomb\nnamespace: ${namespace}\nvariables:\n${levels.map((l) => `  ${l}`).join('\n')}\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n`;
      const started = Date.now();
      const response = await api('/flows', { method: 'POST', headers: YAML, body: bomb });
      const elapsed = Date.now() - started;
      assert.equal(response.status, 422);
      assert.match(((await response.json()) as InvalidEntity).message, /YAML aliases expand too much/);
      assert.ok(elapsed < 1_000, `${elapsed} ms`);
      assert.ok((await server.health()) !== undefined);
    });

    it('an expression nested 20,000 deep answers 422, not 500', async () => {
      const deep = `${'('.repeat(20_000)}1${')'.repeat(20_000)}`;
      const flow = `id: deep\nnamespace: ${namespace}\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: "{{ ${deep} }}"\n`;
      const response = await api('/flows', { method: 'POST', headers: YAML, body: flow });
      assert.equal(response.status, 422, await response.clone().text());
      assert.equal(await flowStatus('deep'), 404);
    });

    it('JSON input nested 100,000 deep answers 422 and starts nothing (JSON body and multipart)', async () => {
      const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      let response = await api(`/executions/${namespace}/typed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"count": 1, "payload": ${nested}}`,
      });
      assert.equal(response.status, 422);
      assert.match(((await response.json()) as InvalidEntity).message, /nested more than 100 levels deep/);
      const form = new FormData();
      form.append('count', '1');
      form.append('payload', nested);
      response = await api(`/executions/${namespace}/typed`, { method: 'POST', body: form });
      assert.equal(response.status, 422);
      assert.match(((await response.json()) as InvalidEntity).message, /Invalid input for `payload`, JSON is nested more than 100 levels deep/);
      assert.equal(await executionsOf('typed'), 0);
    });

    it('an integer beyond the safe range answers 422 and starts nothing', async () => {
      const form = new FormData();
      form.append('count', '12345678901234567890');
      let response = await api(`/executions/${namespace}/typed`, { method: 'POST', body: form });
      assert.equal(response.status, 422);
      assert.match(
        ((await response.json()) as InvalidEntity).message,
        /Invalid input for `count`, integer 12345678901234567890 is beyond the safe integer range/,
      );
      response = await api(`/executions/${namespace}/typed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"count": 9007199254740993}',
      });
      assert.equal(response.status, 422);
      assert.equal(await executionsOf('typed'), 0);
    });

    it('a flow source over 1 MiB answers 413, as body or as an imported file; at most 10 files and 2 MiB per import', async () => {
      const big = `${shellFlow('huge')}# ${'x'.repeat(1024 * 1024)}\n`;
      assert.equal((await api('/flows', { method: 'POST', headers: YAML, body: big })).status, 413);
      const one = new FormData();
      one.append('fileUpload', new Blob([big]), 'huge.yaml');
      assert.equal((await api('/flows/import', { method: 'POST', body: one })).status, 413);
      const many = new FormData();
      for (let i = 0; i < 11; i++) many.append('fileUpload', new Blob([shellFlow(`many${i}`)]), `many${i}.yaml`);
      const response = await api('/flows/import', { method: 'POST', body: many });
      assert.equal(response.status, 413);
      const heavy = new FormData();
      for (let i = 0; i < 3; i++) heavy.append('fileUpload', new Blob([`${shellFlow(`heavy${i}`)}# ${'x'.repeat(800 * 1024)}\n`]), `heavy${i}.yaml`);
      const total = await api('/flows/import', { method: 'POST', body: heavy });
      assert.equal(total.status, 413);
      assert.match(((await total.json()) as InvalidEntity).message, /2097152 bytes in all/);
      assert.equal(await flowStatus('heavy0'), 404);
      assert.equal(await flowStatus('huge'), 404);
      assert.equal(await flowStatus('many0'), 404);
    });

    it('a 20 MB import, streamed without a length, answers 413 while /health keeps answering within a second', async () => {
      const boundary = 'tflowboundary';
      const chunk = new TextEncoder().encode(`# ${'x'.repeat(64 * 1024 - 3)}\n`);
      const total = 20 * 1024 * 1024;
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(
            new TextEncoder().encode(
              `--${boundary}\r\nContent-Disposition: form-data; name="fileUpload"; filename="big.yaml"\r\nContent-Type: application/x-yaml\r\n\r\n`,
            ),
          );
        },
        async pull(controller) {
          if (sent >= total) {
            controller.enqueue(new TextEncoder().encode(`\r\n--${boundary}--\r\n`));
            controller.close();
            return;
          }
          sent += chunk.length;
          controller.enqueue(chunk);
          await new Promise((resolve) => setImmediate(resolve));
        },
      });
      const upload = api('/flows/import', {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        duplex: 'half',
      } as RequestInit)
        .then((response) => response.status)
        .catch((error: Error) => `connection closed: ${error.message}`);
      const healthTimes: (number | undefined)[] = [];
      for (let i = 0; i < 5; i++) {
        healthTimes.push(await server.health(1_000));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const status = await upload;
      console.log(`20 MB import: ${status}; /health took ${healthTimes.join(', ')} ms; ${sent} bytes offered`);
      assert.ok(status === 413 || String(status).startsWith('connection closed'), String(status));
      assert.ok(
        healthTimes.every((ms) => ms !== undefined && ms < 1_000),
        healthTimes.join(', '),
      );
      assert.equal(await flowStatus('huge'), 404);

      // With a declared length, refused before a byte of the body is read.
      const declared = await new Promise<number | undefined>((resolve, reject) => {
        const request = httpRequest(`${server.url}/api/v1/flows/import`, {
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(total) },
        });
        request.on('response', (response) => {
          resolve(response.statusCode);
          request.destroy();
        });
        request.on('error', reject);
        request.write('--');
      });
      assert.equal(declared, 413);
      assert.ok(server.running);
    });
  });
});

describe('waits: bounded', { timeout: 60_000 }, () => {
  it('a `wait: true` webhook whose execution does not end answers with its id once the bound passes', async () => {
    const namespace = `tflow.test.secwait${randomBytes(3).toString('hex')}`;
    // No worker: the execution never ends, so only the bound can answer.
    const config = { ...loadConfig(), taskQueue: `test-${randomBytes(4).toString('hex')}` };
    const server = await startServer(config, { port: 0, worker: false, limits: { webhookWaitMs: 1_000 } });
    const client = await connectClient(config);
    try {
      const flow = `id: waiting\nnamespace: ${namespace}\ntriggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: ${HOOK_KEY}\n    wait: true\n    returnOutputs: true\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hello\n`;
      assert.equal((await fetch(`${server.url}/api/v1/flows`, { method: 'POST', headers: YAML, body: flow })).status, 200);
      const started = Date.now();
      const response = await fetch(`${server.url}/api/v1/executions/webhook/${namespace}/waiting/${HOOK_KEY}`, { method: 'POST' });
      const elapsed = Date.now() - started;
      assert.equal(response.status, 200);
      const execution = (await response.json()) as { id: string; state: { current: string }; flowId: string };
      assert.equal(execution.flowId, 'waiting');
      assert.equal(execution.state.current, 'CREATED');
      assert.ok(elapsed >= 1_000 && elapsed < 10_000, `${elapsed} ms`);
      const handle = client.workflow.getHandle(execution.id);
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      await handle.terminate('test over');
    } finally {
      await client.connection.close();
      await server.close();
      await purgeNamespace(namespace);
    }
  });

  it('POST /executions?wait=true on an execution that does not end answers with it as it stands once the bound passes', async () => {
    const namespace = `tflow.test.secwait${randomBytes(3).toString('hex')}`;
    const config = { ...loadConfig(), taskQueue: `test-${randomBytes(4).toString('hex')}` };
    const server = await startServer(config, { port: 0, limits: { executionWaitMs: 1_000 } });
    const client = await connectClient(config);
    try {
      const flow = `id: paused\nnamespace: ${namespace}\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hello\n  - id: approve\n    type: io.kestra.plugin.core.flow.Pause\n`;
      assert.equal((await fetch(`${server.url}/api/v1/flows`, { method: 'POST', headers: YAML, body: flow })).status, 200);
      const started = Date.now();
      const response = await fetch(`${server.url}/api/v1/executions/${namespace}/paused?wait=true`, { method: 'POST' });
      const elapsed = Date.now() - started;
      assert.equal(response.status, 200);
      const execution = (await response.json()) as {
        id: string;
        state: { current: string };
        taskRunList: { taskId: string; state: { current: string } }[];
        url: string;
      };
      // Kestra's wait holds PAUSED executions too (they have not ended): the bound answers.
      assert.equal(execution.state.current, 'PAUSED');
      assert.deepEqual(
        execution.taskRunList.map((run) => [run.taskId, run.state.current]),
        [
          ['hello', 'SUCCESS'],
          ['approve', 'PAUSED'],
        ],
      );
      assert.ok(execution.url.includes(execution.id));
      assert.ok(elapsed >= 1_000 && elapsed < 10_000, `${elapsed} ms`);
      await client.workflow.getHandle(execution.id).terminate('test over');
    } finally {
      await client.connection.close();
      await server.close();
      await purgeNamespace(namespace);
    }
  });
});

describe('the guards’ rules, without a server', () => {
  it('reads every way a webhook key can be written on one line: plain, quoted, flow style, with a comment', () => {
    const source = [
      'triggers:',
      '  - id: a',
      '    key: plain-key-0123456789 # a comment',
      `  - {id: b, type: io.kestra.plugin.core.trigger.Webhook, key: flow-key-0123456789}`,
      `  - id: c\n    "key": "double \\"quoted\\" key"`,
      `  - id: d\n    key: 'single ''quoted'' key'`,
    ].join('\n');
    const candidates = webhookKeyCandidates(`${source}\n  - id: e\n    key: &hook anchored-key-0123456789`) ?? [];
    for (const key of ['plain-key-0123456789', 'flow-key-0123456789', 'double "quoted" key', "single 'quoted' key", 'anchored-key-0123456789']) {
      assert.ok(candidates.includes(key), `${key} in ${JSON.stringify(candidates)}`);
    }
    // Values a line cannot tell (an alias, a block scalar): no pre-check, the compiled flow decides.
    assert.equal(webhookKeyCandidates(`${source}\n  - id: e\n    key: *hook`), undefined);
    assert.equal(webhookKeyCandidates(`${source}\n  - id: e\n    key: >-\n      folded-key-0123456789`), undefined);
  });

  it('Origin, Sec-Fetch-Site and Host rules', () => {
    const loopback = guardSettings({ allowedOrigins: ['https://ui.example.com/'], publicHosts: ['tflow.example.com'] }, '127.0.0.1');
    // The route the router matched: a webhook's is open to any origin.
    const ask = (headers: Record<string, string>, openTo?: 'webhook-key') =>
      refusal({ headers, routeOptions: { config: { openTo } } } as never, loopback);
    assert.equal(ask({ host: '127.0.0.1:8080' }), undefined);
    assert.equal(ask({ host: 'localhost:8080', origin: 'http://localhost:8080' }), undefined);
    assert.equal(ask({ host: 'tflow.example.com', origin: 'https://tflow.example.com' }), undefined, 'behind a TLS proxy');
    assert.equal(ask({ host: 'localhost:8080', origin: 'https://ui.example.com' }), undefined, 'an allowed origin');
    assert.match(ask({ host: 'localhost:8080', origin: 'http://localhost:3000' }) ?? '', /Origin 'http:\/\/localhost:3000' is not allowed/);
    assert.match(ask({ host: 'localhost:8080', 'sec-fetch-site': 'cross-site' }) ?? '', /Sec-Fetch-Site: cross-site/);
    assert.equal(ask({ host: 'localhost:8080', 'sec-fetch-site': 'same-origin' }), undefined);
    assert.match(ask({ host: 'rebound.example:8080' }) ?? '', /Host 'rebound\.example:8080' is not served/);
    assert.equal(ask({ host: 'localhost:8080', origin: 'https://hooks.example' }, 'webhook-key'), undefined);
    assert.match(ask({ host: 'localhost:8080', origin: 'https://hooks.example' }) ?? '', /Origin 'https:\/\/hooks\.example' is not allowed/);
    const anywhere = guardSettings({ allowedOrigins: [], publicHosts: [] }, '0.0.0.0');
    assert.equal(refusal({ headers: { host: 'tflow.internal:8080' }, routeOptions: { config: {} } } as never, anywhere), undefined);
  });

  it('JSON text: depth and integer literals outside strings', () => {
    assert.equal(jsonTextProblem(`${'['.repeat(100)}${']'.repeat(100)}`), undefined);
    assert.match(jsonTextProblem(`${'['.repeat(101)}${']'.repeat(101)}`) ?? '', /nested more than 100 levels deep/);
    assert.equal(jsonTextProblem('{"a": "[[[[ 12345678901234567890", "b": 9007199254740991, "c": 1e300, "d": -1.5}'), undefined);
    assert.match(jsonTextProblem('{"a": -9007199254740993}') ?? '', /integer -9007199254740993 is beyond the safe integer range/);
  });
});
