/**
 * What a user sees when data or settings are wrong: a bad CSV row, a missing column, a wrong
 * PostgreSQL password, a missing file. Each fails its task with a message naming the task and the
 * row, column, setting or file, after the attempts the flow asked for (one without `retry`), and
 * the final table keeps exactly the rows it had.
 *
 * The course's taxi flow runs unmodified for the data cases (bad files served in place of the
 * month); small flows shaped like it (truncate staging, COPY, merge into the final table) cover the
 * rest. The wrong password needs a server that checks passwords: the machine's Postgres trusts
 * everyone, so this file starts an embedded Postgres with scram-sha-256 on a spare port.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { generateTaxiFile, startTaxiDataServer, taxiFileName, writeWgetShim, type TaxiDataServer } from '../../src/demo/taxi-data';
import { compileFlowFile } from '../../src/compiler/compile';
import type { FlowSpec } from '../../src/workflow/flow/spec';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { EmbeddedPostgres } from '../../src/postgres/embedded';
import { flow } from '../helpers/fake-port';
import { PROJECT_ROOT } from '../helpers/paths';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { runToEnd, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const taskRun = (execution: Execution, taskId: string) => execution.taskRuns.find((r) => r.taskId === taskId);
const ranTasks = (execution: Execution) => execution.taskRuns.map((r) => r.taskId);

describe('Data errors name the task and the row, column, setting or file, and leave the final table untouched', { timeout: 300_000 }, () => {
  let workDir: string;
  let server: TaxiDataServer;
  let db: TestDatabase;
  let fixture: TemporalFixture;
  let courseFlow: FlowSpec;
  let goodRows: number;
  const greenCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.green_tripdata'))[0].n;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'tflow-data-errors-'));
    const dataDir = join(workDir, 'data');
    goodRows = (await generateTaxiFile({ taxi: 'green', year: 2019, month: 1, rows: 300, duplicateShare: 0, dir: dataDir })).rows;
    // 2019-02: data row 16 (line 17 of the file, after the header) has "x" as its pickup time.
    await writeBrokenMonth(dataDir, 2, (lines) => {
      const fields = lines[16].split(',');
      fields[1] = 'x';
      lines[16] = fields.join(',');
    });
    // 2019-03: the last column (congestion_surcharge) is missing from the header and every row.
    await writeBrokenMonth(dataDir, 3, (lines) => lines.forEach((line, i) => (lines[i] = line.slice(0, line.lastIndexOf(',')))));
    server = await startTaxiDataServer(dataDir);
    const shimDir = join(workDir, 'bin');
    await writeWgetShim(shimDir, server.baseUrl);
    db = await createTestDatabase('tflow_data_errors');
    process.env.PATH = `${shimDir}:${process.env.PATH}`;
    process.env.TFLOW_STORAGE = join(workDir, 'storage');
    process.env.TFLOW_JDBC_URL_ALIASES = JSON.stringify({ 'jdbc:postgresql://pgdatabase:5432/ny_taxi': db.jdbcUrl });
    const compiled = compileFlowFile(join(PROJECT_ROOT, 'flows', '02_postgres_taxi.yaml'));
    assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
    courseFlow = compiled.spec;
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await server?.close();
    await db?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  /** Generates a green month without gzip, lets `breakIt` edit its lines, then gzips it where the server looks. */
  async function writeBrokenMonth(dataDir: string, month: number, breakIt: (lines: string[]) => void): Promise<void> {
    const plainDir = join(workDir, 'plain');
    const plain = await generateTaxiFile({ taxi: 'green', year: 2019, month, rows: 100, dir: plainDir, gzip: false });
    const lines = (await readFile(plain.path, 'utf8')).trimEnd().split('\n');
    breakIt(lines);
    await writeFile(join(dataDir, 'green', `${taxiFileName('green', 2019, month)}.gz`), gzipSync(`${lines.join('\n')}\n`));
  }

  describe("the course's taxi flow, unmodified", () => {
    before(async () => {
      const loaded = await runToEnd(fixture, courseFlow, { inputs: { taxi: 'green', year: '2019', month: '01' } });
      assert.equal(loaded.state, 'SUCCESS', loaded.error);
      assert.equal(await greenCount(), goodRows);
    });

    it('a bad CSV row: the COPY fails naming the task, the line Postgres reports and the value', async () => {
      const execution = await runToEnd(fixture, courseFlow, { inputs: { taxi: 'green', year: '2019', month: '02' } });
      assert.equal(execution.state, 'FAILED');
      const copy = taskRun(execution, 'green_copy_in_to_staging_table');
      assert.equal(copy?.state, 'FAILED');
      assert.equal(copy?.attempts, 1, 'no retry declared: one attempt');
      assert.match(
        execution.error ?? '',
        /^Task green_copy_in_to_staging_table failed: COPY into public\.green_tripdata_staging failed: invalid input syntax for type timestamp: "x"; where: COPY green_tripdata_staging, line 17, column lpep_pickup_datetime: "x"\n/,
      );
      assert.ok(!ranTasks(execution).includes('green_merge_data'), 'nothing runs after the failed COPY');
      assert.equal(await greenCount(), goodRows, 'the final table is untouched');
    });

    it('a file missing a column: the COPY fails naming the task, the column and the line', async () => {
      const execution = await runToEnd(fixture, courseFlow, { inputs: { taxi: 'green', year: '2019', month: '03' } });
      assert.equal(execution.state, 'FAILED');
      assert.equal(taskRun(execution, 'green_copy_in_to_staging_table')?.attempts, 1);
      assert.match(
        execution.error ?? '',
        /^Task green_copy_in_to_staging_table failed: COPY into public\.green_tripdata_staging failed: missing data for column "congestion_surcharge"; where: COPY green_tripdata_staging, line 2: "/,
      );
      assert.equal(await greenCount(), goodRows, 'the final table is untouched');
    });
  });

  describe('a pipeline shaped like the course flow (truncate staging, COPY, merge)', () => {
    before(async () => {
      await db.query('CREATE TABLE trips_final (id int PRIMARY KEY, note text)');
      await db.query('CREATE TABLE trips_staging (id int, note text)');
      await db.query("INSERT INTO trips_final VALUES (1, 'kept'), (2, 'kept'), (3, 'kept')");
    });
    const finalCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM trips_final'))[0].n;

    /** extract → truncate → copy → merge, with the connection in pluginDefaults as the course writes it. */
    const pipeline = (id: string, parts: { from?: string; columns?: string; merge?: string; mergeRetry?: string }) =>
      flow(`
id: ${id}
namespace: tests.data_errors
tasks:
  - id: extract
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["trips.csv"]
    commands:
      - printf 'id,note\\n10,new\\n11,new\\n' > trips.csv
  - id: truncate
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: TRUNCATE trips_staging
  - id: copy
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    format: CSV
    header: true
    from: "${parts.from ?? "{{ outputs.extract.outputFiles['trips.csv'] }}"}"
    table: trips_staging
    columns: ${parts.columns ?? '[id, note]'}
  - id: merge
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: ${parts.merge ?? 'INSERT INTO trips_final SELECT id, note FROM trips_staging ON CONFLICT DO NOTHING'}
${parts.mergeRetry ?? ''}
pluginDefaults:
  - type: io.kestra.plugin.jdbc.postgresql
    values:
      url: ${db.jdbcUrl}
      username: root
      password: root
`);

    it('a missing file URI: CopyIn fails naming the task and the URI', async () => {
      // A namespace file (readable by the execution) that does not exist.
      const missing = 'kestra:///tests/data_errors/_files/nope.csv';
      const execution = await runToEnd(fixture, pipeline('missing_file', { from: missing }));
      assert.equal(execution.state, 'FAILED');
      assert.equal(execution.error, `Task copy failed: File not found in internal storage: ${missing}`);
      assert.equal(taskRun(execution, 'copy')?.attempts, 1);
      assert.ok(!ranTasks(execution).includes('merge'));
      assert.equal(await finalCount(), 3, 'the final table is untouched');
    });

    it('a COPY naming a column the table lacks: fails naming the task and the column', async () => {
      const execution = await runToEnd(fixture, pipeline('copy_missing_column', { columns: '[id, remark]' }));
      assert.equal(execution.state, 'FAILED');
      assert.match(
        execution.error ?? '',
        /^Task copy failed: COPY into trips_staging failed: column "remark" of relation "trips_staging" does not exist\nSQL: COPY trips_staging \(id, remark\) FROM STDIN/,
      );
      assert.equal(await finalCount(), 3, 'the final table is untouched');
    });

    it('a merge naming a missing column fails once (no retry declared) and commits nothing', async () => {
      const execution = await runToEnd(
        fixture,
        pipeline('merge_missing_column', { merge: 'INSERT INTO trips_final SELECT id, remark FROM trips_staging' }),
      );
      assert.equal(execution.state, 'FAILED');
      assert.equal(taskRun(execution, 'copy')?.state, 'SUCCESS');
      assert.equal(taskRun(execution, 'merge')?.attempts, 1, 'a failing task without retry runs once');
      assert.match(execution.error ?? '', /^Task merge failed: SQL statement failed: column "remark" does not exist/);
      assert.equal(await finalCount(), 3, 'the final table is untouched');
    });

    it('a failing task with a retry stops after maxAttempts, then fails', async () => {
      const retry = `    retry:
      type: constant
      interval: PT0.2S
      maxAttempts: 3`;
      const execution = await runToEnd(
        fixture,
        pipeline('merge_retried', { merge: 'INSERT INTO trips_final SELECT id, remark FROM trips_staging', mergeRetry: retry }),
      );
      assert.equal(execution.state, 'FAILED');
      const merge = taskRun(execution, 'merge');
      assert.equal(merge?.state, 'FAILED');
      assert.equal(merge?.attempts, 3);
      assert.equal(await finalCount(), 3, 'the final table is untouched');
    });

    it('the same pipeline with correct data loads its rows (the failures above were the data)', async () => {
      const execution = await runToEnd(fixture, pipeline('good_pipeline', {}));
      assert.equal(execution.state, 'SUCCESS', execution.error);
      assert.equal(await finalCount(), 5);
      await db.query('DELETE FROM trips_final WHERE id >= 10');
    });
  });

  describe('a wrong password, on a Postgres that checks passwords', () => {
    const superuser = 'root';
    const loader = 'tflow_loader';
    const rightPassword = 'right-Password-17';
    const wrongPassword = 'wrong-Password-41';
    let pg: EmbeddedPostgres;
    let pgRoot: string;
    let admin: Client;
    let url: string;
    const finalCount = async () => (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM trips_final')).rows[0].n;

    before(async () => {
      pgRoot = await mkdtemp(join(tmpdir(), 'tflow-pg-password-'));
      // As root the server runs as the `postgres` user, which must pass through this folder.
      await chmod(pgRoot, 0o755);
      const port = await sparePort();
      pg = new EmbeddedPostgres({ dataDir: join(pgRoot, 'data'), port, superuser });
      await pg.start();
      admin = new Client({ host: '127.0.0.1', port, user: superuser, database: 'postgres' });
      await admin.connect();
      await admin.query(`CREATE ROLE ${loader} LOGIN PASSWORD '${rightPassword}'`);
      await admin.query('CREATE TABLE trips_final (id int PRIMARY KEY, note text)');
      await admin.query("INSERT INTO trips_final VALUES (1, 'kept'), (2, 'kept')");
      await admin.query(`GRANT ALL ON trips_final TO ${loader}`);
      // Passwords for everyone but the superuser (which the test itself uses).
      await writeFile(join(pg.dataDir, 'pg_hba.conf'), `host all ${superuser} 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n`);
      await admin.query('SELECT pg_reload_conf()');
      await waitUntilPasswordsAreChecked(port);
      url = `jdbc:postgresql://127.0.0.1:${port}/postgres`;
    });
    after(async () => {
      await admin?.end().catch(() => undefined);
      pg?.stop();
      if (pg) await rm(pg.dataDir, { recursive: true, force: true });
      if (pgRoot) await rm(pgRoot, { recursive: true, force: true });
    });

    async function waitUntilPasswordsAreChecked(port: number): Promise<void> {
      for (let i = 0; i < 50; i++) {
        const probe = new Client({ host: '127.0.0.1', port, user: loader, password: wrongPassword, database: 'postgres' });
        try {
          await probe.connect();
          await probe.end();
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the embedded Postgres still accepts any password after pg_reload_conf()');
    }

    const insertFlow = (id: string, connection: string) =>
      flow(`
id: ${id}
namespace: tests.data_errors
tasks:
  - id: load_trips
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: INSERT INTO trips_final VALUES (10, 'new')
pluginDefaults:
  - type: io.kestra.plugin.jdbc.postgresql
    values:
${connection}
`);

    it('fails once, naming the task, the url and the username, never the password', async () => {
      const execution = await runToEnd(
        fixture,
        insertFlow('wrong_password', `      url: ${url}\n      username: ${loader}\n      password: ${wrongPassword}`),
      );
      assert.equal(execution.state, 'FAILED');
      assert.equal(taskRun(execution, 'load_trips')?.attempts, 1, 'an authentication failure is not retried without retry');
      assert.equal(
        execution.error,
        `Task load_trips failed: Cannot connect to PostgreSQL ${url} as user ${loader}: password authentication failed for user "${loader}"; ` +
          'check the `username` and `password` properties (set on the task or in pluginDefaults for io.kestra.plugin.jdbc.postgresql)',
      );
      assert.doesNotMatch(JSON.stringify(execution), new RegExp(`${wrongPassword}|${rightPassword}`));
      assert.equal(await finalCount(), 2, 'the final table is untouched');
    });

    it('hides a password written inside the url', async () => {
      const inUrl = `jdbc:postgresql://${loader}:${wrongPassword}@127.0.0.1:${url.split(':')[3]}`;
      const execution = await runToEnd(fixture, insertFlow('wrong_password_in_url', `      url: ${inUrl}`));
      assert.equal(execution.state, 'FAILED');
      assert.match(
        execution.error ?? '',
        new RegExp(
          `^Task load_trips failed: Cannot connect to PostgreSQL jdbc:postgresql://${loader}:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/postgres as user ${loader}: password authentication failed`,
        ),
      );
      assert.doesNotMatch(execution.error ?? '', new RegExp(wrongPassword));
      assert.equal(await finalCount(), 2);
    });

    it('says a password is needed when none is set', async () => {
      const execution = await runToEnd(fixture, insertFlow('no_password', `      url: ${url}\n      username: ${loader}`));
      assert.equal(execution.state, 'FAILED');
      assert.match(execution.error ?? '', /as user tflow_loader: the server asks for a password and none is set: add the `password` property/);
      assert.equal(await finalCount(), 2);
    });

    it('loads with the right password (the server was the same)', async () => {
      const execution = await runToEnd(
        fixture,
        insertFlow('right_password', `      url: ${url}\n      username: ${loader}\n      password: ${rightPassword}`),
      );
      assert.equal(execution.state, 'SUCCESS', execution.error);
      assert.equal(await finalCount(), 3);
    });
  });
});

function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
