/**
 * tflow as it runs in production (docs/production.md), on this machine: the Temporal server on
 * PostgreSQL (persistence and visibility), internal storage in an S3-compatible bucket (gofakes3),
 * the API alone (`tflow server --no-worker`) and two `tflow worker` processes, each in a folder of
 * its own. The course's taxi flow is deployed and run through the API, and survives both failures
 * of a production day:
 *
 * - the worker running the COPY into the staging table is SIGKILLed mid-COPY: Postgres rolls the
 *   COPY back, Temporal notices the lost worker (heartbeat timeout) and the other worker runs it
 *   again from the file in the bucket;
 * - the Temporal server is restarted while the other worker is in the middle of the MERGE: the
 *   worker and the API reconnect, and the execution goes on from where Temporal had it.
 *
 * At the end: SUCCESS, exactly the month's rows in the table, two attempts of the COPY, no file on
 * any worker's disk and none left in the bucket. The workers tell their connections apart by
 * ApplicationName (each worker's TFLOW_JDBC_URL_ALIASES), so pg_stat_activity says which one runs
 * what.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { generateTaxiFile, startTaxiDataServer, writeWgetShim, type TaxiDataServer } from '../../src/demo/taxi-data';
import type { KestraExecution } from '../../src/server/execution-json';
import { GOFAKES3, s3Keys, startGoTestServer, type RunningTestServer } from '../helpers/go-test-servers';
import { PROJECT_ROOT } from '../helpers/paths';
import { createTestDatabase, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, type TestDatabase } from '../helpers/postgres';
import { ServerProcess } from '../helpers/server-process';
import { TEMPORAL_NAMESPACE, TemporalServer } from '../helpers/temporal-server';
import { WorkerProcess } from '../helpers/worker-process';

/** Enough rows for the COPY to be caught and killed in flight (a few seconds of COPY here). */
const ROWS = 250_000;
const BUCKET = 'tflow-topology';
const CREDENTIALS = 'operator:topology-test';
const FLOW_FILE = join(PROJECT_ROOT, 'flows', '02_postgres_taxi.yaml');

