/**
 * Crash recovery: a worker dies with SIGKILL in the middle of a CopyIn of a
 * 1-million-row file; once another worker starts, the execution finishes SUCCESS and the table
 * holds exactly the file's rows.
 *
 * Why it works: a task without `retry` still gets new attempts when its worker is lost (the
 * heartbeat times out: activity-options.ts), and the interrupted COPY is one statement that
 * Postgres rolls back when the connection dies, so the new attempt starts from an empty slate.
 *
 * The workers are real `tflow worker` processes, so SIGKILL is a real crash: no shutdown code runs.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, executionResult, startExecution } from '../../src/client/executions';
import { loadConfig, type TflowConfig } from '../../src/config';
import { compileFlow } from '../../src/compiler/compile';
import { LocalDirectoryStorage } from '../../src/storage';
import { startDevServer } from '../../src/temporal/dev-server';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { WorkerProcess } from '../helpers/worker-process';
import { generateTaxiFile, TAXI_COLUMNS, type TaxiFile } from '../../src/demo/taxi-data';

const ROWS = 1_000_000;
/** Kill once this many rows went through the COPY: well inside the stream, well before its end. */
const KILL_AFTER_ROWS = 100_000;

const FLOW = (columns: string[]) => `
id: crash_copy_in
namespace: tflow.tests
inputs:
  - id: file
    type: STRING
  - id: url
    type: STRING
tasks:
  - id: create_table
    type: io.kestra.plugin.jdbc.postgresql.Queries
    url: "{{ inputs.url }}"
    username: root
    sql: |
      CREATE TABLE IF NOT EXISTS green_tripdata (
        ${columns.map((c) => `${c} text`).join(',\n        ')}
      );
  - id: copy_in
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    url: "{{ inputs.url }}"
    username: root
    format: CSV
    header: true
    from: "{{ inputs.file }}"
    table: green_tripdata
    columns: [${columns.join(', ')}]
`;

describe('crash recovery: SIGKILL of the worker in the middle of a CopyIn', { timeout: 240_000 }, () => {
  let config: TflowConfig;
  let client: Client;
  let db: TestDatabase;
  let workDir: string;
  let file: TaxiFile;
  let fileUri: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'tflow-crash-'));
    config = { ...loadConfig(), taskQueue: `test-crash-${Math.random().toString(16).slice(2, 10)}`, storage: join(workDir, 'storage') };
    await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (line) => console.error(line) });
    client = await connectClient(config);
    db = await createTestDatabase('tflow_crash');
    file = await generateTaxiFile({ taxi: 'green', year: 2019, month: 3, rows: ROWS, dir: join(workDir, 'data'), gzip: false });
    // A namespace file: what any execution of the namespace may read.
    fileUri = `kestra:///tflow/tests/_files/${file.csvName}`;
    await new LocalDirectoryStorage(config.storage).put(fileUri, createReadStream(file.path));
  });
  after(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await client?.connection.close();
    await db?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  /** A real `tflow worker` process on this test's task queue and storage. */
  const startWorkerProcess = (): ChildProcess => {
    const worker = new WorkerProcess({ TFLOW_TASK_QUEUE: config.taskQueue, TFLOW_STORAGE: config.storage });
    workers.push(worker);
    return worker.child;
  };

  /** Rows the running COPY has read so far in the test database (undefined when none runs). */
  const copyProgress = async (): Promise<number | undefined> => {
    const rows = await db.query<{ n: string }>('SELECT tuples_processed::text AS n FROM pg_stat_progress_copy WHERE datname = current_database()');
    return rows[0] ? Number(rows[0].n) : undefined;
  };
  const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM green_tripdata'))[0].n;

  it("finishes SUCCESS after a new worker starts, with exactly the file's rows", async () => {
    const compiled = compileFlow(FLOW(TAXI_COLUMNS.green));
    assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
    const first = startWorkerProcess();
    const handle = await startExecution(client, config, compiled.spec, { inputs: { file: fileUri, url: db.jdbcUrl } });

    // Wait until rows are flowing, then crash the worker: no shutdown code, no goodbye to Temporal.
    const deadline = Date.now() + 90_000;
    let progress: number | undefined;
    while (((progress = await copyProgress()) ?? 0) < KILL_AFTER_ROWS) {
      assert.ok(Date.now() < deadline, 'the COPY never got going');
      assert.equal(first.exitCode, null, 'the worker process exited by itself (see its stderr above)');
      if ((await handle.describe()).status.name !== 'RUNNING') {
        const ended = await executionResult(handle).catch((error: unknown) => error);
        assert.fail(`the execution ended before the COPY got going: ${JSON.stringify(ended)}`);
      }
      await delay(50);
    }
    first.kill('SIGKILL');
    const killedAt = progress ?? 0;
    assert.ok(killedAt < ROWS, `the COPY had already read ${killedAt} rows`);

    // Postgres notices the closed connection and rolls the COPY back: nothing of it stays.
    while ((await copyProgress()) !== undefined) await delay(100);
    assert.equal(await count(), 0, 'the interrupted COPY left rows behind');

    // A new worker picks the task up once Temporal declares the old one lost (heartbeat timeout).
    const second = startWorkerProcess();
    const exited = new Promise<never>((_, reject) => second.once('exit', (code) => reject(new Error(`the second worker exited with ${code}`))));
    const execution = await Promise.race([executionResult(handle), exited]);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const copyIn = execution.taskRuns.find((r) => r.taskId === 'copy_in');
    assert.deepEqual(copyIn?.outputs, { rowCount: ROWS });
    assert.equal(copyIn?.attempts, 2, 'one attempt lost with the worker, one that finished');
    assert.equal(await count(), ROWS);
    console.error(`killed after ${killedAt} of ${ROWS} rows; recovered with exactly ${ROWS} rows`);
  });
});
