/**
 * The `io.kestra.plugin.gcp.gcs.*` tasks against fake-gcs-server (a real Cloud Storage emulator,
 * test/helpers/fake-gcs-server.ts) and the `io.kestra.plugin.gcp.bigquery.*` tasks against a
 * recording stand-in (test/helpers/bigquery-stand-in.ts), with the course's KV flow and connection
 * pluginDefaults, a service-account key that must never reach the history or the logs in clear, and
 * the course's 08_gcp_taxi run unmodified (its GitHub download served locally through a wget shim,
 * src/demo/taxi-data.ts).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { gunzipSync } from 'node:zlib';
import { executionResult, killExecution, startExecution } from '../../src/client/executions';
import { compileFlowFile } from '../../src/compiler/compile';
import { generateTaxiFile, startTaxiDataServer, writeWgetShim, type TaxiDataServer, type TaxiFile } from '../../src/demo/taxi-data';
import { flow } from '../helpers/fake-port';
import { startFakeGcsServer, type FakeGcsServer } from '../helpers/fake-gcs-server';
import { FIXTURES, PROJECT_ROOT } from '../helpers/paths';
import { startBigQueryStandIn, type BigQueryStandIn } from '../helpers/bigquery-stand-in';
import { createTestDatabase, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, type TestDatabase } from '../helpers/postgres';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { processCommandsTask } from '../helpers/flow-yaml';
import { assertSucceeded, runWithLogs, startTemporalFixture, type FinishedRun, type TemporalFixture } from '../helpers/temporal';

/** A service-account key as Google issues it: pretty-printed JSON with a multi-line PEM key. */
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SERVICE_ACCOUNT = JSON.stringify(
  {
    type: 'service_account',
    project_id: 'tflow-test-project',
    private_key_id: '0123456789abcdef0123456789abcdef01234567',
    private_key: PRIVATE_KEY,
    client_email: 'tflow-secret-sa@tflow-test-project.iam.gserviceaccount.com',
    client_id: '123456789012345678901',
  },
  null,
  2,
);
/** Pieces of the key that would show if any of it leaked. */
const KEY_MARKERS = ['tflow-secret-sa@', PRIVATE_KEY.split('\n')[1], '0123456789abcdef0123456789abcdef01234567'];

/** The bucket the course's 06_gcp_kv names (fake-gcs-server keeps buckets in memory: no clash). */
const BUCKET = 'your-name-kestra';

/** The course's connection pluginDefaults, for the flows written here. */
const GCP_PLUGIN_DEFAULTS = `
pluginDefaults:
  - type: io.kestra.plugin.gcp
    values:
      serviceAccount: "{{secret('GCP_CREDS')}}"
      projectId: "{{kv('GCP_PROJECT_ID')}}"
      location: "{{kv('GCP_LOCATION')}}"
      bucket: "{{kv('GCP_BUCKET_NAME')}}"
`;

