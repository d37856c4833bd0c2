/**
 * The REST routes the web UI stands on, over real HTTP against the real dev server, flow store and a
 * worker: the flow graph, revisions, an execution's files (download, size, preview, scoped as
 * `read()` is), namespace files, and a Schedule trigger's state and enable/disable switch.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/server/server';
import { purgeNamespace } from '../helpers/flow-store';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const CREDENTIALS = 'admin@kestra.io:Admin1234!';
const AUTH = { authorization: `Basic ${Buffer.from(CREDENTIALS).toString('base64')}` };
const CSV = 'id,name\n1,Ada\n2,"Lovelace, A"\n3,Bo\n';

interface Execution {
  id: string;
  state: { current: string };
  taskRunList: { taskId: string; outputs: Record<string, unknown> | null }[];
}

interface TriggerState {
  abstractTrigger: { id: string; cron?: string; timezone?: string };
  triggerContext: { flowId: string; triggerId: string; disabled: boolean; nextExecutionDate?: string };
}

describe('REST API for the UI: graph, revisions, execution files, namespace files, triggers', () => {
  const namespace = `tflow.test.ui${randomBytes(3).toString('hex')}`;
  let fixture: TemporalFixture;
  let server: RunningServer;

  const flows = {
    writer: `id: writer
namespace: ${namespace}
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - id: csv
        type: io.kestra.plugin.core.storage.Write
        content: ${JSON.stringify(CSV)}
        extension: .csv
`,
    parent: `id: parent
namespace: ${namespace}
tasks:
  - id: note
    type: io.kestra.plugin.core.storage.Write
    content: from the parent
    extension: .txt
  - id: child
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}.kids
    flowId: kid
    wait: true
`,
    kid: `id: kid
namespace: ${namespace}.kids
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
`,
    nightly: `id: nightly
namespace: ${namespace}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: every_night
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
    timezone: Europe/Paris
`,
  };

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}/api/v1${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string> | undefined) } });
  const json = async <T>(response: Response, status = 200): Promise<T> => {
    const text = await response.text();
    assert.equal(response.status, status, text);
    return JSON.parse(text) as T;
  };
  const message = async (response: Response, status: number): Promise<string> => (await json<{ message: string }>(response, status)).message;
  const yaml = (body: string, method = 'POST') => ({ method, headers: { 'content-type': 'application/x-yaml' }, body });
  const run = async (flowNamespace: string, flowId: string) => {
    const execution = await json<Execution>(await api(`/executions/${flowNamespace}/${flowId}?wait=true`, { method: 'POST', body: new FormData() }));
    assert.equal(execution.state.current, 'SUCCESS');
    return execution;
  };
  const output = (execution: Execution, taskId: string) => execution.taskRunList.find((r) => r.taskId === taskId)?.outputs ?? {};
  const fileQuery = (path: string) => `path=${encodeURIComponent(path)}`;

  before(async () => {
    fixture = await startTemporalFixture();
    server = await startServer(
      { ...fixture.config, basicAuth: CREDENTIALS },
      { host: '127.0.0.1', port: 0, worker: false, limits: { bodyBytes: 64 * 1024, fileBytes: 64 * 1024 } },
    );
    for (const source of Object.values(flows)) await json(await api('/flows', yaml(source)));
  });
  after(async () => {
    for (const [id, source] of Object.entries(flows)) {
      const flowNamespace = /^namespace: (.+)$/m.exec(source)![1];
      await api(`/flows/${flowNamespace}/${id}`, { method: 'DELETE' }).catch(() => undefined);
    }
    await server?.close();
    await fixture?.close();
    await purgeNamespace(namespace);
  });

  it('draws the flow graph with nested task ids, and answers 404 and 401 as the other routes do', async () => {
    const graph = await json<{
      nodes: { uid: string; task?: { id: string }; yaml?: string }[];
      edges: { source: string; target: string; relation: { value?: string } }[];
    }>(await api(`/flows/${namespace}/writer/graph`));
    const csv = graph.nodes.find((n) => n.task?.id === 'csv');
    assert.equal(csv?.uid, 'root.check.csv');
    assert.match(csv?.yaml ?? '', /^id: csv\ntype: io\.kestra\.plugin\.core\.storage\.Write\n/);
    assert.deepEqual(
      graph.edges.filter((e) => e.source === 'root.check').map((e) => [e.target, e.relation.value]),
      [['root.check.csv', 'then']],
    );
    assert.equal(await message(await api(`/flows/${namespace}/missing/graph`), 404), 'Requested Flow is not found.');
    assert.equal((await fetch(`${server.url}/api/v1/flows/${namespace}/writer/graph`)).status, 401);
  });

  it("lists a flow's revisions with their sources, and the graph of an older one", async () => {
    const updated = flows.kid.replace('message: hi', 'message: hello again');
    await json(await api(`/flows/${namespace}.kids/kid`, yaml(updated, 'PUT')));
    const revisions = await json<{ revision: number; source: string; id: string }[]>(await api(`/flows/${namespace}.kids/kid/revisions`));
    assert.deepEqual(
      revisions.map((r) => [r.id, r.revision, r.source]),
      [
        ['kid', 1, flows.kid],
        ['kid', 2, updated],
      ],
    );
    const old = await json<{ nodes: { yaml?: string }[] }>(await api(`/flows/${namespace}.kids/kid/graph?revision=1`));
    assert.ok(old.nodes.some((n) => n.yaml?.includes('message: hi')));
    assert.equal(await message(await api(`/flows/${namespace}/missing/revisions`), 404), 'Requested Flow is not found.');
  });

  it("downloads, sizes and previews an execution's file", async () => {
    const execution = await run(namespace, 'writer');
    const uri = output(execution, 'csv').uri as string;
    const download = await api(`/executions/${execution.id}/file?${fileQuery(uri)}`);
    assert.equal(download.status, 200);
    assert.equal(await download.text(), CSV);
    assert.equal(download.headers.get('content-length'), String(Buffer.byteLength(CSV)));
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="csv\.csv"/);
    assert.deepEqual(await json(await api(`/executions/${execution.id}/file/metas?${fileQuery(uri)}`)), { size: Buffer.byteLength(CSV) });
    assert.deepEqual(await json(await api(`/executions/${execution.id}/file/preview?${fileQuery(uri)}&maxRows=2`)), {
      extension: 'csv',
      type: 'LIST',
      content: [
        { id: '1', name: 'Ada' },
        { id: '2', name: 'Lovelace, A' },
      ],
      truncated: true,
    });
  });

  it("refuses another execution's file, a path that climbs out, and answers 404 for a missing file or execution", async () => {
    const first = await run(namespace, 'writer');
    const second = await run(namespace, 'writer');
    const secondFile = output(second, 'csv').uri as string;
    const refused = await message(await api(`/executions/${first.id}/file?${fileQuery(secondFile)}`), 403);
    assert.match(
      refused,
      new RegExp(`^Access denied to file ${secondFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: execution ${first.id} may only read`),
    );
    assert.equal((await api(`/executions/${first.id}/file/preview?${fileQuery(secondFile)}`)).status, 403);
    const climbing = `kestra:///${namespace.replace(/\./g, '/')}/writer/executions/${first.id}/../../../../etc/passwd`;
    assert.match(await message(await api(`/executions/${first.id}/file?${fileQuery(climbing)}`), 422), /Invalid internal-storage URI/);
    const missing = (output(first, 'csv').uri as string).replace(/csv\.csv$/, 'nothing.csv');
    assert.equal(await message(await api(`/executions/${first.id}/file/metas?${fileQuery(missing)}`), 404), `File not found: ${missing}`);
    assert.equal(await message(await api(`/executions/no-such-execution/file?${fileQuery(missing)}`), 404), 'Requested Execution is not found.');
    assert.equal((await fetch(`${server.url}/api/v1/executions/${first.id}/file?${fileQuery(missing)}`)).status, 401);
  });

  it("lets a Subflow's child read its parent's files, as read() does, and not its sibling's", async () => {
    const parent = await run(namespace, 'parent');
    const note = output(parent, 'note').uri as string;
    const childId = output(parent, 'child').executionId as string;
    const preview = await json<{ type: string; content: string }>(await api(`/executions/${childId}/file/preview?${fileQuery(note)}`));
    assert.deepEqual(preview, { extension: 'txt', type: 'TEXT', content: 'from the parent', truncated: false });
    const other = await run(namespace, 'writer');
    assert.equal((await api(`/executions/${childId}/file?${fileQuery(output(other, 'csv').uri as string)}`)).status, 403);
  });

  it('creates, lists, reads, moves and deletes namespace files, refusing paths that climb out', async () => {
    const files = `/namespaces/${namespace}/files`;
    const upload = (path: string, content: string) => {
      const body = new FormData();
      body.append('fileContent', new Blob([content]), 'upload.sql');
      return api(`${files}?path=${encodeURIComponent(path)}`, { method: 'POST', body });
    };
    assert.equal((await upload('/queries/trips.sql', 'SELECT 1;')).status, 204);
    assert.equal((await upload('/readme.md', '# hi')).status, 204);
    assert.deepEqual(await json(await api(`${files}/directory?path=/`)), [
      { fileName: 'queries', type: 'Directory', size: 9 },
      { fileName: 'readme.md', type: 'File', size: 4 },
    ]);
    assert.deepEqual(await json(await api(`${files}/directory?path=/queries`)), [{ fileName: 'trips.sql', type: 'File', size: 9 }]);
    assert.deepEqual(await json(await api(`${files}/stats?path=/queries/trips.sql`)), { fileName: 'trips.sql', type: 'File', size: 9 });
    assert.deepEqual(await json(await api(`${files}/search?q=trips`)), ['/queries/trips.sql']);
    assert.equal(await (await api(`${files}?path=/queries/trips.sql`)).text(), 'SELECT 1;');

    // An execution of the namespace reads its namespace's files.
    const execution = await run(namespace, 'writer');
    const nsUri = `kestra:///${namespace.replace(/\./g, '/')}/_files/queries/trips.sql`;
    assert.equal(await (await api(`/executions/${execution.id}/file?${fileQuery(nsUri)}`)).text(), 'SELECT 1;');

    assert.equal((await api(`${files}?from=/queries&to=/sql`, { method: 'PUT' })).status, 204);
    assert.equal((await api(`${files}?path=/queries/trips.sql`)).status, 404);
    assert.equal(await (await api(`${files}?path=/sql/trips.sql`)).text(), 'SELECT 1;');
    assert.match(await message(await api(`${files}?from=/readme.md&to=/sql/trips.sql`, { method: 'PUT' }), 409), /already exists/);

    // Every route refuses a path that climbs out of the namespace's files, and leaves the files as they were.
    for (const path of ['../../etc/passwd', '/sql/../../x', 'sql/%2e%2e/%2e%2e/x', '..\\..\\x']) {
      const at = encodeURIComponent(path);
      assert.equal((await api(`${files}?path=${at}`)).status, 422, path);
      assert.equal((await upload(path, 'x')).status, 422, path);
      assert.equal((await api(`${files}/directory?path=${at}`)).status, 422, path);
      assert.equal((await api(`${files}/stats?path=${at}`)).status, 422, path);
      assert.equal((await api(`${files}?path=${at}`, { method: 'DELETE' })).status, 422, path);
      assert.equal((await api(`${files}?from=/readme.md&to=${at}`, { method: 'PUT' })).status, 422, path);
      assert.equal((await api(`${files}?from=${at}&to=/stolen`, { method: 'PUT' })).status, 422, path);
    }
    assert.deepEqual(await json(await api(`${files}/search`)), ['/readme.md', '/sql/trips.sql']);
    assert.equal((await upload('/big.bin', 'x'.repeat(65 * 1024))).status, 413);
    assert.equal((await api(`${files}/stats?path=/big.bin`)).status, 404);

    assert.equal((await api(`${files}?path=/sql`, { method: 'DELETE' })).status, 204);
    assert.equal((await api(`${files}?path=/readme.md`, { method: 'DELETE' })).status, 204);
    assert.deepEqual(await json(await api(`${files}/directory?path=/`)), []);
    assert.equal((await api(`${files}?path=/readme.md`, { method: 'DELETE' })).status, 404);
    assert.equal((await fetch(`${server.url}/api/v1${files}/directory?path=/`)).status, 401);
  });

  it("shows a Schedule trigger's cron, zone and next date, and pauses and unpauses it", async () => {
    const search = async () => json<{ results: TriggerState[]; total: number }>(await api(`/triggers/search?namespace=${namespace}&flowId=nightly`));
    const before = await search();
    assert.equal(before.total, 1);
    const [trigger] = before.results;
    assert.deepEqual(trigger.abstractTrigger, {
      id: 'every_night',
      type: 'io.kestra.plugin.core.trigger.Schedule',
      disabled: false,
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
    });
    assert.equal(trigger.triggerContext.disabled, false);
    const next = new Date(trigger.triggerContext.nextExecutionDate ?? '');
    assert.equal(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(next), '02:00');

    const set = (disabled: boolean) =>
      api('/triggers', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ namespace, flowId: 'nightly', triggerId: 'every_night', disabled }),
      });
    assert.equal((await json<{ disabled: boolean }>(await set(true))).disabled, true);
    const schedule = await fixture.client.schedule.getHandle(`${namespace}.nightly.every_night`).describe();
    assert.equal(schedule.state.paused, true);
    const paused = (await search()).results[0].triggerContext;
    assert.equal(paused.disabled, true);
    assert.equal(paused.nextExecutionDate, undefined);
    assert.equal((await json<{ disabled: boolean }>(await set(false))).disabled, false);
    assert.equal((await fixture.client.schedule.getHandle(`${namespace}.nightly.every_night`).describe()).state.paused, false);

    const unknown = await api('/triggers', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ namespace, flowId: 'nightly', triggerId: 'nope', disabled: true }),
    });
    assert.match(await message(unknown, 404), /has no Schedule trigger 'nope'/);
  });

  it('describes every new route in the OpenAPI document', async () => {
    const document = await json<{ paths: Record<string, Record<string, unknown>> }>(await api('/openapi.json'));
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    for (const expected of [
      'GET /api/v1/flows/{namespace}/{id}/graph',
      'GET /api/v1/flows/{namespace}/{id}/revisions',
      'GET /api/v1/executions/{executionId}/file',
      'GET /api/v1/executions/{executionId}/file/metas',
      'GET /api/v1/executions/{executionId}/file/preview',
      'GET /api/v1/namespaces/{namespace}/files/directory',
      'GET /api/v1/namespaces/{namespace}/files/stats',
      'GET /api/v1/namespaces/{namespace}/files',
      'POST /api/v1/namespaces/{namespace}/files',
      'PUT /api/v1/namespaces/{namespace}/files',
      'DELETE /api/v1/namespaces/{namespace}/files',
      'GET /api/v1/triggers/search',
    ]) {
      assert.ok(operations.includes(expected), `${expected} in ${operations.join(', ')}`);
    }
  });
});
