/**
 * Restart (Kestra's) on the real dev server, worker and Postgres: a flow whose second task fails
 * until the test opens a gate row restarts under the same execution id, and its first task, which
 * inserts a row in Postgres and returns it, does not run again (its row stays the only one and its
 * outputs are the first attempt's). Through `tflow restart` and through the REST API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { executionResult, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startApiFixture, type ApiFixture } from '../helpers/api-fixture';

describe('restart: reruns from the failure under the same execution id', () => {
  let fixture: ApiFixture;
  let db: TestDatabase;

  const gatedFlow = () =>
    flow(`
id: gated_load
namespace: tflow.test.restart
tasks:
  - id: stamp
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: ${db.jdbcUrl}
    username: root
    fetchType: FETCH_ONE
    sql: INSERT INTO stamps (execution_id) VALUES ('{{ execution.id }}') RETURNING id, clock_timestamp()::text AS at
  - id: gated
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: ${db.jdbcUrl}
    username: root
    fetchType: FETCH_ONE
    sql: SELECT 1 / (SELECT count(*) FROM gate WHERE execution_id = '{{ execution.id }}') AS ok
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "stamp {{ outputs.stamp.row.id }} at {{ outputs.stamp.row.at }}, gate {{ outputs.gated.row.ok }}, by {{ trigger.body.who ?? 'nobody' }}"
`);

  /** Runs the flow to its end: FAILED, since its gate is closed. */
  const failedRun = async (trigger?: Record<string, unknown>): Promise<Execution> => {
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, gatedFlow(), trigger ? { trigger } : {}));
    assert.equal(execution.state, 'FAILED');
    assert.match(execution.error ?? '', /gated.*division by zero/s);
    return execution;
  };
  const openGate = (executionId: string) => db.query('INSERT INTO gate (execution_id) VALUES ($1)', [executionId]);
  const stampRows = async (executionId: string) =>
    (await db.query<{ n: string }>('SELECT count(*) AS n FROM stamps WHERE execution_id = $1', [executionId]))[0].n;
  const cliEnv = () => ({ TEMPORAL_ADDRESS: fixture.config.temporalAddress, TFLOW_TASK_QUEUE: fixture.config.taskQueue });

  before(async () => {
    db = await createTestDatabase('tflow_restart');
    await db.query('CREATE TABLE stamps (id serial PRIMARY KEY, execution_id text NOT NULL)');
    await db.query('CREATE TABLE gate (execution_id text NOT NULL)');
    fixture = await startApiFixture();
  });
  after(async () => {
    await fixture?.close();
    await db?.drop();
  });

  it('`tflow restart --wait` reuses the successful task run and reruns the failed one, as often as needed', async () => {
    const failed = await failedRun();
    const stamp = failed.taskRuns.find((r) => r.taskId === 'stamp')!;

    // The gate is still closed: the restart fails again, on the same task.
    const again = await runTflow(['restart', failed.id, '--wait', '--json'], cliEnv());
    assert.equal(again.code, 1, again.stderr);
    const second = JSON.parse(again.stdout) as Execution;
    assert.equal(second.id, failed.id);
    assert.equal(second.state, 'FAILED');
    assert.deepEqual(
      second.taskRuns.map((r) => `${r.taskId}:${r.state}:${r.attempts}`),
      ['stamp:SUCCESS:1', 'gated:FAILED:2'],
    );

    await openGate(failed.id);
    const done = await runTflow(['restart', failed.id, '--wait', '--json'], cliEnv());
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, new RegExp(`Execution ${failed.id.replace(/\./g, '\\.')} restarted \\(attempt 3\\)`));
    const third = JSON.parse(done.stdout) as Execution;
    assert.equal(third.id, failed.id, 'same execution id');
    assert.equal(third.state, 'SUCCESS');
    assert.deepEqual(
      third.taskRuns.map((r) => `${r.taskId}:${r.state}:${r.attempts}`),
      ['stamp:SUCCESS:1', 'gated:SUCCESS:3', 'report:SUCCESS:1'],
    );
    // `stamp` did not run again: one row in Postgres, and the first attempt's outputs.
    assert.equal(await stampRows(failed.id), '1');
    assert.deepEqual(third.taskRuns[0].outputs, stamp.outputs);
    assert.equal(
      third.taskRuns[2].outputs.value,
      `stamp ${(stamp.outputs.row as { id: number }).id} at ${(stamp.outputs.row as { at: string }).at}, gate 1, by nobody`,
    );

    // A SUCCESS execution is not restarted.
    const refused = await runTflow(['restart', failed.id], cliEnv());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ended SUCCESS: only a FAILED or KILLED execution can be restarted/);
  });

  it('POST /api/v1/executions/{id}/restart answers RESTARTED and the execution ends SUCCESS without rerunning the first task', async () => {
    // Started by a webhook: the restart keeps its `trigger` variables.
    const failed = await failedRun({ body: { who: 'a webhook' } });
    await openGate(failed.id);
    const response = await fetch(`${fixture.server.url}/api/v1/executions/${encodeURIComponent(failed.id)}/restart`, { method: 'POST' });
    const body = (await response.json()) as { id: string; state: { current: string }; metadata: { attemptNumber: number } };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.id, failed.id);
    assert.equal(body.state.current, 'RESTARTED');
    assert.equal(body.metadata.attemptNumber, 2);

    const done = await executionResult(fixture.client.workflow.getHandle(failed.id));
    assert.equal(done.state, 'SUCCESS');
    const { body: got } = await fixture.getJson<{
      state: { current: string };
      taskRunList: { taskId: string; state: { current: string }; attempts: { state: { current: string } }[]; outputs: unknown }[];
    }>(`/executions/${encodeURIComponent(failed.id)}`);
    assert.equal(got.state.current, 'SUCCESS');
    assert.deepEqual(
      got.taskRunList.map((r) => `${r.taskId}: ${r.attempts.map((a) => a.state.current).join(' ')}`),
      ['stamp: SUCCESS', 'gated: FAILED SUCCESS', 'report: SUCCESS'],
    );
    assert.deepEqual(got.taskRunList[0].outputs, failed.taskRuns[0].outputs);
    assert.match(String((got.taskRunList[2].outputs as { value: string }).value), /, gate 1, by a webhook$/);
    assert.equal(await stampRows(failed.id), '1');
  });
});