/** Every text of a history, payloads decoded (they are JSON bytes). */
async function historyText(handle: WorkflowHandle): Promise<string> {
  const history = await handle.fetchHistory();
  return JSON.stringify(history, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
}

/** No piece of the service-account key in the run's history or logs. */
async function assertKeyNotInClear(run: FinishedRun): Promise<void> {
  const everything = `${await historyText(run.handle)}\n${JSON.stringify(run.logs)}`;
  for (const marker of KEY_MARKERS) assert.ok(!everything.includes(marker), `the key (${marker.slice(0, 12)}…) is not in the history or logs`);
}

describe('GCS tasks against fake-gcs-server, BigQuery tasks against a stand-in', { timeout: 600_000 }, () => {
  let fixture: TemporalFixture;
  let db: TestDatabase;
  let gcs: FakeGcsServer;
  let bigQuery: BigQueryStandIn;
  let tempStorage: TemporaryStorage;
  let taxiDir: string;
  let taxiServer: TaxiDataServer;
  let green: TaxiFile;
  const originalPath = process.env.PATH;

  before(async () => {
    gcs = await startFakeGcsServer();
    process.env.STORAGE_EMULATOR_HOST = gcs.url;
    bigQuery = await startBigQueryStandIn({ gcsUrl: gcs.url });
    // The course's extract step runs `wget … https://github.com/DataTalksClub/nyc-tlc-data/…`: a
    // shim first on PATH sends it to a local server of generated months.
    taxiDir = await mkdtemp(join(tmpdir(), 'tflow-gcp-taxi-'));
    green = await generateTaxiFile({ taxi: 'green', year: 2019, month: 1, rows: 300, dir: join(taxiDir, 'data') });
    taxiServer = await startTaxiDataServer(join(taxiDir, 'data'));
    await writeWgetShim(join(taxiDir, 'bin'), taxiServer.baseUrl);
    process.env.PATH = `${join(taxiDir, 'bin')}:${originalPath}`;
    process.env.BIGQUERY_EMULATOR_HOST = bigQuery.url;
    process.env.SECRET_GCP_CREDS = Buffer.from(SERVICE_ACCOUNT, 'utf8').toString('base64');
    tempStorage = await useTemporaryStorage('tflow-gcs-storage-');
    db = await createTestDatabase('tflow_gcs');
    process.env.TFLOW_DATABASE_URL = `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${db.name}`;
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await db?.drop();
    await tempStorage?.remove();
    await gcs?.stop();
    await bigQuery?.stop();
    await taxiServer?.close();
    await rm(taxiDir, { recursive: true, force: true });
    process.env.PATH = originalPath;
    delete process.env.BIGQUERY_EMULATOR_HOST;
    delete process.env.STORAGE_EMULATOR_HOST;
    delete process.env.SECRET_GCP_CREDS;
  });

  const bucketMetadata = async (name: string) => {
    const response = await fetch(`${gcs.url}/storage/v1/b/${name}`);
    return response.ok ? ((await response.json()) as { name: string; location?: string; storageClass?: string }) : undefined;
  };
  const objectText = async (bucket: string, name: string) => {
    const response = await fetch(`${gcs.url}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`);
    return response.ok ? response.text() : undefined;
  };

  it("runs the course's 06_gcp_kv, then 07_gcp_setup's bucket creation with its pluginDefaults; the key never shows in clear", async () => {
    const kv = compileFlowFile(join(PROJECT_ROOT, 'flows', '03_kv.yaml'));
    assert.ok(kv.spec, JSON.stringify(kv.diagnostics));
    assert.equal((await runWithLogs(fixture, kv.spec)).execution.state, 'SUCCESS');
    const compiled = compileFlowFile(join(FIXTURES, 'valid', 'zoomcamp_gcp_setup.yaml'));
    assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
    const setup = compiled.spec;
    const first = await runWithLogs(fixture, setup);
    assert.equal(first.execution.state, 'SUCCESS', first.execution.error);
    const outputs = first.output('create_gcs_bucket');
    assert.equal(outputs.bucketUri, `gs://${BUCKET}`);
    assert.equal(outputs.created, true);
    assert.equal((outputs.bucket as { name: string }).name, BUCKET);
    const created = await bucketMetadata(BUCKET);
    assert.equal(created?.name, BUCKET);
    // fake-gcs-server gives every bucket its own -location: the location sent is not checked here.
    // Its CreateDataset step ran against the BigQuery stand-in, in the project from the KV store.
    assert.deepEqual(first.output('create_bq_dataset'), { dataset: 'zoomcamp', project: 'kestra-sandbox', location: 'europe-west2' });
    const inserts = bigQuery.requests.filter((r) => r.method === 'POST' && r.path === '/projects/kestra-sandbox/datasets');
    assert.equal(inserts.length, 1);
    assert.deepEqual(inserts[0].body, { datasetReference: { datasetId: 'zoomcamp' }, location: 'europe-west2' });

    // Run again: the bucket exists, SKIP accepts it.
    const second = await runWithLogs(fixture, setup);
    assert.equal(second.execution.state, 'SUCCESS', second.execution.error);
    assert.equal(second.output('create_gcs_bucket').created, false);
    assert.equal(second.taskRun('create_bq_dataset')?.state, 'SUCCESS', 'the dataset exists: SKIP');

    for (const run of [first, second]) await assertKeyNotInClear(run);
  });

  it('refuses an existing bucket with ifExists ERROR (the default), naming it', async () => {
    const { execution, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: bucket_exists
namespace: tests.gcs
tasks:
  - id: create
    type: io.kestra.plugin.gcp.gcs.CreateBucket
    name: ${BUCKET}
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.match(taskRun('create')?.error ?? '', /Bucket 'your-name-kestra' already exists/);
  });

  it('uploads a task output file (08_gcp_taxi shape), lists, downloads, copies, downloads with MOVE, deletes', async () => {
    const file = 'green_tripdata_2019-01.csv';
    const csv = 'VendorID,lpep_pickup_datetime\n2,2019-01-01 00:10:16\n1,2019-01-01 00:27:11\n';
    const { execution, output, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: gcs_taxi_shape
namespace: zoomcamp
variables:
  file: "green_tripdata_2019-01.csv"
  gcs_file: "gs://{{kv('GCP_BUCKET_NAME')}}/{{vars.file}}"
  data: "{{outputs.extract.outputFiles['green_tripdata_2019-01.csv']}}"
tasks:
${processCommandsTask('extract', { outputFiles: ['"*.csv"'], commands: [`printf '${csv.replace(/\n/g, '\\n')}' > {{render(vars.file)}}`] })}
  - id: upload_to_gcs
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{render(vars.data)}}"
    to: "{{render(vars.gcs_file)}}"
  - id: upload_nested
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{render(vars.data)}}"
    to: "gs://{{kv('GCP_BUCKET_NAME')}}/raw/2019/{{vars.file}}"
    contentType: text/csv
  - id: list
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{{kv('GCP_BUCKET_NAME')}}/"
  - id: list_recursive_csv
    type: io.kestra.plugin.gcp.gcs.List
    from: "gs://{{kv('GCP_BUCKET_NAME')}}/"
    listingType: RECURSIVE
    regExp: ".*/raw/.*\\\\.csv"
  - id: download
    type: io.kestra.plugin.gcp.gcs.Download
    from: "{{ outputs.upload_to_gcs.uri }}"
  - id: copy
    type: io.kestra.plugin.gcp.gcs.Copy
    from: "{{ outputs.upload_to_gcs.uri }}"
    to: "gs://{{kv('GCP_BUCKET_NAME')}}/inbox/copy.csv"
  - id: downloads
    type: io.kestra.plugin.gcp.gcs.Downloads
    from: "gs://{{kv('GCP_BUCKET_NAME')}}/inbox/"
    action: MOVE
    moveDirectory: "gs://{{kv('GCP_BUCKET_NAME')}}/archive/"
  - id: delete
    type: io.kestra.plugin.gcp.gcs.Delete
    uri: "{{ outputs.upload_to_gcs.uri }}"
  - id: delete_missing
    type: io.kestra.plugin.gcp.gcs.Delete
    uri: "{{ outputs.upload_to_gcs.uri }}"
  - id: delete_list
    type: io.kestra.plugin.gcp.gcs.DeleteList
    from: "gs://{{kv('GCP_BUCKET_NAME')}}/raw/"
    listingType: RECURSIVE
`),
    );
    assertSucceeded(execution);
    assert.deepEqual(output('upload_to_gcs'), { uri: `gs://${BUCKET}/${file}` });

    const listed = output('list').blobs as { uri: string; name: string; isDirectory: boolean; size?: number }[];
    assert.deepEqual(
      listed.map((b) => [b.name, b.isDirectory, b.size]),
      [
        [file, false, csv.length],
        ['raw/', true, undefined],
      ],
    );
    assert.equal(listed[0].uri, `gs://${BUCKET}/${file}`);
    const recursive = output('list_recursive_csv').blobs as { name: string; contentType?: string }[];
    assert.deepEqual(
      recursive.map((b) => [b.name, b.contentType]),
      [[`raw/2019/${file}`, 'text/csv']],
    );

    const downloaded = output('download');
    assert.equal(downloaded.bucket, BUCKET);
    assert.equal(downloaded.path, file);
    assert.equal(await text(await tempStorage.storage.get(downloaded.uri as string)), csv);

    const downloads = output('downloads') as { blobs: { name: string; uri: string }[]; outputFiles: Record<string, string> };
    assert.deepEqual(
      downloads.blobs.map((b) => b.name),
      ['inbox/copy.csv'],
    );
    assert.match(downloads.outputFiles['inbox/copy.csv'], /^kestra:\/\/\//);
    assert.equal(await text(await tempStorage.storage.get(downloads.outputFiles['inbox/copy.csv'])), csv);
    assert.equal(await objectText(BUCKET, 'inbox/copy.csv'), undefined, 'moved away');
    assert.equal(await objectText(BUCKET, 'archive/copy.csv'), csv, 'moved to moveDirectory');

    assert.deepEqual(output('delete'), { uri: `gs://${BUCKET}/${file}`, deleted: true });
    assert.deepEqual(output('delete_missing'), { uri: `gs://${BUCKET}/${file}`, deleted: false });
    assert.deepEqual(output('delete_list'), { count: 1, size: csv.length });
    assert.equal(await objectText(BUCKET, `raw/2019/${file}`), undefined);
    assert.equal(taskRun('extract')?.state, 'SUCCESS');
  });

  it('runs BigQuery Query jobs: DDL, SELECT with fetch/fetchOne/store, destinationTable and labels, as sent to the stand-in', async () => {
    bigQuery.answer(/FROM `kestra-sandbox.zoomcamp.green_tripdata`/, {
      fields: [
        { name: 'filename', type: 'STRING' },
        { name: 'trips', type: 'INTEGER' },
      ],
      rows: [
        ['green_tripdata_2019-01.csv', 630918],
        ['green_tripdata_2019-02.csv', 575685],
      ],
    });
    const { execution, output, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: bq_queries
namespace: zoomcamp
tasks:
  - id: ddl
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: CREATE TABLE IF NOT EXISTS \`{{kv('GCP_PROJECT_ID')}}.{{kv('GCP_DATASET')}}.green_tripdata\` (filename STRING)
  - id: fetch
    type: io.kestra.plugin.gcp.bigquery.Query
    fetch: true
    labels:
      course: zoomcamp
    sql: SELECT filename, count(*) AS trips FROM \`kestra-sandbox.zoomcamp.green_tripdata\` GROUP BY filename
  - id: fetch_one
    type: io.kestra.plugin.gcp.bigquery.Query
    fetchOne: true
    sql: SELECT filename, count(*) AS trips FROM \`kestra-sandbox.zoomcamp.green_tripdata\` GROUP BY filename
  - id: store
    type: io.kestra.plugin.gcp.bigquery.Query
    fetchType: STORE
    destinationTable: zoomcamp.trips_by_file
    writeDisposition: WRITE_TRUNCATE
    sql: SELECT filename, count(*) AS trips FROM \`kestra-sandbox.zoomcamp.green_tripdata\` GROUP BY filename
${GCP_PLUGIN_DEFAULTS}`),
    );
    assertSucceeded(execution);
    const rows = [
      { filename: 'green_tripdata_2019-01.csv', trips: 630918 },
      { filename: 'green_tripdata_2019-02.csv', trips: 575685 },
    ];
    assert.deepEqual(output('fetch').rows, rows);
    assert.equal(output('fetch').size, 2);
    assert.deepEqual(output('fetch_one').row, rows[0]);
    assert.equal(output('store').size, 2);
    assert.deepEqual(output('store').destinationTable, { project: 'kestra-sandbox', dataset: 'zoomcamp', table: 'trips_by_file' });
    const stored = await text(await tempStorage.storage.get(output('store').uri as string));
    assert.equal(stored.trim().split('\n').length, 2);
    assert.match(stored, /filename:"green_tripdata_2019-01.csv"/);
    assert.match(String(output('ddl').jobId), /./);
    assert.equal(taskRun('ddl')?.state, 'SUCCESS');

    const jobs = bigQuery.requests.filter((r) => r.method === 'POST' && r.path === '/projects/kestra-sandbox/jobs');
    const configOf = (sqlStart: string) =>
      jobs
        .map((r) => r.body as { configuration: Record<string, unknown> & { query: Record<string, unknown> }; jobReference: { location?: string } })
        .find((b) => String(b.configuration.query.query).startsWith(sqlStart));
    const ddl = configOf('CREATE TABLE IF NOT EXISTS `kestra-sandbox.zoomcamp.green_tripdata`');
    assert.ok(ddl, JSON.stringify(bigQuery.queries()));
    assert.equal(ddl.configuration.query.useLegacySql, false);
    assert.equal(ddl.jobReference.location, 'europe-west2');
    const labelled = jobs.map(
      (r) => r.body as { configuration: { labels?: unknown; query: { destinationTable?: unknown; writeDisposition?: string } } },
    );
    assert.ok(labelled.some((b) => JSON.stringify(b.configuration.labels) === '{"course":"zoomcamp"}'));
    const intoTable = labelled.find((b) => (b.configuration.query.destinationTable as { tableId?: string } | undefined)?.tableId === 'trips_by_file');
    assert.deepEqual(intoTable?.configuration.query.destinationTable, {
      projectId: 'kestra-sandbox',
      datasetId: 'zoomcamp',
      tableId: 'trips_by_file',
    });
    assert.equal(intoTable?.configuration.query.writeDisposition, 'WRITE_TRUNCATE');
  });

  it('loads a task output file (Load) and a Cloud Storage object (LoadFromGcs) into tables, with the load job sent as configured', async () => {
    const csv = 'VendorID,total_amount\n1,2.5\n2,13.75\n2,7\n';
    const { execution, output } = await runWithLogs(
      fixture,
      flow(`
id: bq_loads
namespace: zoomcamp
tasks:
${processCommandsTask('extract', { outputFiles: ['"*.csv"'], commands: [`printf '${csv.replace(/\n/g, '\\n')}' > trips.csv`, '": > empty.csv"'] })}
  - id: upload
    type: io.kestra.plugin.gcp.gcs.Upload
    from: "{{ outputs.extract.outputFiles['trips.csv'] }}"
    to: "gs://{{kv('GCP_BUCKET_NAME')}}/loads/trips.csv"
  - id: load_from_gcs
    type: io.kestra.plugin.gcp.bigquery.LoadFromGcs
    from:
      - "{{ outputs.upload.uri }}"
    destinationTable: "{{kv('GCP_DATASET')}}.trips"
    format: CSV
    csvOptions:
      skipLeadingRows: 1
      fieldDelimiter: ","
    schema:
      fields:
        - name: VendorID
          type: STRING
        - name: total_amount
          type: NUMERIC
          mode: NULLABLE
    writeDisposition: WRITE_TRUNCATE
    clusteringFields: [VendorID]
  - id: load
    type: io.kestra.plugin.gcp.bigquery.Load
    from: "{{ outputs.extract.outputFiles['trips.csv'] }}"
    destinationTable: other-project.zoomcamp.trips_local
    format: CSV
    csvOptions:
      skipLeadingRows: 1
    autodetect: true
    timePartitioningField: pickup_date
  - id: load_empty
    type: io.kestra.plugin.gcp.bigquery.Load
    from: "{{ outputs.extract.outputFiles['empty.csv'] }}"
    destinationTable: zoomcamp.trips_local
    failedOnEmpty: false
${GCP_PLUGIN_DEFAULTS}`),
    );
    assertSucceeded(execution);
    const fromGcs = output('load_from_gcs');
    assert.equal(fromGcs.destinationTable, 'kestra-sandbox.zoomcamp.trips');
    assert.equal(fromGcs.rows, 3, 'the three data lines of the object, the header skipped');
    assert.match(String(fromGcs.jobId), /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...output('load'), jobId: undefined }, { jobId: undefined, destinationTable: 'other-project.zoomcamp.trips_local', rows: 3 });
    assert.deepEqual(output('load_empty'), { rows: 0 });

    const loads = bigQuery.loads();
    assert.equal(loads.length, 2, 'two load jobs; the empty file sent none');
    const [gcsLoad, uploadLoad] = loads;
    assert.deepEqual(gcsLoad, {
      load: {
        destinationTable: { projectId: 'kestra-sandbox', datasetId: 'zoomcamp', tableId: 'trips' },
        sourceFormat: 'CSV',
        fieldDelimiter: ',',
        skipLeadingRows: 1,
        schema: {
          fields: [
            { name: 'VendorID', type: 'STRING' },
            { name: 'total_amount', type: 'NUMERIC', mode: 'NULLABLE' },
          ],
        },
        writeDisposition: 'WRITE_TRUNCATE',
        clustering: { fields: ['VendorID'] },
        sourceUris: [`gs://${BUCKET}/loads/trips.csv`],
      },
    });
    assert.deepEqual(uploadLoad, {
      load: {
        destinationTable: { projectId: 'other-project', datasetId: 'zoomcamp', tableId: 'trips_local' },
        sourceFormat: 'CSV',
        skipLeadingRows: 1,
        autodetect: true,
        timePartitioning: { type: 'DAY', field: 'pickup_date' },
      },
      upload: csv,
    });
    const jobInserts = bigQuery.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/jobs')).slice(-2);
    assert.deepEqual(
      jobInserts.map((r) => [r.path, (r.body as { jobReference: { location?: string } }).jobReference.location, r.query.uploadType]),
      [
        ['/projects/kestra-sandbox/jobs', 'europe-west2', undefined],
        // Google's Node client runs an upload's job in the destination table's project.
        ['/projects/other-project/jobs', 'europe-west2', 'multipart'],
      ],
    );
  });

  it("runs the course's 08_gcp_taxi unmodified: wget extract, upload to the bucket, the green BigQuery SQL with its kv() table names, MERGE, purge", async () => {
    bigQuery.answer(/^MERGE INTO/, { fields: [], rows: [], statementType: 'MERGE', numDmlAffectedRows: green.rows - green.duplicates });
    const compiled = compileFlowFile(join(FIXTURES, 'valid', 'zoomcamp_gcp_taxi.yaml'));
    assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
    const queriesBefore = bigQuery.queries().length;
    const run = await runWithLogs(fixture, compiled.spec, { inputs: { taxi: 'green', year: '2019', month: '01' } });
    assertSucceeded(run.execution);
    assert.ok(
      taxiServer.requests.some((path) => path.endsWith('/green/green_tripdata_2019-01.csv.gz')),
      'wget went to the local server',
    );

    // The month's CSV landed in the bucket, byte for byte.
    const file = 'green_tripdata_2019-01.csv';
    assert.deepEqual(run.output('upload_to_gcs'), { uri: `gs://${BUCKET}/${file}` });
    assert.equal(await objectText(BUCKET, file), gunzipSync(readFileSync(green.path)).toString('utf8'));

    // The green branch's four statements, in order, with the project, dataset and file from the KV store.
    const sent = bigQuery.queries().slice(queriesBefore);
    assert.equal(sent.length, 4, sent.map((q) => q.slice(0, 60)).join('\n'));
    assert.match(sent[0], /^CREATE TABLE IF NOT EXISTS `kestra-sandbox\.zoomcamp\.green_tripdata`\n/);
    assert.match(sent[0], /PARTITION BY DATE\(lpep_pickup_datetime\);\n$/);
    assert.match(sent[1], /^CREATE OR REPLACE EXTERNAL TABLE `kestra-sandbox\.zoomcamp\.green_tripdata_2019_01_ext`\n/);
    assert.ok(sent[1].includes(`uris = ['gs://${BUCKET}/${file}'],`), sent[1]);
    assert.match(sent[2], /^CREATE OR REPLACE TABLE `kestra-sandbox\.zoomcamp\.green_tripdata_2019_01`\nAS\nSELECT\n {2}MD5\(CONCAT\(/);
    assert.ok(sent[2].includes(`"${file}" AS filename,`), sent[2]);
    assert.ok(sent[2].includes('FROM `kestra-sandbox.zoomcamp.green_tripdata_2019_01_ext`;'), sent[2]);
    assert.match(
      sent[3],
      /^MERGE INTO `kestra-sandbox\.zoomcamp\.green_tripdata` T\nUSING `kestra-sandbox\.zoomcamp\.green_tripdata_2019_01` S\nON T\.unique_row_id = S\.unique_row_id\nWHEN NOT MATCHED THEN\n {2}INSERT \(unique_row_id, filename, VendorID, lpep_pickup_datetime,/,
    );
    assert.ok(!sent.some((q) => q.includes('yellow')), 'the yellow branch did not run');
    const merge = run.logs.find((l) => /Query job .* done \(MERGE, \d+ rows affected\)/.test(l.message));
    assert.ok(merge, 'the MERGE result is logged');
    assert.ok(merge.message.includes(`${green.rows - green.duplicates} rows affected`));

    assert.equal(run.taskRun('bq_yellow_tripdata'), undefined);
    assert.deepEqual(run.execution.labels?.file, file);
    // purge_files removed the execution's files: the extracted CSV is gone from internal storage.
    const extracted = (run.output('extract').outputFiles as Record<string, string>)[file];
    assert.equal(await tempStorage.storage.stat(extracted), undefined);
    await assertKeyNotInClear(run);
  });

  it('fails a download of a missing object, a load of a missing object or an empty file, and a serviceAccount that is not a key, without echoing it', async () => {
    const { execution, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: gcs_failures
namespace: tests.gcs
tasks:
${processCommandsTask('extract', { outputFiles: ['empty.csv'], commands: ['": > empty.csv"'] })}
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: missing
        type: io.kestra.plugin.gcp.gcs.Download
        from: gs://${BUCKET}/nothing-here.csv
      - id: bad_key
        type: io.kestra.plugin.gcp.gcs.List
        serviceAccount: "not-json {{ 'sekrit-value' }}"
        from: gs://${BUCKET}/
      - id: load_missing
        type: io.kestra.plugin.gcp.bigquery.LoadFromGcs
        from: [gs://${BUCKET}/nothing-here.csv]
        destinationTable: tflow-test-project.zoomcamp.trips
      - id: load_empty
        type: io.kestra.plugin.gcp.bigquery.Load
        from: "{{ outputs.extract.outputFiles['empty.csv'] }}"
        destinationTable: zoomcamp.trips
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.match(taskRun('load_missing')?.error ?? '', new RegExp(`Not found: URI gs://${BUCKET}/nothing-here.csv`));
    assert.match(taskRun('load_empty')?.error ?? '', /Can't load an empty file: kestra:\/\/\/.*empty\.csv has no data/);
    assert.equal(taskRun('missing')?.error, `No such object: gs://${BUCKET}/nothing-here.csv`);
    const badKey = taskRun('bad_key')?.error ?? '';
    assert.match(badKey, /serviceAccount is not valid JSON/);
    assert.ok(!badKey.includes('sekrit-value'), badKey);
  });

  it('a kill ends a Download whose server stopped sending mid-object: the worker drops the connection', async () => {
    // A Cloud Storage stand-in that answers the object's metadata, then sends a first line and stalls.
    let mediaRequested = false;
    let mediaClosed = false;
    const stalled = createServer((request, response) => {
      if (request.url?.includes('alt=media')) {
        mediaRequested = true;
        response.on('close', () => (mediaClosed = true));
        response.writeHead(200, { 'content-type': 'text/csv' });
        response.write('VendorID\n');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ bucket: BUCKET, name: 'stalled.csv', size: '1000000' }));
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    process.env.STORAGE_EMULATOR_HOST = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
    try {
      const handle = await startExecution(
        fixture.client,
        fixture.config,
        flow(`
id: gcs_stalled
namespace: tests.gcs
tasks:
  - id: download
    type: io.kestra.plugin.gcp.gcs.Download
    from: gs://${BUCKET}/stalled.csv
`),
      );
      while (!mediaRequested) await new Promise((resolve) => setTimeout(resolve, 100));
      const killedAt = Date.now();
      await killExecution(handle);
      const execution = await executionResult(handle);
      assert.equal(execution.state, 'KILLED');
      assert.equal(execution.taskRuns.find((run) => run.taskId === 'download')?.state, 'KILLED');
      // The worker drops the download too (not left reading until the task's timeout): the kill
      // reaches the task with its next heartbeat, every 2 s.
      while (!mediaClosed && Date.now() - killedAt < 10_000) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(mediaClosed, 'the worker still holds the download 10 s after the kill');
    } finally {
      process.env.STORAGE_EMULATOR_HOST = gcs.url;
      stalled.closeAllConnections();
      stalled.close();
    }
  });
});
