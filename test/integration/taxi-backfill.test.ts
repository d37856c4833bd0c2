/**
 * The acceptance on the course's scheduled taxi flow (05/02_postgres_taxi_scheduled, its
 * tasks and triggers as the course wrote them; only the namespace is made unique so parallel runs
 * and the shared dev server never collide): deploy it, backfill the green schedule over the first
 * quarter of 2019, and check executions and rows; backfill again (no new rows); and the same with
 * `temporal schedule backfill`. Data comes from generated months served like GitHub's releases.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { runCli, runTflow } from '../helpers/cli';
import { purgeNamespace } from '../helpers/flow-store';
import { FIXTURES } from '../helpers/paths';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { finishedRun, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';
import { generateTaxiFile, startTaxiDataServer, type TaxiDataServer, type TaxiFile, writeWgetShim } from '../../src/demo/taxi-data';

const namespace = `zoomcamp.test${randomBytes(3).toString('hex')}`;
const flowRef = `${namespace}.02_postgres_taxi_scheduled`;
const scheduleId = `${flowRef}.green_schedule`;
const months = ['01', '02', '03'];

describe("backfilling the course's scheduled taxi flow", { timeout: 600_000 }, () => {
  let fixture: TemporalFixture;
  let db: TestDatabase;
  let server: TaxiDataServer;
  let workDir: string;
  const files: TaxiFile[] = [];

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'tflow-taxi-backfill-'));
    const dataDir = join(workDir, 'data');
    for (const [i, rows] of [1_500, 1_200, 900].entries()) {
      files.push(await generateTaxiFile({ taxi: 'green', year: 2019, month: i + 1, rows, dir: dataDir }));
    }
    server = await startTaxiDataServer(dataDir);
    const shimDir = join(workDir, 'bin');
    await writeWgetShim(shimDir, server.baseUrl);
    db = await createTestDatabase('tflow_taxi_backfill');
    process.env.PATH = `${shimDir}:${process.env.PATH}`;
    process.env.TFLOW_STORAGE = join(workDir, 'storage');
    process.env.TFLOW_JDBC_URL_ALIASES = JSON.stringify({ 'jdbc:postgresql://pgdatabase:5432/ny_taxi': db.jdbcUrl });
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await tflow('flows', 'delete', flowRef);
    await purgeNamespace(namespace);
    await fixture?.close();
    await server?.close();
    await db?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  const tflow = (...args: string[]) => runTflow(args, { TFLOW_TASK_QUEUE: fixture.config.taskQueue });
  const temporal = (...args: string[]) => runCli(findTemporalCli()!, [...args, '--address', fixture.config.temporalAddress]);
  const count = async (where = 'true') => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.green_tripdata WHERE ${where}`))[0].n;
  // MERGE keeps a file's duplicate rows too (see taxi-flow.test.ts): the table holds every row of each month once.
  const expectedRows = () => files.reduce((sum, f) => sum + f.rows, 0);
  let previousRunIds: string[] = [];

  /** Waits for the three months' new runs and checks each loaded its own month. */
  async function threeMonths(): Promise<Execution[]> {
    const runs = await Promise.all(
      months.map((m, i) => finishedRun(fixture.client, `${scheduleId}-2019-${m}-01T09:00:00Z`, { notRunId: previousRunIds[i], timeoutMs: 240_000 })),
    );
    previousRunIds = runs.map((r) => r.runId);
    const executions = runs.map((r) => r.execution);
    for (const [i, execution] of executions.entries()) {
      assert.equal(execution.state, 'SUCCESS', execution.error);
      assert.equal(execution.inputs.taxi, 'green');
      assert.equal(execution.labels.file, `green_tripdata_2019-${months[i]}.csv`);
      assert.ok(execution.taskRuns.some((r) => r.taskId === 'green_merge_data' && r.state === 'SUCCESS'));
    }
    await assert.rejects(fixture.client.workflow.getHandle(`${scheduleId}-2019-04-01T09:00:00Z`).describe(), WorkflowNotFoundError);
    return executions;
  }

  it("deploys it: two Schedules with the course's crons in UTC, runs buffered one at a time (concurrency limit 1)", async () => {
    const file = join(workDir, '02_postgres_taxi_scheduled.yaml');
    const source = readFileSync(join(FIXTURES, 'valid', 'zoomcamp_postgres_taxi_scheduled.yaml'), 'utf8');
    writeFileSync(file, source.replace(/^namespace: zoomcamp$/m, `namespace: ${namespace}`));
    const result = await tflow('deploy', file);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`schedule ${escape(scheduleId)}: created \\(cron "0 9 1 \\* \\*", UTC\\)`));
    assert.match(result.stdout, new RegExp(`schedule ${escape(flowRef)}\\.yellow_schedule: created \\(cron "0 10 1 \\* \\*", UTC\\)`));
    const list = await temporal('schedule', 'list', '--long');
    assert.match(list.stdout, new RegExp(`${escape(scheduleId)}.*cron \\\\"0 9 1 \\* \\*\\\\"`));
    assert.match(list.stdout, new RegExp(`${escape(flowRef)}\\.yellow_schedule.*cron \\\\"0 10 1 \\* \\*\\\\"`));
    assert.equal((await fixture.client.schedule.getHandle(scheduleId).describe()).policies.overlap, 'BUFFER_ALL');
  });

  it('backfills January to March 2019: three executions, each loading its own month; the table holds exactly their rows', async () => {
    const result = await tflow('backfill', flowRef, '--trigger', 'green_schedule', '--start', '2019-01-01', '--end', '2019-04-01');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 runs in \[2019-01-01T00:00:00\.000Z, 2019-04-01T00:00:00\.000Z\), overlap policy BUFFER_ALL/);
    const executions = await threeMonths();
    for (const execution of executions) assert.equal(execution.labels.backfill, 'true');
    assert.equal(await count(), expectedRows());
    for (const [i, f] of files.entries()) assert.equal(await count(`filename = 'green_tripdata_2019-${months[i]}.csv'`), f.rows);
  });

  it('running the same backfill again gives three new executions and adds no row', async () => {
    const result = await tflow('backfill', flowRef, '--trigger', 'green_schedule', '--start', '2019-01-01', '--end', '2019-04-01');
    assert.equal(result.code, 0, result.stderr);
    await threeMonths();
    assert.equal(await count(), expectedRows());
  });

  it('`temporal schedule backfill` of the same schedule gives the same executions and rows', async () => {
    const result = await temporal(
      'schedule',
      'backfill',
      '-s',
      scheduleId,
      '--start-time',
      '2019-01-01T00:00:00Z',
      '--end-time',
      '2019-03-31T23:59:59Z',
      '--overlap-policy',
      'BufferAll',
    );
    assert.equal(result.code, 0, result.stderr);
    await threeMonths();
    assert.equal(await count(), expectedRows());
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
