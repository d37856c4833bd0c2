/**
 * A ForEach over 20,000 values whose body is an activity (a KV Set into Postgres), 100 at a time, on
 * the real dev server and database: it ends SUCCESS with every key written, and its 20,001 task
 * runs are readable a page at a time over the REST API and `tflow executions get --page`.
 * No timing is asserted (bench/activity-loop.ts measures it).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import { executionResult, startExecution } from '../../src/client/executions';
import { kvStoreFor } from '../../src/kv/kv-store';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { startApiFixture, type ApiFixture } from '../helpers/api-fixture';

/** TFLOW_TEST_LOOP_SIZE runs it smaller while working on it; the suite runs 20,000. */
const COUNT = Number(process.env.TFLOW_TEST_LOOP_SIZE ?? 20_000);

interface ExecutionJson {
  state: { current: string };
  taskRunList: TaskRunJson[];
  taskRunListTruncated?: unknown;
}

interface PagedTaskRuns {
  results: TaskRunJson[];
  total: number;
}

interface TaskRunJson {
  taskId: string;
  value?: string;
  parentTaskRunId?: string;
  state: { current: string };
}

describe('a 20,000-activity ForEach on a real Temporal dev server and Postgres', { timeout: 1_800_000 }, () => {
  const kvNamespace = `tflow.tests.loop${randomBytes(3).toString('hex')}`;
  let fixture: ApiFixture;
  before(async () => (fixture = await startApiFixture()));
  after(async () => {
    if (fixture) {
      const db = new Pool({ connectionString: fixture.config.databaseUrl, max: 1 });
      await db.query('DELETE FROM tflow.kv_entries WHERE namespace = $1', [kvNamespace]).finally(() => db.end());
    }
    await fixture?.close();
  });

  it('ends SUCCESS with every key written; its task runs page over the API and the CLI', async () => {
    const spec = flow(`
id: kv_loop
namespace: tflow.tests.loop
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, ${COUNT}) }}"
    concurrencyLimit: 100
    tasks:
      - id: put
        type: io.kestra.plugin.core.kv.Set
        namespace: ${kvNamespace}
        key: "k{{ taskrun.value }}"
        value: "{{ taskrun.value }}"
`);
    const handle = await startExecution(fixture.client, fixture.config, spec);
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual((execution.taskRuns[0].outputs as { iterations: unknown }).iterations, { SUCCESS: COUNT });

    const kv = kvStoreFor(fixture.config.databaseUrl);
    const keys = await kv.keys(kvNamespace);
    assert.equal(keys.length, COUNT);
    // `taskrun.value` is text: the KV value is too.
    assert.equal((await kv.get(kvNamespace, `k${COUNT}`))?.value, String(COUNT));

    // The execution's JSON says its task runs are more than it embeds, and where to page through them.
    const page = (number: number, size: number) => fixture.getJson<PagedTaskRuns>(`/executions/${execution.id}/taskruns?page=${number}&size=${size}`);
    const got = await fixture.getJson<ExecutionJson>(`/executions/${execution.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.state.current, 'SUCCESS');
    assert.deepEqual(
      got.body.taskRunList.map((r) => r.taskId),
      ['each'],
    );
    assert.deepEqual(got.body.taskRunListTruncated, {
      embedded: 1,
      total: COUNT + 1,
      pages: `/api/v1/executions/${execution.id}/taskruns?page=1&size=100`,
    });

    // The first page starts with the ForEach, then its iterations; the last holds the last values.
    const first = await page(1, 100);
    assert.equal(first.body.total, COUNT + 1);
    assert.equal(first.body.results.length, 100);
    assert.equal(first.body.results[0].taskId, 'each');
    const iterations = first.body.results.slice(1);
    assert.ok(iterations.every((r) => r.taskId === 'put' && r.state.current === 'SUCCESS' && r.parentTaskRunId === execution.taskRuns[0].id));
    const pages = Math.ceil((COUNT + 1) / 1000);
    const last = await page(pages, 1000);
    assert.equal(last.body.results.length, (COUNT + 1) % 1000 || 1000);
    // Every value once over all pages of 1,000 (the iterations finish in any order within a batch).
    const values = new Set<string>();
    for (let number = 1; number <= pages; number++) {
      const { body } = await page(number, 1000);
      for (const run of body.results) if (run.taskId === 'put') values.add(run.value ?? '');
    }
    assert.equal(values.size, COUNT);
    assert.ok(values.has(String(COUNT)) && values.has('1'));
    assert.equal((await fixture.getJson(`/executions/${execution.id}/taskruns?page=0`)).status, 422);

    // The CLI shows one page and says how to get the next.
    const cli = await runTflow(['executions', 'get', execution.id, '--page', '2', '--size', '50']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`task runs 51–100 of ${COUNT + 1}: --page 3 for the next 50`));
    assert.equal(cli.stdout.match(/^ {2}put \[\d+\] SUCCESS$/gm)?.length, 50);
  });
});
