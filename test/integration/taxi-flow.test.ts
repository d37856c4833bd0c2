/**
 * The course's taxi flow (flows/02_postgres_taxi.yaml, the YAML as the course wrote it) end to end:
 * a generated month served like GitHub's release assets, fetched by the flow's own `wget | gunzip`,
 * loaded into the machine's Postgres with CopyIn, keyed with md5 and MERGEd.
 *
 * Deployment-level plumbing only, no YAML edits: a `wget` shim first on the worker's PATH sends
 * `https://github.com/DataTalksClub/nyc-tlc-data/…` to the local server, and TFLOW_JDBC_URL_ALIASES
 * points the flow's `jdbc:postgresql://pgdatabase:5432/ny_taxi` at a throwaway database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { executionPrefix } from '../../src/storage';
import { startTaxiStack, type TaxiStack } from '../helpers/taxi-stack';
import { RELEASE_PATH } from '../../src/demo/taxi-data';

describe('the course taxi flow (02_postgres_taxi) on the real Postgres', { timeout: 300_000 }, () => {
  let stack: TaxiStack;
  let db: TaxiStack['db'];
  let storage: TaxiStack['storage'];
  let server: TaxiStack['server'];
  let files: TaxiStack['files'];

  before(async () => {
    stack = await startTaxiStack({ flowFile: '02_postgres_taxi.yaml', database: 'tflow_taxi' });
    ({ db, storage, server, files } = stack);
  });
  after(async () => stack?.close());

  const run = (inputs: Record<string, string>) => stack.run(inputs);
  const count = (table: string, where?: string) => stack.count(table, where);
  const taskRun = (execution: Execution, taskId: string) => execution.taskRuns.find((r) => r.taskId === taskId);

  it('loads a green month: every row, md5 ids as the course computes them, labels, outputs, files purged', async () => {
    const execution = await run({ taxi: 'green', year: '2019', month: '01' });
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(
      execution.taskRuns.map((r) => r.taskId),
      [
        'set_label',
        'extract',
        'if_yellow_taxi',
        'if_green_taxi',
        'green_create_table',
        'green_create_staging_table',
        'green_truncate_staging_table',
        'green_copy_in_to_staging_table',
        'green_add_unique_id_and_filename',
        'green_merge_data',
        'purge_files',
      ],
    );
    assert.equal(execution.labels.file, 'green_tripdata_2019-01.csv');
    assert.equal(execution.labels.taxi, 'green');
    const extracted = taskRun(execution, 'extract')?.outputs as { outputFiles: Record<string, string>; exitCode: number };
    assert.deepEqual(Object.keys(extracted.outputFiles), ['green_tripdata_2019-01.csv']);
    assert.equal(extracted.exitCode, 0);
    assert.deepEqual(taskRun(execution, 'green_copy_in_to_staging_table')?.outputs, { rowCount: files.green01.rows });
    assert.deepEqual(taskRun(execution, 'purge_files')?.outputs, { uris: [extracted.outputFiles['green_tripdata_2019-01.csv']] });
    assert.deepEqual(await storage.list(executionPrefix({ namespace: 'zoomcamp', flowId: '02_postgres_taxi', executionId: execution.id })), []);
    assert.ok(server.requests.includes(`${RELEASE_PATH}/green/green_tripdata_2019-01.csv.gz`), server.requests.join(', '));

    // MERGE inserts duplicate keys of one file too: the final table holds exactly the file's rows.
    assert.equal(await count('public.green_tripdata'), files.green01.rows);
    assert.ok(files.green01.duplicates > 0, 'the generated month has duplicate rows');
    assert.equal(await count('public.green_tripdata', "filename = 'green_tripdata_2019-01.csv'"), files.green01.rows);
    const ids = await db.query<{ unique_row_id: string }>('SELECT DISTINCT unique_row_id FROM public.green_tripdata');
    assert.deepEqual(new Set(ids.map((r) => r.unique_row_id)), files.green01.uniqueIds);
    // The quirks survive the load: empty VendorID blocks as NULL, ehail_fee always empty.
    assert.ok((await count('public.green_tripdata', 'vendorid IS NULL AND trip_type IS NULL')) > 0);
    assert.equal(await count('public.green_tripdata', 'ehail_fee IS NOT NULL'), 0);
  });

  it('adds nothing when the same month runs again, and exactly its rows for another month', async () => {
    const again = await run({ taxi: 'green', year: '2019', month: '01' });
    assert.equal(again.state, 'SUCCESS', again.error);
    assert.deepEqual(taskRun(again, 'green_copy_in_to_staging_table')?.outputs, { rowCount: files.green01.rows });
    assert.equal(await count('public.green_tripdata'), files.green01.rows);

    const february = await run({ taxi: 'green', year: '2019', month: '02' });
    assert.equal(february.state, 'SUCCESS', february.error);
    assert.equal(await count('public.green_tripdata'), files.green01.rows + files.green02.rows);
    assert.equal(await count('public.green_tripdata', "filename = 'green_tripdata_2019-02.csv'"), files.green02.rows);
  });

  it('loads a yellow month through the yellow branch only', async () => {
    const execution = await run({ taxi: 'yellow', year: '2019', month: '01' });
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(execution.taskRuns.filter((r) => r.taskId.startsWith('green_')).length, 0);
    assert.equal(execution.taskRuns.filter((r) => r.taskId.startsWith('yellow_')).length, 6);
    assert.deepEqual(taskRun(execution, 'yellow_copy_in_to_staging_table')?.outputs, { rowCount: files.yellow01.rows });
    assert.equal(await count('public.yellow_tripdata'), files.yellow01.rows);
    const ids = await db.query<{ unique_row_id: string }>('SELECT DISTINCT unique_row_id FROM public.yellow_tripdata');
    assert.deepEqual(new Set(ids.map((r) => r.unique_row_id)), files.yellow01.uniqueIds);
  });

  it('fails in extract when the month does not exist (gunzip gets nothing), and touches no table', async () => {
    const before = await count('public.green_tripdata');
    const execution = await run({ taxi: 'green', year: '2020', month: '05' });
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => [r.taskId, r.state]),
      [
        ['set_label', 'SUCCESS'],
        ['extract', 'FAILED'],
      ],
    );
    assert.match(
      taskRun(execution, 'extract')?.error ?? '',
      /^Command failed with exit code 1; last lines of stderr:\ngzip: stdin: unexpected end of file/,
    );
    assert.equal(await count('public.green_tripdata'), before);
  });
});
