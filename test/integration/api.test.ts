/**
 * The REST API over real HTTP (127.0.0.1, a free port) against the real dev server, flow store and a worker.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { executionResult, queryExecution } from '../../src/client/executions';
import { startServer, type RunningServer } from '../../src/server/server';
import { purgeNamespace } from '../helpers/flow-store';
import { historyWithPayloads } from '../helpers/histories';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const CREDENTIALS = 'admin@kestra.io:Admin1234!';
const AUTH = { authorization: `Basic ${Buffer.from(CREDENTIALS).toString('base64')}` };

describe('REST API', () => {
  const namespace = `tflow.test.api${randomBytes(3).toString('hex')}`;
  let fixture: TemporalFixture;
  let server: RunningServer;

  const hello = `id: hello
namespace: ${namespace}
inputs:
  - id: name
    type: STRING
    defaults: Will
  - id: times
    type: INT
    defaults: 1
    min: 1
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello, {{ inputs.name }}!"
  - id: generate_output
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.name }} x{{ inputs.times }}"
`;
  const pause = `id: approval
namespace: ${namespace}
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: reason
        type: STRING
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.approve.onResume.reason }}"
`;

  const api = (path: string, init: RequestInit = {}, prefix = '/api/v1') =>
    fetch(`${server.url}${prefix}${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string> | undefined) } });
  const form = (fields: Record<string, string>) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(fields)) data.append(k, v);
    return data;
  };
  const yamlFile = (text: string, name = 'flow.yaml') => {
    const data = new FormData();
    data.append('fileUpload', new Blob([text], { type: 'application/x-yaml' }), name);
    return data;
  };
  const countExecutions = async () => fixture.client.workflow.count(`TaskQueue = "${fixture.config.taskQueue}"`).then((c) => c.count);

  before(async () => {
    fixture = await startTemporalFixture();
    server = await startServer(
      { ...fixture.config, basicAuth: CREDENTIALS },
      { host: '127.0.0.1', port: 0, worker: false, limits: { bodyBytes: 64 * 1024 } },
    );
  });
  after(async () => {
    await server?.close();
    await fixture?.close();
    await purgeNamespace(namespace);
  });

  it('Basic auth: 401 with WWW-Authenticate without or with wrong credentials, 200 with them; /health is open', async () => {
    let response = await fetch(`${server.url}/api/v1/flows/${namespace}/hello`);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
    response = await fetch(`${server.url}/api/v1/flows/${namespace}/hello`, {
      headers: { authorization: `Basic ${Buffer.from('admin@kestra.io:nope').toString('base64')}` },
    });
    assert.equal(response.status, 401);
    response = await fetch(`${server.url}/health`);
    assert.equal(response.status, 200);
    response = await api(`/flows/${namespace}/nothing_here`);
    assert.equal(response.status, 404, 'authenticated: past the auth check');
  });

  it('POST /flows/import (multipart fileUpload) deploys; GET returns it with its source, under /api/v1/main too', async () => {
    let response = await api('/flows/import', { method: 'POST', body: yamlFile(hello, '01_hello.yaml') });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), []);
    for (const prefix of ['/api/v1', '/api/v1/main']) {
      response = await api(`/flows/${namespace}/hello`, {}, prefix);
      assert.equal(response.status, 200);
      const flow = (await response.json()) as Record<string, unknown>;
      assert.equal(flow.id, 'hello');
      assert.equal(flow.namespace, namespace);
      assert.equal(flow.revision, 1);
      assert.equal(flow.source, hello);
    }
    // Re-importing the same source keeps the revision; several documents in one file deploy together.
    response = await api('/flows/import', { method: 'POST', body: yamlFile(`${hello}---\n${pause}`) });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(((await (await api(`/flows/${namespace}/hello`)).json()) as { revision: number }).revision, 1);
    assert.equal((await api(`/flows/${namespace}/approval`)).status, 200);
  });

  it('an invalid flow answers 422 with the problems, and nothing is deployed', async () => {
    const broken = `id: broken\nnamespace: ${namespace}\ntasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Nope\n`;
    let response = await api('/flows/import', { method: 'POST', body: yamlFile(broken) });
    assert.equal(response.status, 422);
    const body = (await response.json()) as { message: string; _embedded: { errors: { message: string; path: string }[] } };
    assert.match(body.message, /^Invalid entity: /);
    assert.ok(body._embedded.errors.length > 0);
    assert.equal((await api(`/flows/${namespace}/broken`)).status, 404);
    response = await api('/flows/import', { method: 'POST', body: yamlFile(broken, 'flows.zip') });
    assert.equal(response.status, 422);
    // A deprecated type is valid, with Kestra's warnings and deprecationPaths.
    const deprecated = `id: old\nnamespace: ${namespace}\ntasks:\n  - id: each\n    type: io.kestra.plugin.core.flow.EachSequential\n    value: [1]\n    tasks:\n      - id: x\n        type: io.kestra.plugin.core.log.Log\n        message: hi\n`;
    response = await api('/flows/validate', {
      method: 'POST',
      headers: { 'content-type': 'application/x-yaml' },
      body: `${hello}---\n${broken}---\n${deprecated}`,
    });
    assert.equal(response.status, 200);
    const validated = (await response.json()) as {
      index: number;
      flow?: string;
      constraints?: string;
      warnings: string[];
      deprecationPaths: string[];
    }[];
    assert.equal(validated.length, 3);
    assert.equal(validated[0].constraints, undefined);
    assert.deepEqual([validated[0].warnings, validated[0].deprecationPaths], [[], []]);
    assert.match(validated[1].constraints ?? '', /Nope/);
    assert.equal(validated[2].constraints, undefined);
    assert.deepEqual(validated[2].warnings, [
      'tasks[0].type: io.kestra.plugin.core.flow.EachSequential is deprecated; use io.kestra.plugin.core.flow.ForEach',
    ]);
    assert.deepEqual(validated[2].deprecationPaths, ['tasks[0]']);
  });

  it('POST /flows (YAML body) creates, refuses an existing id, DELETE removes; 404s after', async () => {
    const other = hello.replace('id: hello', 'id: created');
    let response = await api('/flows', { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: other });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(((await response.json()) as { source: string }).source, other);
    response = await api('/flows', { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: other });
    assert.equal(response.status, 422);
    assert.match(((await response.json()) as { message: string }).message, /Flow id already exists/);
    assert.equal((await api(`/flows/${namespace}/created`, { method: 'DELETE' })).status, 204);
    assert.equal((await api(`/flows/${namespace}/created`)).status, 404);
    assert.equal((await api(`/flows/${namespace}/created`, { method: 'DELETE' })).status, 404);
    const execution = await api(`/executions/${namespace}/created`, { method: 'POST', body: form({}) });
    assert.equal(execution.status, 404);
    assert.deepEqual(await execution.json(), { message: 'Requested Flow is not found.' });
  });

  it('POST /executions/{namespace}/{id}?wait=true with multipart inputs and labels returns the finished execution', async () => {
    const response = await api(`/executions/${namespace}/hello?wait=true&labels=team:data&labels=run:api`, {
      method: 'POST',
      body: form({ name: 'Ada', times: '3' }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const execution = (await response.json()) as {
      id: string;
      flowRevision: number;
      state: { current: string };
      inputs: Record<string, unknown>;
      labels: { key: string; value: string }[];
      taskRunList: { taskId: string; state: { current: string }; outputs: Record<string, unknown> | null }[];
    };
    assert.equal(execution.state.current, 'SUCCESS');
    assert.equal(execution.flowRevision, 1);
    assert.deepEqual(execution.inputs, { name: 'Ada', times: 3 });
    assert.deepEqual(execution.labels, [
      { key: 'system.correlationId', value: execution.id },
      { key: 'team', value: 'data' },
      { key: 'run', value: 'api' },
    ]);
    assert.deepEqual(
      execution.taskRunList.map((t) => `${t.taskId}:${t.state.current}`),
      ['greet:SUCCESS', 'generate_output:SUCCESS'],
    );
    assert.deepEqual(execution.taskRunList[1].outputs, { value: 'Ada x3' });

    const fetched = await api(`/executions/${encodeURIComponent(execution.id)}`, {}, '/api/v1/main');
    assert.equal(fetched.status, 200);
    assert.equal(((await fetched.json()) as { state: { current: string } }).state.current, 'SUCCESS');
    // A finished execution cannot be killed.
    assert.equal((await api(`/executions/${encodeURIComponent(execution.id)}/kill`, { method: 'DELETE' })).status, 409);
  });

  it('invalid inputs answer 422 with Kestra messages and start nothing', async () => {
    const before = await countExecutions();
    const response = await api(`/executions/${namespace}/hello?wait=true`, { method: 'POST', body: form({ times: 'many' }) });
    assert.equal(response.status, 422);
    const body = (await response.json()) as { message: string; _embedded: { errors: { message: string; path: string }[] } };
    assert.match(body.message, /^Invalid entity: /);
    assert.equal(body._embedded.errors.length, 1);
    assert.match(body._embedded.errors[0].message, /^Invalid input for `times`/);
    const zero = await api(`/executions/${namespace}/hello`, { method: 'POST', body: form({ times: '0' }) });
    assert.equal(zero.status, 422);
    assert.match(((await zero.json()) as { message: string }).message, /it must be more than `1`/);
    const systemLabel = await api(`/executions/${namespace}/hello?labels=system.readOnly:true`, { method: 'POST', body: form({}) });
    assert.equal(systemLabel.status, 422);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await countExecutions(), before);
  });

  it('404 for an unknown execution; a paused execution resumes (204) and another is killed (202)', async () => {
    assert.equal((await api('/executions/no.such-execution')).status, 404);
    assert.equal((await api('/executions/no.such-execution/kill', { method: 'POST' })).status, 404);

    const waitForState = async (id: string, state: string) => {
      for (let i = 0; i < 100; i++) {
        const current = ((await (await api(`/executions/${encodeURIComponent(id)}`)).json()) as { state: { current: string } }).state.current;
        if (current === state) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.fail(`execution ${id} never reached ${state}`);
    };
    const start = async () =>
      (await (await api(`/executions/${namespace}/approval`, { method: 'POST', body: form({}) })).json()) as {
        id: string;
        state: { current: string };
      };

    const resumed = await start();
    assert.equal(resumed.state.current, 'CREATED');
    await waitForState(resumed.id, 'PAUSED');
    let response = await api(`/executions/${encodeURIComponent(resumed.id)}/resume`, { method: 'POST', body: form({}) });
    assert.equal(response.status, 422, 'missing onResume input');
    response = await api(`/executions/${encodeURIComponent(resumed.id)}/resume`, { method: 'POST', body: form({ reason: 'ok' }) });
    assert.equal(response.status, 204);
    await waitForState(resumed.id, 'SUCCESS');

    const killed = await start();
    await waitForState(killed.id, 'PAUSED');
    assert.equal((await api(`/executions/${encodeURIComponent(killed.id)}/kill`, { method: 'DELETE' })).status, 202);
    await waitForState(killed.id, 'KILLED');
  });

  it('a SECRET onResume value sent to POST /resume is checked against its validator (422, masked) and sealed in the history', async () => {
    const token = 'tok-api-resumed';
    const deployed = await api('/flows', {
      method: 'POST',
      headers: { 'content-type': 'application/x-yaml' },
      body: `id: secret_approval
namespace: ${namespace}
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: token
        type: SECRET
        validator: "tok-[a-z0-9-]+"
`,
    });
    assert.equal(deployed.status, 200, await deployed.text());
    const { id } = (await (await api(`/executions/${namespace}/secret_approval`, { method: 'POST', body: form({}) })).json()) as { id: string };
    const handle = fixture.client.workflow.getHandle(id);
    for (let i = 0; i < 100 && (await queryExecution(handle).catch(() => undefined))?.state !== 'PAUSED'; i++)
      await new Promise((r) => setTimeout(r, 200));

    const refused = await api(`/executions/${encodeURIComponent(id)}/resume`, { method: 'POST', body: form({ token: 'wrong-secret-value' }) });
    const refusal = await refused.text();
    assert.equal(refused.status, 422, refusal);
    assert.match(refusal, /Invalid input for `token`, it must match the pattern .*, but received `\*{8}`/);
    assert.doesNotMatch(refusal, /wrong-secret-value/);

    const resumed = await api(`/executions/${encodeURIComponent(id)}/resume`, { method: 'POST', body: form({ token }) });
    assert.equal(resumed.status, 204, await resumed.text());
    assert.equal((await executionResult(handle)).state, 'SUCCESS');
    const history = await historyWithPayloads(handle);
    assert.ok(history.includes('io.kestra.datatype:aes_encrypted'), 'the sealed value is in the history');
    assert.ok(!history.includes(token), 'the clear value is nowhere in the history');
  });

  it('409 for a disabled flow; an oversize body is refused with 413 and no stack trace', async () => {
    const disabled = `id: off\nnamespace: ${namespace}\ndisabled: true\ntasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n`;
    assert.equal((await api('/flows', { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: disabled })).status, 200);
    let response = await api(`/executions/${namespace}/off`, { method: 'POST', body: form({}) });
    assert.equal(response.status, 409);
    assert.deepEqual(await response.json(), { message: 'Requested Flow is disabled.' });

    response = await api('/flows', {
      method: 'POST',
      headers: { 'content-type': 'application/x-yaml' },
      body: `# ${'x'.repeat(100 * 1024)}\n${hello}`,
    });
    assert.equal(response.status, 413);
    const text = await response.text();
    assert.doesNotMatch(text, /\n\s+at /);
  });
});
