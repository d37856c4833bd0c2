/**
 * flows/taxi_improved.yaml end to end on the machine's Postgres, with the same deployment-level
 * plumbing as the course's flow (test/integration/taxi-flow.test.ts): a `wget` shim for the GitHub
 * release URL and TFLOW_JDBC_URL_ALIASES for `jdbc:postgresql://pgdatabase:5432/ny_taxi`.
 *
 * The improved flow keeps the course's inputs, final tables and md5 keys, adds created_at/updated_at,
 * computes the key while inserting (no UPDATE on staging), inserts new keys only (a btree index on
 * the pickup time and the key as a uuid), and does not load again a file it merged before
 * (public.taxi_file_loads: same name, same content).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { executionPrefix } from '../../src/storage';
import { PROJECT_ROOT } from '../helpers/paths';
import { startTaxiStack, type TaxiStack } from '../helpers/taxi-stack';

/** The course flow's DDL for one taxi type's final and staging tables, rendered. */
function courseDdl(taxi: 'green' | 'yellow'): string {
  const yaml = parse(readFileSync(join(PROJECT_ROOT, 'flows', '02_postgres_taxi.yaml'), 'utf8')) as {
    tasks: { id: string; then?: { id: string; sql?: string }[] }[];
  };
  const branch = yaml.tasks.find((t) => t.id === `if_${taxi}_taxi`)?.then ?? [];
  return branch
    .filter((t) => t.id === `${taxi}_create_table` || t.id === `${taxi}_create_staging_table`)
    .map((t) =>
      (t.sql ?? '')
        .replaceAll('{{render(vars.table)}}', `public.${taxi}_tripdata`)
        .replaceAll('{{render(vars.staging_table)}}', `public.${taxi}_tripdata_staging`),
    )
    .join('\n');
}

