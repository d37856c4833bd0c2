/**
 * The rest of the REST API over real HTTP against the real dev server, flow store and a worker:
 * search, flow update/list, logs (JSON and server-sent events), restart, webhooks, KV, backfill
 * (`PUT /triggers`), file inputs, the OpenAPI description, and 200 executions created at once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/server/server';
import { storageFromConfig } from '../../src/storage';
import { purgeNamespace } from '../helpers/flow-store';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const CREDENTIALS = 'admin@kestra.io:Admin1234!';
const AUTH = { authorization: `Basic ${Buffer.from(CREDENTIALS).toString('base64')}` };

interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: { current: string };
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  labels: { key: string; value: string }[];
  taskRunList: { id: string; taskId: string; state: { current: string }; outputs: Record<string, unknown> | null }[];
  metadata?: { attemptNumber: number };
}

describe('REST API: search, logs, restart, webhooks, KV, backfill, files, OpenAPI', () => {
  const namespace = `tflow.test.apix${randomBytes(3).toString('hex')}`;
  let fixture: TemporalFixture;
  let server: RunningServer;

  const flows = {
    greet: `id: greet
namespace: ${namespace}
labels:
  team: data
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello, {{ inputs.name }}!"
  - id: shout
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: "HELLO, {{ inputs.name }}!"
`,
    failing: `id: failing
namespace: ${namespace}
inputs:
  - id: mode
    type: STRING
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "mode {{ inputs.mode }}"
  - id: check
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.mode == 'fail' or kv('restart_mode') == 'fail' }}"
`,
    hook: `id: hook
namespace: ${namespace}
inputs:
  - id: who
    type: STRING
    defaults: nobody
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.body.name | default('') }} from {{ trigger.parameters.source[0] | default('?') }} via {{ trigger.headers['x-client'][0] | default('?') }}, input {{ inputs.who }}"
outputs:
  - id: echoed
    type: STRING
    value: "{{ outputs.echo.value }}"
triggers:
  - id: incoming
    type: io.kestra.plugin.core.trigger.Webhook
    key: s3cr3t-key-0123456789
    inputs:
      who: "{{ trigger.body.name | default('') }}"
  - id: waiting
    type: io.kestra.plugin.core.trigger.Webhook
    key: wait-key-0123456789ab
    wait: true
    returnOutputs: true
`,
    hook_off: `id: hook_off
namespace: ${namespace}
disabled: true
tasks:
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
triggers:
  - id: incoming
    type: io.kestra.plugin.core.trigger.Webhook
    key: off-key-0123456789ab
`,
    monthly: `id: monthly
namespace: ${namespace}
inputs:
  - id: taxi
    type: STRING
    defaults: green
tasks:
  - id: month
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.taxi }} {{ trigger.date | date('yyyy-MM') }}"
triggers:
  - id: every_month
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 1 * *"
`,
    upload: `id: upload
namespace: ${namespace}
inputs:
  - id: data
    type: FILE
tasks:
  - id: size
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.data) }}"
`,
    sleeper: `id: sleeper
namespace: ${namespace}
tasks:
  - id: started
    type: io.kestra.plugin.core.log.Log
    message: sleeping
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT10M
`,
    quick: `id: quick
namespace: ${namespace}
inputs:
  - id: n
    type: INT
tasks:
  - id: value
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n }}"
`,
  };

  const api = (path: string, init: RequestInit = {}, prefix = '/api/v1') =>
    fetch(`${server.url}${prefix}${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string> | undefined) } });
  const json = async <T>(response: Response, status = 200): Promise<T> => {
    const text = await response.text();
    assert.equal(response.status, status, text);
    return JSON.parse(text) as T;
  };
  const form = (fields: Record<string, string | Blob>, fileName?: string) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(fields)) {
      if (typeof v === 'string') data.append(k, v);
      else data.append(k, v, fileName);
    }
    return data;
  };
  const yaml = (body: string, method = 'POST') => ({ method, headers: { 'content-type': 'application/x-yaml' }, body });
  const run2 = async (flowNamespace: string, flowId: string, fields: Record<string, string> = {}, query = 'wait=true') =>
    json<Execution>(await api(`/executions/${flowNamespace}/${flowId}?${query}`, { method: 'POST', body: form(fields) }));
  const run = (flowId: string, fields: Record<string, string> = {}, query = 'wait=true') => run2(namespace, flowId, fields, query);
  /** Visibility is eventually consistent: ask until `check` holds. */
  const eventually = async <T>(probe: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> => {
    let last: T | undefined;
    for (let i = 0; i < 100; i++) {
      last = await probe();
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`${what}: never happened; last: ${JSON.stringify(last)}`);
  };

  before(async () => {
    fixture = await startTemporalFixture();
    server = await startServer(
      { ...fixture.config, basicAuth: CREDENTIALS },
      { host: '127.0.0.1', port: 0, worker: false, limits: { bodyBytes: 64 * 1024, fileBytes: 64 * 1024 } },
    );
    for (const source of Object.values(flows)) await json(await api('/flows', yaml(source)));
    // `failing` fails when asked to by its input or by this key (the restart test flips it).
    assert.equal(
      (await api(`/namespaces/${namespace}/kv/restart_mode`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'ok' })).status,
      200,
    );
  });
  after(async () => {
    // Deleting through the API also deletes the Temporal Schedule of `monthly`.
    for (const id of Object.keys(flows)) await api(`/flows/${namespace}/${id}`, { method: 'DELETE' }).catch(() => undefined);
    await api(`/flows/${namespace}.sub/kid`, { method: 'DELETE' }).catch(() => undefined);
    await server?.close();
    await fixture?.close();
    await purgeNamespace(namespace);
    await purgeNamespace(`${namespace}.sub`);
  });

  it('webhooks need no credentials (the key is the secret), as in Kestra', async () => {
    for (const prefix of ['/api/v1', '/api/v1/main']) {
      const response = await fetch(`${server.url}${prefix}/executions/webhook/${namespace}/hook/wrong-key`, { method: 'POST' });
      assert.equal(response.status, 404, prefix);
      const started = await fetch(`${server.url}${prefix}/executions/webhook/${namespace}/hook/s3cr3t-key-0123456789?source=anonymous`, {
        method: 'POST',
      });
      assert.equal(started.status, 200, prefix);
    }
    // Only the webhook path is open.
    assert.equal((await fetch(`${server.url}/api/v1/executions/${namespace}/hook`, { method: 'POST' })).status, 401);
  });

  it('every new endpoint answers 401 without credentials', async () => {
    const paths: [string, string][] = [
      ['GET', '/executions/search'],
      ['GET', `/flows/search?namespace=${namespace}`],
      ['PUT', `/flows/${namespace}/greet`],
      ['GET', '/logs/x'],
      ['GET', '/logs/x/follow'],
      ['GET', '/logs/x/download'],
      ['GET', '/executions/x/follow'],
      ['GET', `/executions?namespace=${namespace}`],
      ['GET', `/flows/${namespace}`],
      ['DELETE', `/namespaces/${namespace}/kv/k`],
      ['GET', `/namespaces/${namespace}/kv/k`],
      ['POST', '/executions/x/restart'],
      ['GET', `/namespaces/${namespace}/kv`],
      ['PUT', `/namespaces/${namespace}/kv/k`],
      ['PUT', '/triggers'],
      ['GET', '/openapi.json'],
    ];
    for (const [method, path] of paths) {
      const response = await fetch(`${server.url}/api/v1${path}`, { method });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
    }
  });

  it('PUT /flows/{namespace}/{id} makes a new revision only when the source changes; 404 when absent, 422 for another id', async () => {
    const changed = flows.greet.replace('defaults: world', 'defaults: everyone');
    let flow = await json<{ revision: number; source: string }>(await api(`/flows/${namespace}/greet`, yaml(changed, 'PUT')));
    assert.equal(flow.revision, 2);
    assert.equal(flow.source, changed);
    flow = await json(await api(`/flows/${namespace}/greet`, yaml(changed, 'PUT')));
    assert.equal(flow.revision, 2, 'unchanged source: same revision');
    const execution = await run('greet');
    assert.deepEqual(execution.inputs, { name: 'everyone' });
    assert.equal(execution.flowRevision, 2);

    assert.equal((await api(`/flows/${namespace}/nothing`, yaml(changed.replace('id: greet', 'id: nothing'), 'PUT'))).status, 404);
    const renamed = await json<{ message: string }>(
      await api(`/flows/${namespace}/greet`, yaml(changed.replace('id: greet', 'id: other'), 'PUT')),
      422,
    );
    assert.match(renamed.message, /Illegal flow id or namespace update/);
    const invalid = await json<{ _embedded: { errors: { path: string }[] } }>(
      await api(`/flows/${namespace}/greet`, yaml(`${changed}  - id: bad\n    type: nope\n`, 'PUT')),
      422,
    );
    assert.ok(invalid._embedded.errors.length > 0);
  });

  it('GET /flows/search pages the flows of a namespace and its children; GET /flows/{namespace} lists them', async () => {
    const all = await json<{ results: { id: string; namespace: string; source?: string }[]; total: number }>(
      await api(`/flows/search?namespace=${namespace}&size=100`),
    );
    assert.equal(all.total, Object.keys(flows).length);
    assert.deepEqual(all.results.map((f) => f.id).sort(), Object.keys(flows).sort());
    assert.equal(all.results[0].source, undefined);
    const page = await json<{ results: { id: string }[]; total: number }>(await api(`/flows/search?namespace=${namespace}&size=2&page=2`));
    assert.equal(page.total, Object.keys(flows).length);
    assert.deepEqual(
      page.results.map((f) => f.id),
      all.results.slice(2, 4).map((f) => f.id),
    );
    const byText = await json<{ results: { id: string }[] }>(await api(`/flows/search?namespace=${namespace}&q=HOO`));
    assert.deepEqual(
      byText.results.map((f) => f.id),
      ['hook', 'hook_off'],
    );
    const listed = await json<{ id: string }[]>(await api(`/flows/${namespace}`));
    assert.equal(listed.length, Object.keys(flows).length);
    await json(await api('/flows/search?page=0'), 422);
  });

  it('GET /executions/search filters by namespace, flow, state and labels, in pages of {results, total}', async () => {
    const ok = await run('failing', { mode: 'ok' }, 'wait=true&labels=batch:one');
    const failed = await run('failing', { mode: 'fail' }, 'wait=true&labels=batch:two');
    assert.equal(ok.state.current, 'SUCCESS');
    assert.equal(failed.state.current, 'FAILED');
    type Page = { results: Execution[]; total: number };
    const search = (query: string) => api(`/executions/search?namespace=${namespace}&flowId=failing&${query}`).then((r) => json<Page>(r));

    const both = await eventually(
      () => search('size=10'),
      (p) => p.total >= 2 && p.results.every((e) => ['SUCCESS', 'FAILED'].includes(e.state.current)),
      'both listed, ended',
    );
    assert.deepEqual(both.results.map((e) => e.id).sort(), [ok.id, failed.id].sort());
    assert.equal(both.results[0].id, failed.id, 'newest first');
    assert.equal(both.results[0].namespace, namespace);
    assert.equal(both.results[0].flowId, 'failing');
    assert.deepEqual(both.results[0].labels, [
      { key: 'system.correlationId', value: both.results[0].id },
      { key: 'batch', value: 'two' },
    ]);

    assert.deepEqual(
      (await search('state=FAILED')).results.map((e) => e.id),
      [failed.id],
    );
    assert.deepEqual(
      (await search('labels=batch:one')).results.map((e) => e.id),
      [ok.id],
    );
    // Kestra 1.x's filters[…] syntax, under the tenant prefix.
    const filtered = await json<Page>(
      await api(
        `/executions/search?filters[namespace][EQUALS]=${namespace}&filters[flowId][EQUALS]=failing&filters[labels][EQUALS][batch]=two&filters[state][IN]=FAILED,KILLED`,
        {},
        '/api/v1/main',
      ),
    );
    assert.deepEqual(
      filtered.results.map((e) => e.id),
      [failed.id],
    );
    assert.deepEqual((await search('state=SUCCESS&labels=batch:two')).results, []);
    const second = await search('size=1&page=2');
    assert.equal(second.total, 2);
    assert.deepEqual(
      second.results.map((e) => e.id),
      [ok.id],
    );
    const byFlow = await json<Page>(await api(`/executions?namespace=${namespace}&flowId=failing`, {}, '/api/v1/main'));
    assert.equal(byFlow.total, 2);
    // A namespace filter also matches child namespaces (by whole segments).
    const child = flows.quick.replace(`namespace: ${namespace}`, `namespace: ${namespace}.sub`).replace('id: quick', 'id: kid');
    await json(await api('/flows', yaml(child)));
    const kid = await run2(`${namespace}.sub`, 'kid', { n: '1' });
    const underParent = await eventually(
      () => api(`/executions/search?namespace=${namespace}&flowId=kid`).then((r) => json<Page>(r)),
      (p) => p.total === 1,
      'the child namespace execution is found under its parent',
    );
    assert.deepEqual(
      underParent.results.map((e) => [e.id, e.namespace]),
      [[kid.id, `${namespace}.sub`]],
    );
    assert.equal((await json<Page>(await api(`/executions/search?namespace=${namespace}.su&flowId=kid`))).total, 0);
    const bad = await json<{ message: string }>(await api('/executions/search?state=DONE'), 422);
    assert.match(bad.message, /unknown state `DONE`/);
  });

  it('GET /logs/{id} gives the log lines as JSON (minLevel, taskId filters); 404 for an unknown execution', async () => {
    const execution = await run('greet', { name: 'Ada' });
    const logs = await json<
      { executionId: string; namespace: string; flowId: string; taskId: string; level: string; message: string; timestamp: string }[]
    >(await api(`/logs/${encodeURIComponent(execution.id)}`));
    const lines = logs.filter((l) => l.taskId).map((l) => `${l.taskId} ${l.level} ${l.message}`);
    assert.deepEqual(lines, ['hello INFO Hello, Ada!', 'shout WARN HELLO, Ada!']);
    assert.ok(
      logs.every(
        (l) => l.executionId === execution.id && l.namespace === namespace && l.flowId === 'greet' && !Number.isNaN(Date.parse(l.timestamp)),
      ),
    );
    const warnings = await json<{ message: string }[]>(await api(`/logs/${encodeURIComponent(execution.id)}?minLevel=WARN`));
    assert.deepEqual(
      warnings.map((l) => l.message),
      ['HELLO, Ada!'],
    );
    const ofTask = await json<{ message: string }[]>(await api(`/logs/${encodeURIComponent(execution.id)}?taskId=hello`));
    assert.deepEqual(
      ofTask.map((l) => l.message),
      ['Hello, Ada!'],
    );
    const download = await api(`/logs/${encodeURIComponent(execution.id)}/download?minLevel=WARN`);
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await download.text(), /^\d{4}-\d{2}-\d{2}T[^ ]+ WARN  \[shout\] HELLO, Ada!\n$/);
    assert.equal((await api('/logs/no.such-execution')).status, 404);
    assert.equal((await api('/logs/no.such-execution/follow')).status, 404);
    await json(await api(`/logs/${encodeURIComponent(execution.id)}?minLevel=LOUD`), 422);
  });

  it('GET /logs/{id}/follow streams the lines as server-sent events and ends with the final state', async () => {
    const created = await run('greet', { name: 'Grace' }, 'wait=false');
    const response = await api(`/logs/${encodeURIComponent(created.id)}/follow`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await response.text(); // the stream ends when the execution does
    const events = text
      .split('\n\n')
      .filter((block) => block.split('\n').some((line) => line.startsWith('data: ')))
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message',
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as { message?: string; taskId?: string; state?: string },
      }));
    assert.deepEqual(
      events.filter((e) => e.event === 'message' && e.data.taskId).map((e) => e.data.message),
      ['Hello, Grace!', 'HELLO, Grace!'],
    );
    assert.deepEqual(events[events.length - 1], { event: 'end', data: { executionId: created.id, state: 'SUCCESS' } });
  });

  it('GET /executions/{id}/follow streams the execution each time it changes, then `end`', async () => {
    const created = await run('greet', { name: 'Edsger' }, 'wait=false');
    const response = await api(`/executions/${encodeURIComponent(created.id)}/follow`);
    assert.equal(response.status, 200);
    const blocks = (await response.text()).split('\n\n').filter((b) => b.includes('data: '));
    const last = blocks[blocks.length - 1];
    assert.match(last, /^event: end\n/);
    assert.deepEqual(JSON.parse(/^data: (.*)$/m.exec(last)?.[1] ?? 'null'), { executionId: created.id, state: 'SUCCESS' });
    const snapshots = blocks.slice(0, -1).map((b) => JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? 'null') as Execution);
    assert.ok(snapshots.length >= 1);
    assert.equal(new Set(snapshots.map((e) => JSON.stringify(e))).size, snapshots.length, 'only changes are sent');
    const final = snapshots[snapshots.length - 1];
    assert.equal(final.state.current, 'SUCCESS');
    assert.deepEqual(
      final.taskRunList.map((t) => t.taskId),
      ['hello', 'shout'],
    );
    assert.equal((await api('/executions/no.such-execution/follow')).status, 404);
  });

  it('GET /executions/{id}/follow?taskRuns=changed sends every task run once, then only the new or changed ones', async () => {
    const created = await run('sleeper', {}, 'wait=false');
    const response = await api(`/executions/${encodeURIComponent(created.id)}/follow?taskRuns=changed`);
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"taskId":"nap"')) {
      const chunk = await reader.read();
      assert.ok(!chunk.done, 'the stream ended before the Sleep started');
      text += decoder.decode(chunk.value, { stream: true });
    }
    assert.equal((await api(`/executions/${encodeURIComponent(created.id)}/kill`, { method: 'DELETE' })).status, 202);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    const events = text
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => ({ event: /^event: (.*)$/m.exec(b)?.[1] ?? 'message', data: JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? 'null') as Execution }));
    assert.equal(events[0].event, 'message', 'the first event is the whole execution');
    assert.deepEqual(events[events.length - 1], { event: 'end', data: { executionId: created.id, state: 'KILLED' } });
    const changes = events.slice(1, -1);
    assert.ok(changes.length >= 1 && changes.every((e) => e.event === 'changes'));
    assert.equal(changes[changes.length - 1].data.state.current, 'KILLED');
    // No task run is sent again unchanged, and the changes applied to the first event give the execution as it ended.
    const runs = new Map<string, Execution['taskRunList'][number]>();
    for (const { data } of [events[0], ...changes]) {
      for (const taskRun of data.taskRunList) {
        assert.notDeepEqual(runs.get(taskRun.id), taskRun, `${taskRun.taskId} sent again unchanged`);
        runs.set(taskRun.id, taskRun);
      }
    }
    const final = await json<Execution>(await api(`/executions/${encodeURIComponent(created.id)}`));
    assert.deepEqual([...runs.values()], final.taskRunList);
    assert.deepEqual(
      final.taskRunList.map((t) => `${t.taskId}:${t.state.current}`),
      ['started:SUCCESS', 'nap:KILLED'],
    );
  });

  it('stopping the server ends open log streams instead of waiting for their executions', async () => {
    const second = await startServer({ ...fixture.config, basicAuth: CREDENTIALS }, { host: '127.0.0.1', port: 0, worker: false });
    const created = await run('sleeper', {}, 'wait=false');
    try {
      const response = await fetch(`${second.url}/api/v1/logs/${encodeURIComponent(created.id)}/follow`, { headers: AUTH });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('sleeping')) {
        const chunk = await reader.read();
        assert.equal(chunk.done, false, 'the stream must stay open while the execution sleeps');
        text += decoder.decode(chunk.value, { stream: true });
      }
      const stopped = Date.now();
      const closing = second.close();
      while (!(await reader.read()).done);
      assert.ok(Date.now() - stopped < 2000, `the stream ended with the server (${Date.now() - stopped} ms)`);
      await closing;
      assert.ok(Date.now() - stopped < 3000, `the server stopped without waiting for the execution (${Date.now() - stopped} ms)`);
    } finally {
      await second.close();
      assert.equal((await api(`/executions/${encodeURIComponent(created.id)}/kill`, { method: 'DELETE' })).status, 202);
    }
  });

  it('POST /executions/{id}/restart runs a FAILED execution again under the same id with the same inputs and labels', async () => {
    const setMode = async (mode: string) =>
      assert.equal(
        (await api(`/namespaces/${namespace}/kv/restart_mode`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: mode })).status,
        200,
      );
    await setMode('fail');
    const failed = await run('failing', { mode: 'ok' }, 'wait=true&labels=try:restart');
    assert.equal(failed.state.current, 'FAILED');
    // Fix the cause, then restart.
    await setMode('ok');
    const restarted = await json<Execution>(await api(`/executions/${encodeURIComponent(failed.id)}/restart`, { method: 'POST' }));
    assert.equal(restarted.id, failed.id);
    assert.equal(restarted.state.current, 'RESTARTED');
    assert.equal(restarted.metadata?.attemptNumber, 2);
    const done = await eventually(
      () => api(`/executions/${encodeURIComponent(failed.id)}`).then((r) => json<Execution>(r)),
      (e) => e.state.current === 'SUCCESS',
      'the restarted execution succeeds',
    );
    assert.deepEqual(done.inputs, { mode: 'ok' });
    // Kestra's restart adds `system.restarted: true`; the attempt number counts the restart.
    assert.deepEqual(done.labels, [
      { key: 'system.correlationId', value: done.id },
      { key: 'try', value: 'restart' },
      { key: 'system.restarted', value: 'true' },
    ]);
    assert.equal(done.metadata?.attemptNumber, 2);
    assert.deepEqual(
      done.taskRunList.map((t) => `${t.taskId}:${t.state.current}`),
      ['first:SUCCESS', 'check:SUCCESS'],
    );
    // Only FAILED or KILLED executions restart; unknown ones are 404.
    const again = await json<{ message: string }>(await api(`/executions/${encodeURIComponent(failed.id)}/restart`, { method: 'POST' }), 409);
    assert.match(again.message, /ended SUCCESS: only a FAILED or KILLED execution can be restarted/);
    assert.equal((await api('/executions/no.such-execution/restart', { method: 'POST' })).status, 404);
  });

  it('a webhook call starts an execution whose trigger.body holds the posted JSON; wrong key 404; wait+returnOutputs answers the outputs', async () => {
    const created = await json<Execution>(
      await api(`/executions/webhook/${namespace}/hook/s3cr3t-key-0123456789?source=curl`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client': 'test-suite' },
        body: JSON.stringify({ name: 'Linus', extra: [1, 2] }),
      }),
    );
    assert.equal(created.namespace, namespace);
    assert.equal(created.flowId, 'hook');
    assert.equal(created.state.current, 'CREATED');
    const trigger = (created as unknown as { trigger: { id: string; variables: { body: unknown; headers: Record<string, string[]> } } }).trigger;
    assert.equal(trigger.id, 'incoming');
    assert.deepEqual(trigger.variables.body, { name: 'Linus', extra: [1, 2] });
    assert.deepEqual(trigger.variables.headers['x-client'], ['test-suite']);
    assert.equal(trigger.variables.headers.authorization, undefined, 'credentials never reach the execution');
    const done = await eventually(
      () => api(`/executions/${encodeURIComponent(created.id)}`).then((r) => json<Execution>(r)),
      (e) => e.state.current === 'SUCCESS' || e.state.current === 'FAILED',
      'the webhook execution ends',
    );
    assert.equal(done.state.current, 'SUCCESS');
    assert.deepEqual(done.taskRunList[0].outputs, { value: 'Linus from curl via test-suite, input Linus' });
    assert.deepEqual(done.inputs, { who: 'Linus' });

    // GET and PUT work too; a text body stays text.
    assert.equal((await api(`/executions/webhook/${namespace}/hook/s3cr3t-key-0123456789`)).status, 200);
    const outputs = await json<Record<string, unknown>>(
      await api(`/executions/webhook/${namespace}/hook/wait-key-0123456789ab?source=put`, {
        method: 'PUT',
        headers: { 'content-type': 'text/plain', 'x-client': 'plain' },
        body: 'not json',
      }),
    );
    assert.deepEqual(outputs, { echoed: ' from put via plain, input nobody' });

    assert.deepEqual(await json(await api(`/executions/webhook/${namespace}/hook/wrong-key`, { method: 'POST' }), 404), {
      message: 'Webhook not found',
    });
    assert.equal(
      (await api(`/executions/webhook/${namespace}/greet/s3cr3t-key-0123456789`, { method: 'POST' })).status,
      404,
      'a flow without that webhook',
    );
    assert.equal((await api(`/executions/webhook/${namespace}/absent/s3cr3t-key-0123456789`, { method: 'POST' })).status, 404);
    assert.deepEqual(await json(await api(`/executions/webhook/${namespace}/hook_off/off-key-0123456789ab`, { method: 'POST' }), 409), {
      message: 'Requested Flow is disabled.',
    });
  });

  it('KV: PUT infers the type, GET gives {type, value}, list, DELETE; 404 for a missing key', async () => {
    const put = (key: string, body: string, headers: Record<string, string> = {}) =>
      api(`/namespaces/${namespace}/kv/${key}`, { method: 'PUT', headers: { 'content-type': 'text/plain', ...headers }, body });
    assert.equal((await put('count', '42')).status, 200);
    assert.equal((await put('flag', 'true')).status, 200);
    assert.equal((await put('doc', '{"a": [1, 2]}')).status, 200);
    assert.equal((await put('day', '2024-02-29')).status, 200);
    assert.equal((await put('words', 'hello there')).status, 200);
    assert.equal(
      (await api(`/namespaces/${namespace}/kv/obj`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"b": true}' })).status,
      200,
    );
    assert.equal((await put('short', 'brief', { ttl: 'PT1H' })).status, 200);
    const get = (key: string) => api(`/namespaces/${namespace}/kv/${key}`).then((r) => json<{ type: string; value: unknown }>(r));
    assert.deepEqual(await get('count'), { type: 'NUMBER', value: 42 });
    assert.deepEqual(await get('flag'), { type: 'BOOLEAN', value: true });
    assert.deepEqual(await get('doc'), { type: 'JSON', value: { a: [1, 2] } });
    assert.deepEqual(await get('day'), { type: 'DATE', value: '2024-02-29' });
    assert.deepEqual(await get('words'), { type: 'STRING', value: 'hello there' });
    assert.deepEqual(await get('obj'), { type: 'JSON', value: { b: true } });
    const listed = await json<{ key: string; expirationDate?: string }[]>(await api(`/namespaces/${namespace}/kv`));
    assert.deepEqual(
      listed.map((e) => e.key),
      ['count', 'day', 'doc', 'flag', 'obj', 'restart_mode', 'short', 'words'],
    );
    assert.ok(listed.find((e) => e.key === 'short')?.expirationDate);
    assert.equal((await api(`/namespaces/${namespace}/kv/count`, { method: 'DELETE' })).status, 204);
    const missing = await json<{ message: string }>(await api(`/namespaces/${namespace}/kv/count`), 404);
    assert.equal(missing.message, `The key 'count' does not exist in the namespace '${namespace}'.`);
    assert.equal((await api(`/namespaces/${namespace}/kv/count`, { method: 'DELETE' })).status, 404);
    assert.equal((await put('bad', 'x', { ttl: 'soon' })).status, 422);
  });

  it('PUT /triggers backfills a Schedule trigger: one execution per month, each with its own trigger.date and backfill:true', async () => {
    const response = await json<{ triggerId: string; backfill: { start: string; end: string }; executions: { nominalTime: string }[] }>(
      await api('/triggers', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          namespace,
          flowId: 'monthly',
          triggerId: 'every_month',
          backfill: {
            start: '2019-01-01T00:00:00Z',
            end: '2019-03-01T00:00:00Z',
            inputs: { taxi: 'yellow' },
            labels: [{ key: 'source', value: 'api' }],
          },
        }),
      }),
    );
    assert.equal(response.triggerId, 'every_month');
    assert.deepEqual(
      response.executions.map((e) => e.nominalTime),
      ['2019-01-01T09:00:00Z', '2019-02-01T09:00:00Z'],
    );
    type Page = { results: Execution[]; total: number };
    const page = await eventually(
      () => api(`/executions/search?namespace=${namespace}&flowId=monthly&labels=backfill:true&state=SUCCESS`).then((r) => json<Page>(r)),
      // Visibility counts and lists separately: wait until the list holds both too.
      (p) => p.total === 2 && p.results.length === 2,
      'both backfilled months succeed',
    );
    const values = [];
    for (const summary of page.results) {
      const execution = await json<Execution>(await api(`/executions/${encodeURIComponent(summary.id)}`));
      assert.deepEqual(
        execution.labels.find((l) => l.key === 'source'),
        { key: 'source', value: 'api' },
      );
      values.push(execution.taskRunList[0].outputs?.value);
    }
    assert.deepEqual(values.sort(), ['yellow 2019-01', 'yellow 2019-02']);

    const noTrigger = await json<{ message: string }>(
      await api('/triggers', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ namespace, flowId: 'monthly', triggerId: 'nope', backfill: { start: '2019-01-01' } }),
      }),
      404,
    );
    assert.match(noTrigger.message, /no Schedule trigger 'nope'/);
    await json(
      await api('/triggers', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ namespace, flowId: 'monthly' }),
      }),
      422,
    );
    assert.equal(
      (
        await api('/triggers', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ namespace, flowId: 'absent', triggerId: 'x', backfill: { start: '2019-01-01' } }),
        })
      ).status,
      404,
    );
  });

  it('a FILE input sent as a multipart file part is stored in internal storage and the input is its kestra:// URI; oversize files 413', async () => {
    const execution = await json<Execution>(
      await api(`/executions/${namespace}/upload?wait=true`, { method: 'POST', body: form({ data: new Blob(['a,b\n1,2\n']) }, 'numbers.csv') }),
    );
    assert.equal(execution.state.current, 'SUCCESS', JSON.stringify(execution));
    const uri = execution.inputs?.data as string;
    assert.equal(uri, `kestra:///${namespace.replace(/\./g, '/')}/upload/executions/${execution.id}/inputs/data/numbers.csv`);
    assert.equal(await storageFromConfig(fixture.config).stat(uri), 8);
    assert.deepEqual(execution.taskRunList[0].outputs, { value: 'a,b\n1,2\n' });

    const missing = await json<{ _embedded: { errors: { message: string }[] } }>(
      await api(`/executions/${namespace}/upload`, { method: 'POST', body: form({}) }),
      422,
    );
    assert.match(missing._embedded.errors[0].message, /^Invalid input for `data`, missing required input/);
    const big = await api(`/executions/${namespace}/upload`, { method: 'POST', body: form({ data: new Blob(['x'.repeat(100 * 1024)]) }, 'big.csv') });
    assert.equal(big.status, 413);
    assert.doesNotMatch(await big.text(), /\n\s+at /);
  });

  it('GET /api/v1/openapi.json describes the routes, generated from their schemas', async () => {
    const document = await json<{ openapi: string; paths: Record<string, Record<string, { summary?: string; tags?: string[] }>> }>(
      await api('/openapi.json'),
    );
    assert.match(document.openapi, /^3\./);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    for (const expected of [
      'POST /api/v1/flows/import',
      'PUT /api/v1/flows/{namespace}/{id}',
      'GET /api/v1/flows/search',
      'POST /api/v1/executions/{namespace}/{id}',
      'GET /api/v1/executions/search',
      'POST /api/v1/executions/{executionId}/restart',
      'GET /api/v1/logs/{executionId}/follow',
      'POST /api/v1/executions/webhook/{namespace}/{id}/{key}',
      'PUT /api/v1/namespaces/{namespace}/kv/{key}',
      'PUT /api/v1/triggers',
    ]) {
      assert.ok(operations.includes(expected), `${expected} in ${operations.join(', ')}`);
    }
    assert.ok(!operations.some((o) => o.includes('/api/v1/main/')), 'the /api/v1/main twins are not repeated');
    assert.equal(document.paths['/api/v1/executions/search'].get.summary?.includes('Search executions'), true);
  });

  it('200 executions created concurrently through the API all finish: none lost, none duplicated', async () => {
    const count = 200;
    const created = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        api(`/executions/${namespace}/quick`, { method: 'POST', body: form({ n: String(n) }) }).then((r) => json<Execution>(r)),
      ),
    );
    const ids = new Set(created.map((e) => e.id));
    assert.equal(ids.size, count);
    const finished = await Promise.all(
      created.map(
        (e) =>
          fixture.client.workflow.getHandle(e.id).result() as Promise<{
            state: string;
            inputs: { n: number };
            taskRuns: { outputs: { value: string } }[];
          }>,
      ),
    );
    assert.ok(finished.every((e) => e.state === 'SUCCESS'));
    assert.deepEqual(
      finished.map((e) => Number(e.taskRuns[0].outputs.value)).sort((a, b) => a - b),
      Array.from({ length: count }, (_, n) => n),
    );
    const page = await eventually(
      () => api(`/executions/search?namespace=${namespace}&flowId=quick&state=SUCCESS&size=1`).then((r) => json<{ total: number }>(r)),
      (p) => p.total === count,
      'all listed',
    );
    assert.equal(page.total, count);
  });
});
