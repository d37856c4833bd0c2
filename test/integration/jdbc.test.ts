import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runToEnd, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('PostgreSQL tasks (Queries, Query, CopyIn, CopyOut) on the real Postgres', { timeout: 240_000 }, () => {
  let fixture: TemporalFixture;
  let db: TestDatabase;
  let tempStorage: TemporaryStorage;
  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-jdbc-storage-');
    // docker-compose's host name, resolved by the worker's configuration.
    process.env.TFLOW_HOST_ALIASES = 'pgdatabase=127.0.0.1';
    db = await createTestDatabase('tflow_jdbc');
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await db?.drop();
    await tempStorage?.remove();
  });

  /** A flow with the connection in pluginDefaults, as the course writes it. */
  const withConnection = (yaml: string, url = db.jdbcUrl) =>
    flow(`${yaml}
pluginDefaults:
  - type: io.kestra.plugin.jdbc.postgresql
    values:
      url: ${url}
      username: root
      password: root
`);
  const outputsOf = (execution: Execution, taskId: string) => execution.taskRuns.find((r) => r.taskId === taskId)?.outputs ?? {};
  const errorOf = (execution: Execution, taskId: string) => execution.taskRuns.find((r) => r.taskId === taskId)?.error ?? '';

  it('runs several statements in one transaction and fetches as fetchType says', async () => {
    const execution = await runToEnd(
      fixture,
      withConnection(`
id: queries
namespace: tests.jdbc
tasks:
  - id: setup
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: |
      CREATE TABLE trips (id int, vendor text, pickup timestamp, fare double precision, note text);
      -- a comment; with a semicolon
      INSERT INTO trips VALUES (1, '1', '2019-01-01 00:46:40', 7, 'a;b'), (2, NULL, '2019-01-02 10:00:00', 4.5, 'it''s');
      CREATE FUNCTION twice(x int) RETURNS int AS $$ BEGIN RETURN 2 * x; END; $$ LANGUAGE plpgsql;
  - id: fetch
    type: io.kestra.plugin.jdbc.postgresql.Queries
    fetchType: FETCH
    sql: SELECT id, vendor, pickup, fare, note FROM trips ORDER BY id; SELECT twice(21) AS answer
  - id: fetch_one
    type: io.kestra.plugin.jdbc.postgresql.Query
    fetchType: FETCH_ONE
    parameters:
      wanted: 2
    sql: SELECT id, note, fare::numeric AS fare FROM trips WHERE id = :wanted
  - id: store
    type: io.kestra.plugin.jdbc.postgresql.Query
    fetchType: STORE
    sql: SELECT id, vendor FROM trips ORDER BY id
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(outputsOf(execution, 'setup'), { outputs: [] });
    assert.deepEqual(outputsOf(execution, 'fetch'), {
      outputs: [
        {
          rows: [
            { id: 1, vendor: '1', pickup: '2019-01-01T00:46:40', fare: 7, note: 'a;b' },
            { id: 2, vendor: null, pickup: '2019-01-02T10:00:00', fare: 4.5, note: "it's" },
          ],
          size: 2,
        },
        { rows: [{ answer: 42 }], size: 1 },
      ],
    });
    assert.deepEqual(outputsOf(execution, 'fetch_one'), { row: { id: 2, note: "it's", fare: 4.5 } });
    const stored = outputsOf(execution, 'store') as { uri: string; size: number };
    assert.equal(stored.size, 2);
    assert.match(stored.uri, /^kestra:\/\/\/tests\/jdbc\/queries\/executions\/.+\/tasks\/store\/.+\/store\.ion$/);
    assert.equal(await readFile(tempStorage.storage.pathOf(stored.uri), 'utf8'), '{id:1,vendor:"1"}\n{id:2,vendor:null}\n');
  });

  it('rolls the whole transaction back when a statement fails, and names that statement', async () => {
    await db.query('CREATE TABLE audit (id int)');
    const execution = await runToEnd(
      fixture,
      withConnection(`
id: failing_queries
namespace: tests.jdbc
tasks:
  - id: broken
    type: io.kestra.plugin.jdbc.postgresql.Queries
    sql: |
      INSERT INTO audit VALUES (1);
      INSERT INTO audit VALUES (2);
      UPDATE missing_table SET x = 1;
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(
      errorOf(execution, 'broken'),
      'Statement 3 of 3 (line 3) failed: relation "missing_table" does not exist\nSQL: UPDATE missing_table SET x = 1',
    );
    assert.deepEqual(await db.query('SELECT count(*)::int AS n FROM audit'), [{ n: 0 }]);
  });

  it('refuses several statements in Query, as Kestra 1.1 does', async () => {
    const execution = await runToEnd(
      fixture,
      withConnection(`
id: query_single
namespace: tests.jdbc
tasks:
  - id: two
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1; SELECT 2
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.match(errorOf(execution, 'two'), /^Query task support only a single SQL statement, found 2\. Use the Queries task/);
  });

  it('COPYs a CSV from internal storage into a table (columns, header, empty fields as NULL) and reports rowCount', async () => {
    await db.query(
      'CREATE TABLE staging (unique_row_id text, VendorID text, passenger_count integer, fare_amount double precision, congestion_surcharge double precision)',
    );
    const execution = await runToEnd(
      fixture,
      withConnection(`
id: copy_in
namespace: tests.jdbc
tasks:
  - id: extract
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["*.csv"]
    commands:
      - printf 'VendorID,passenger_count,fare_amount,congestion_surcharge\\n1,1,7,\\n,,4.5,2.5\\n2,3,-3.5,\\n' > trips.csv
  - id: copy
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    format: CSV
    from: "{{ outputs.extract.outputFiles['trips.csv'] }}"
    table: public.staging
    header: true
    columns: [VendorID, passenger_count, fare_amount, congestion_surcharge]
  - id: export
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    format: CSV
    header: true
    sql: SELECT vendorid, passenger_count, fare_amount FROM staging ORDER BY fare_amount
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(outputsOf(execution, 'copy'), { rowCount: 3 });
    assert.deepEqual(await db.query('SELECT vendorid, passenger_count, fare_amount, congestion_surcharge FROM staging ORDER BY fare_amount'), [
      { vendorid: '2', passenger_count: 3, fare_amount: -3.5, congestion_surcharge: null },
      { vendorid: null, passenger_count: null, fare_amount: 4.5, congestion_surcharge: 2.5 },
      { vendorid: '1', passenger_count: 1, fare_amount: 7, congestion_surcharge: null },
    ]);
    const exported = outputsOf(execution, 'export') as { uri: string; rowCount: number };
    assert.equal(exported.rowCount, 3);
    assert.equal(await readFile(tempStorage.storage.pathOf(exported.uri), 'utf8'), 'vendorid,passenger_count,fare_amount\n2,3,-3.5\n,,4.5\n1,1,7\n');
  });

  it('fails a COPY on a bad row with the row and column, and leaves the table untouched', async () => {
    await db.query('CREATE TABLE strict_staging (VendorID text, passenger_count integer)');
    await db.query("INSERT INTO strict_staging VALUES ('kept', 1)");
    const execution = await runToEnd(
      fixture,
      withConnection(`
id: copy_in_bad_row
namespace: tests.jdbc
tasks:
  - id: extract
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["*.csv"]
    commands:
      - printf 'VendorID,passenger_count\\n1,1\\n2,1.0\\n' > bad.csv
  - id: copy
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    format: CSV
    from: "{{ outputs.extract.outputFiles['bad.csv'] }}"
    table: strict_staging
    header: true
    columns: [VendorID, passenger_count]
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.match(
      errorOf(execution, 'copy'),
      /^COPY into strict_staging failed: invalid input syntax for type integer: "1\.0"; where: COPY strict_staging, line 3, column passenger_count: "1\.0"\nSQL: COPY strict_staging \(VendorID, passenger_count\) FROM STDIN WITH \(FORMAT CSV, HEADER TRUE\)$/,
    );
    assert.deepEqual(await db.query('SELECT vendorid FROM strict_staging'), [{ vendorid: 'kept' }]);
  });

  it('names the missing file when CopyIn reads a URI that is not in storage', async () => {
    const execution = await runToEnd(
      fixture,
      withConnection(`
id: copy_in_missing
namespace: tests.jdbc
tasks:
  - id: copy
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    format: CSV
    from: kestra:///tests/jdbc/_files/nothing/here.csv
    table: strict_staging
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(errorOf(execution, 'copy'), 'File not found in internal storage: kestra:///tests/jdbc/_files/nothing/here.csv');
  });

  it('resolves docker-compose host names through TFLOW_HOST_ALIASES, and explains a host it cannot resolve', async () => {
    const aliased = await runToEnd(
      fixture,
      withConnection(
        `
id: aliased_host
namespace: tests.jdbc
tasks:
  - id: ping
    type: io.kestra.plugin.jdbc.postgresql.Query
    fetchType: FETCH_ONE
    sql: SELECT current_database() AS db
`,
        `jdbc:postgresql://pgdatabase:5432/${db.name}`,
      ),
    );
    assert.equal(aliased.state, 'SUCCESS', aliased.error);
    assert.deepEqual(outputsOf(aliased, 'ping'), { row: { db: db.name } });

    const unknown = await runToEnd(
      fixture,
      withConnection(
        `
id: unknown_host
namespace: tests.jdbc
tasks:
  - id: ping
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1
`,
        'jdbc:postgresql://nosuchhost.invalid:5432/ny_taxi',
      ),
    );
    assert.equal(unknown.state, 'FAILED');
    assert.match(
      errorOf(unknown, 'ping'),
      /^Cannot connect to PostgreSQL jdbc:postgresql:\/\/nosuchhost\.invalid:5432\/ny_taxi as user root: getaddrinfo ENOTFOUND nosuchhost\.invalid; if this host name only exists in docker-compose, map it with TFLOW_HOST_ALIASES=nosuchhost\.invalid=127\.0\.0\.1$/,
    );

    const missingDb = await runToEnd(
      fixture,
      withConnection(
        `
id: missing_database
namespace: tests.jdbc
tasks:
  - id: ping
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1
`,
        'jdbc:postgresql://pgdatabase:5432/no_such_db_tflow',
      ),
    );
    assert.equal(missingDb.state, 'FAILED');
    assert.equal(
      errorOf(missingDb, 'ping'),
      'Cannot connect to PostgreSQL jdbc:postgresql://pgdatabase:5432/no_such_db_tflow as user root (host pgdatabase mapped to 127.0.0.1 by TFLOW_HOST_ALIASES): database "no_such_db_tflow" does not exist',
    );
  });
});