describe('the improved taxi flow (flows/taxi_improved.yaml) on the real Postgres', { timeout: 300_000 }, () => {
  let stack: TaxiStack;
  let db: TaxiStack['db'];
  let storage: TaxiStack['storage'];
  let files: TaxiStack['files'];

  before(async () => {
    stack = await startTaxiStack({ flowFile: 'taxi_improved.yaml', database: 'tflow_taxi_improved' });
    ({ db, storage, files } = stack);
  });
  after(async () => stack?.close());

  const run = (inputs: Record<string, string>) => stack.run(inputs);
  const count = (table: string, where?: string) => stack.count(table, where);
  const taskRun = (execution: Execution, taskId: string) => execution.taskRuns.find((r) => r.taskId === taskId);
  /** The final table's indexes: name, access method and key. */
  const keyIndexes = async (table: string) =>
    (
      await db.query<{ index: string }>(
        `SELECT indexname || ' ' || substring(indexdef from ' USING (.*)$') AS index FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`,
        [table],
      )
    ).map((r) => r.index);
  const distinctIds = async (table: string) =>
    new Set((await db.query<{ unique_row_id: string }>(`SELECT DISTINCT unique_row_id FROM ${table}`)).map((r) => r.unique_row_id));

  it("loads a green month: every row, the course's md5 ids, filename and audit columns set", async () => {
    const execution = await run({ taxi: 'green', year: '2019', month: '01' });
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(
      execution.taskRuns.map((r) => r.taskId),
      [
        'set_label',
        'extract',
        'if_yellow_taxi',
        'if_green_taxi',
        'green_prepare_tables',
        'green_if_not_merged_yet',
        'green_copy_in_to_staging_table',
        'green_merge_data',
        'purge_files',
      ],
    );
    assert.equal(execution.labels.file, 'green_tripdata_2019-01.csv');
    assert.equal(execution.labels.taxi, 'green');
    assert.deepEqual(taskRun(execution, 'green_copy_in_to_staging_table')?.outputs, { rowCount: files.green01.rows });
    assert.deepEqual(await storage.list(executionPrefix({ namespace: 'zoomcamp', flowId: 'taxi_improved', executionId: execution.id })), []);

    // Exactly the file's rows (its duplicate rows too, as the course's MERGE inserts them).
    assert.ok(files.green01.duplicates > 0, 'the generated month has duplicate rows');
    assert.equal(await count('public.green_tripdata'), files.green01.rows);
    assert.equal(await count('public.green_tripdata', "filename = 'green_tripdata_2019-01.csv'"), files.green01.rows);
    // Distinct keys: one per distinct row of the file, the course's md5 of the same columns.
    const ids = await distinctIds('public.green_tripdata');
    assert.equal(ids.size, files.green01.rows - files.green01.duplicates);
    assert.deepEqual(ids, files.green01.uniqueIds);
    assert.equal(await count('public.green_tripdata', "unique_row_id !~ '^[0-9a-f]{32}$'"), 0);
    // Audit columns: set on insert, not in the future, created_at = updated_at for new rows.
    assert.equal(
      await count('public.green_tripdata', 'created_at IS NULL OR updated_at IS NULL OR created_at > now() OR updated_at <> created_at'),
      0,
    );
    // The staging table is UNLOGGED and has no key column: the key is computed while inserting.
    const [staging] = await db.query<{ relpersistence: string }>(
      "SELECT relpersistence FROM pg_class WHERE oid = 'public.green_tripdata_staging'::regclass",
    );
    assert.equal(staging.relpersistence, 'u');
    assert.equal(await count('information_schema.columns', "table_name = 'green_tripdata_staging' AND column_name = 'unique_row_id'"), 0);
    // New keys are looked up in one btree index on (pickup time, key as a uuid) (docs/performance.md, "The taxi pipeline").
    assert.deepEqual(await keyIndexes('green_tripdata'), [
      "green_tripdata_pickup_row_id btree (COALESCE(lpep_pickup_datetime, '-infinity'::timestamp without time zone), ((unique_row_id)::uuid))",
    ]);
    // Quirks survive: empty VendorID blocks as NULL, ehail_fee always empty.
    assert.ok((await count('public.green_tripdata', 'vendorid IS NULL AND trip_type IS NULL')) > 0);
    assert.equal(await count('public.green_tripdata', 'ehail_fee IS NOT NULL'), 0);
  });

  it('adds 0 rows when the same month runs again, without loading it (created_at untouched), and exactly its rows for another month', async () => {
    const [{ first }] = await db.query<{ first: string }>('SELECT max(created_at)::text AS first FROM public.green_tripdata');
    const again = await run({ taxi: 'green', year: '2019', month: '01' });
    assert.equal(again.state, 'SUCCESS', again.error);
    // The file was merged before with the same content: no CopyIn, no merge.
    assert.deepEqual(taskRun(again, 'green_if_not_merged_yet')?.outputs, { evaluationResult: false });
    assert.equal(taskRun(again, 'green_copy_in_to_staging_table'), undefined);
    assert.equal(taskRun(again, 'green_merge_data'), undefined);
    assert.equal(await count('public.green_tripdata'), files.green01.rows);
    const [{ last }] = await db.query<{ last: string }>('SELECT max(created_at)::text AS last FROM public.green_tripdata');
    assert.equal(last, first);
    const loads = await db.query<{ filename: string; row_count: string; content_md5: string }>(
      "SELECT filename, row_count::text, content_md5 FROM public.taxi_file_loads WHERE target_table = 'public.green_tripdata'",
    );
    assert.deepEqual(
      loads.map((l) => [l.filename, l.row_count]),
      [['green_tripdata_2019-01.csv', String(files.green01.rows)]],
    );
    assert.match(loads[0].content_md5, /^[0-9a-f]{32}$/);

    const february = await run({ taxi: 'green', year: '2019', month: '02' });
    assert.equal(february.state, 'SUCCESS', february.error);
    assert.equal(await count('public.green_tripdata'), files.green01.rows + files.green02.rows);
    assert.equal(await count('public.green_tripdata', "filename = 'green_tripdata_2019-02.csv'"), files.green02.rows);
    assert.ok((await count('public.green_tripdata', `filename = 'green_tripdata_2019-02.csv' AND created_at > '${first}'`)) === files.green02.rows);
  });

  it("loads a yellow month into tables the course's flow created (audit columns added, staging with its md5 columns)", async () => {
    await db.query(courseDdl('yellow'));
    // The hash and uuid indexes earlier versions of this flow created give way to the (pickup, key) one.
    await db.query('CREATE INDEX yellow_tripdata_unique_row_id_hash ON public.yellow_tripdata USING hash (unique_row_id)');
    await db.query('CREATE INDEX yellow_tripdata_unique_row_id_uuid ON public.yellow_tripdata ((unique_row_id::uuid))');
    const execution = await run({ taxi: 'yellow', year: '2019', month: '01' });
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(execution.taskRuns.filter((r) => r.taskId.startsWith('green_')).length, 0);
    assert.deepEqual(
      execution.taskRuns.filter((r) => r.taskId.startsWith('yellow_')).map((r) => r.taskId),
      ['yellow_prepare_tables', 'yellow_if_not_merged_yet', 'yellow_copy_in_to_staging_table', 'yellow_merge_data'],
    );
    assert.equal(await count('public.yellow_tripdata'), files.yellow01.rows);
    assert.deepEqual(await distinctIds('public.yellow_tripdata'), files.yellow01.uniqueIds);
    assert.equal(await count('public.yellow_tripdata', 'created_at IS NULL OR updated_at IS NULL'), 0);
    assert.deepEqual(await keyIndexes('yellow_tripdata'), [
      "yellow_tripdata_pickup_row_id btree (COALESCE(tpep_pickup_datetime, '-infinity'::timestamp without time zone), ((unique_row_id)::uuid))",
    ]);

    const again = await run({ taxi: 'yellow', year: '2019', month: '01' });
    assert.equal(again.state, 'SUCCESS', again.error);
    assert.equal(await count('public.yellow_tripdata'), files.yellow01.rows);
  });

  it('loads a recorded file again once its rows left the table, inserting only the missing keys', async () => {
    const month01 = "filename = 'green_tripdata_2019-01.csv'";
    const [{ first }] = await db.query<{ first: string }>(`SELECT min(created_at)::text AS first FROM public.green_tripdata WHERE ${month01}`);
    // Rows deleted after the load, among them the one the file's load record names.
    await db.query(
      `DELETE FROM public.green_tripdata WHERE ${month01}
         AND (unique_row_id < '8' OR unique_row_id IN (SELECT sample_row_id FROM public.taxi_file_loads))`,
    );
    const kept = await count('public.green_tripdata', month01);
    assert.ok(kept > 0 && kept < files.green01.rows);

    const execution = await run({ taxi: 'green', year: '2019', month: '01' });
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(taskRun(execution, 'green_copy_in_to_staging_table')?.outputs, { rowCount: files.green01.rows });
    assert.equal(await count('public.green_tripdata', month01), files.green01.rows);
    assert.deepEqual(await distinctIds(`public.green_tripdata WHERE ${month01}`), files.green01.uniqueIds);
    // The rows that stayed were not inserted again: they keep the first load's created_at.
    assert.equal(await count('public.green_tripdata', `${month01} AND created_at = '${first}'`), kept);
    assert.equal(await count('public.green_tripdata', `${month01} AND created_at > '${first}'`), files.green01.rows - kept);
  });
});