describe('production topology: Temporal on PostgreSQL, S3 storage, the API and two workers', { timeout: 600_000 }, () => {
  let temporal: TemporalServer;
  let s3: RunningTestServer;
  let taxiData: TaxiDataServer;
  let taxiDb: TestDatabase;
  let flowStoreDb: TestDatabase;
  let api: ServerProcess;
  let workDir: string;
  const workers = new Map<string, { worker: WorkerProcess; folder: string }>();

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'tflow-topology-'));
    [temporal, s3, taxiDb, flowStoreDb] = await Promise.all([
      TemporalServer.start(),
      startGoTestServer(GOFAKES3),
      createTestDatabase('tflow_topology_taxi'),
      createTestDatabase('tflow_topology_flows'),
      // No repeated rows: the MERGE keeps every one, so the table must end with exactly ROWS.
      generateTaxiFile({ taxi: 'green', year: 2019, month: 1, rows: ROWS, duplicateShare: 0, dir: join(workDir, 'data') }),
    ]);
    taxiData = await startTaxiDataServer(join(workDir, 'data'));
    const shimDir = join(workDir, 'bin');
    await writeWgetShim(shimDir, taxiData.baseUrl);

    // What docker-compose.production.yml gives the API and every worker.
    const shared: NodeJS.ProcessEnv = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE,
      TFLOW_TASK_QUEUE: `topology-${randomBytes(4).toString('hex')}`,
      TFLOW_DATABASE_URL: `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${flowStoreDb.name}`,
      TFLOW_STORAGE: `s3://${BUCKET}/internal-storage`,
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'topology',
      AWS_SECRET_ACCESS_KEY: 'topology-secret',
      TFLOW_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    const folder = async (name: string) => {
      const path = join(workDir, name);
      await mkdir(join(path, 'tmp'), { recursive: true });
      return path;
    };
    const apiFolder = await folder('api');
    api = await ServerProcess.start({
      args: ['server', '--no-worker'],
      env: { ...shared, TFLOW_STATE_DIR: join(apiFolder, 'state'), TFLOW_BASIC_AUTH: CREDENTIALS, TFLOW_API_HOST: '127.0.0.1' },
    });
    await Promise.all(
      ['worker-a', 'worker-b'].map(async (name) => {
        const cwd = await folder(name);
        const worker = new WorkerProcess(
          {
            ...shared,
            TFLOW_STATE_DIR: join(cwd, 'state'),
            // A task's working directories go under the worker's TMPDIR: inside its folder, to be checked at the end.
            TMPDIR: join(cwd, 'tmp'),
            PATH: `${shimDir}:${process.env.PATH}`,
            TFLOW_JDBC_URL_ALIASES: JSON.stringify({ 'jdbc:postgresql://pgdatabase:5432/ny_taxi': `${taxiDb.jdbcUrl}?ApplicationName=${name}` }),
          },
          { cwd },
        );
        workers.set(name, { worker, folder: cwd });
        await worker.polling();
      }),
    );
  });

  after(async () => {
    for (const { worker } of workers.values()) await worker.stop('SIGKILL');
    await api?.stop();
    await temporal?.close();
    await s3?.stop();
    await taxiData?.close();
    await taxiDb?.drop();
    await flowStoreDb?.drop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const call = async (path: string, init: RequestInit = {}): Promise<unknown> => {
    const response = await fetch(`${api.url}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Basic ${Buffer.from(CREDENTIALS).toString('base64')}`, ...(init.headers as Record<string, string>) },
    });
    const body = await response.text();
    assert.ok(response.ok, `${init.method ?? 'GET'} ${path}: ${response.status} ${body}`);
    return JSON.parse(body);
  };
  const execution = (id: string) => call(`/executions/${encodeURIComponent(id)}`) as Promise<KestraExecution>;
  const assertStillRunning = async (id: string, what: string) => {
    const current = await execution(id);
    assert.equal(current.state.current, 'RUNNING', `the execution ended before ${what}: ${JSON.stringify(current)}`);
  };
  /** Which worker runs the staging COPY right now, and how far it is (none: undefined). */
  const copyInFlight = async () => {
    const rows = await taxiDb.query<{ worker: string; n: string }>(
      `SELECT a.application_name AS worker, p.tuples_processed::text AS n
         FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid) WHERE p.datname = current_database()`,
    );
    return rows[0] ? { worker: rows[0].worker, rows: Number(rows[0].n) } : undefined;
  };
  const count = async (table: string) => (await taxiDb.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  /** Every file under `dir`, recursively (folders that stay empty are not files). */
  const filesUnder = async (dir: string): Promise<string[]> =>
    (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((entry) => !entry.isDirectory())
      .map((entry) => join(entry.parentPath, entry.name));

  it('runs the taxi flow to SUCCESS through a worker killed mid-COPY and a Temporal restart mid-MERGE, leaving no file behind', async () => {
    await call('/flows', { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: await readFile(FLOW_FILE, 'utf8') });
    const inputs = new FormData();
    for (const [key, value] of Object.entries({ taxi: 'green', year: '2019', month: '01' })) inputs.append(key, value);
    const { id } = (await call('/executions/zoomcamp/02_postgres_taxi', { method: 'POST', body: inputs })) as KestraExecution;

    // 1. Whichever worker runs the COPY dies with SIGKILL once rows are flowing.
    let deadline = Date.now() + 120_000;
    let copy: { worker: string; rows: number } | undefined;
    while (!(copy = await copyInFlight()) || copy.rows === 0) {
      assert.ok(Date.now() < deadline, 'the COPY never got going');
      if (!copy) await assertStillRunning(id, 'the COPY was caught in flight');
      await delay(50);
    }
    const copier = workers.get(copy.worker);
    assert.ok(copier, `the COPY runs on a connection named ${copy.worker}`);
    await copier.worker.stop('SIGKILL');
    const killedAt = copy.rows;
    const survivorName = [...workers.keys()].find((name) => name !== copy.worker) as string;
    assert.ok(killedAt < ROWS, `the COPY had read all ${killedAt} rows before the kill`);
    // Postgres notices the closed connection and rolls the COPY back.
    while ((await copyInFlight())?.worker === copy.worker) await delay(100);
    assert.equal(await count('public.green_tripdata_staging'), 0, 'the interrupted COPY left rows behind');

    // 2. The survivor takes the COPY over (after Temporal's heartbeat timeout) and goes on to the
    // MERGE, which waits on a lock this test holds on the final table: the flow is parked mid-way,
    // with a task running on the worker, while the Temporal server restarts.
    const lock = new Client({ host: POSTGRES_HOST, port: POSTGRES_PORT, user: POSTGRES_USER, database: taxiDb.name });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE public.green_tripdata IN EXCLUSIVE MODE');
      deadline = Date.now() + 120_000;
      while (!(await mergeWaitingOnLock(taxiDb, survivorName))) {
        assert.ok(Date.now() < deadline, 'the MERGE never started on the surviving worker');
        await assertStillRunning(id, 'the MERGE started');
        await delay(200);
      }
      const restartedAt = Date.now();
      await temporal.restart();
      console.error(`Temporal server restarted in ${Math.round((Date.now() - restartedAt) / 1000)} s`);
      await assertStillRunning(id, 'the Temporal server came back');
      await lock.query('COMMIT');

      // 3. The execution finishes on the survivor.
      let final: KestraExecution;
      while (['CREATED', 'RUNNING'].includes((final = await execution(id)).state.current)) await delay(500);
      assert.equal(final.state.current, 'SUCCESS', JSON.stringify(final));
      assert.ok(workers.get(survivorName)?.worker.running, 'the surviving worker is still running');
      const copyRun = final.taskRunList.find((run) => run.taskId === 'green_copy_in_to_staging_table');
      assert.equal(copyRun?.attempts.length, 2, 'one COPY attempt lost with its worker, one that finished');
      assert.deepEqual(copyRun?.outputs, { rowCount: ROWS });
      const merge = final.taskRunList.find((run) => run.taskId === 'green_merge_data');
      assert.ok(Date.parse(merge?.state.endDate ?? '') > restartedAt, 'the MERGE ended after the restart');
      assert.equal(await count('public.green_tripdata'), ROWS);
      console.error(`COPY killed after ${killedAt} of ${ROWS} rows on ${copy.worker}; ${survivorName} finished with exactly ${ROWS} rows`);
    } finally {
      await lock.end();
    }

    // 4. Nothing left behind: not on any worker's disk, not in the bucket (purge_files).
    for (const [name, { folder }] of workers) assert.deepEqual(await filesUnder(folder), [], `files left in ${name}'s folder`);
    assert.deepEqual(await s3Keys(s3, BUCKET, 'internal-storage/'), []);
  });
});

/** True when the survivor's MERGE into the final table is waiting for the lock the test holds. */
async function mergeWaitingOnLock(db: TestDatabase, worker: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = $1 AND wait_event_type = 'Lock' AND query LIKE '%MERGE INTO public.green_tripdata %'`,
    [worker],
  );
  return rows.length > 0;
}
