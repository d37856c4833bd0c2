/**
 * The BigQuery tasks against real BigQuery, when credentials are given: GOOGLE_APPLICATION_CREDENTIALS
 * (a service-account key file; its project is used) and optionally TFLOW_LIVE_BIGQUERY_DATASET (default
 * `tflow_live_test`, created when missing, kept). Without credentials the suite reports as skipped:
 * the stand-in (test/helpers/bigquery-stand-in.ts) checks only what tflow sends, not BigQuery.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { flow } from '../helpers/fake-port';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { processCommandsTask } from '../helpers/flow-yaml';
import { assertSucceeded, runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const credentials = process.env.GOOGLE_APPLICATION_CREDENTIALS;
/** Without credentials each test reports as skipped, with this reason (never as passed). */
const skip = credentials ? false : 'GOOGLE_APPLICATION_CREDENTIALS is not set: no live BigQuery to run against';

describe('BigQuery tasks against real BigQuery', { timeout: 600_000 }, () => {
  let fixture: TemporalFixture;
  let tempStorage: TemporaryStorage;
  const emulator = process.env.BIGQUERY_EMULATOR_HOST;
  const dataset = process.env.TFLOW_LIVE_BIGQUERY_DATASET ?? 'tflow_live_test';
  const project = () => (JSON.parse(readFileSync(credentials ?? '', 'utf8')) as { project_id: string }).project_id;

  before(async () => {
    if (!credentials) return;
    delete process.env.BIGQUERY_EMULATOR_HOST;
    tempStorage = await useTemporaryStorage('tflow-bigquery-live-');
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await tempStorage?.remove();
    if (emulator) process.env.BIGQUERY_EMULATOR_HOST = emulator;
  });

  it('creates a dataset, loads a file into a table and queries it back', { skip }, async () => {
    const table = `trips_${Date.now()}`;
    const { execution, output } = await runWithLogs(
      fixture,
      flow(`
id: bigquery_live
namespace: tests.bigquery
tasks:
  - id: dataset
    type: io.kestra.plugin.gcp.bigquery.CreateDataset
    name: ${dataset}
    ifExists: SKIP
${processCommandsTask('extract', { outputFiles: ['trips.csv'], commands: [`printf 'VendorID,total_amount\\n1,2.5\\n2,13.75\\n' > trips.csv`] })}
  - id: load
    type: io.kestra.plugin.gcp.bigquery.Load
    from: "{{ outputs.extract.outputFiles['trips.csv'] }}"
    destinationTable: ${dataset}.${table}
    format: CSV
    csvOptions:
      skipLeadingRows: 1
    schema:
      fields:
        - name: VendorID
          type: STRING
        - name: total_amount
          type: NUMERIC
    writeDisposition: WRITE_TRUNCATE
  - id: total
    type: io.kestra.plugin.gcp.bigquery.Query
    fetchOne: true
    sql: SELECT count(*) AS trips, sum(total_amount) AS total FROM \`${project()}.${dataset}.${table}\`
  - id: drop
    type: io.kestra.plugin.gcp.bigquery.Query
    sql: DROP TABLE \`${project()}.${dataset}.${table}\`
pluginDefaults:
  - type: io.kestra.plugin.gcp
    values:
      projectId: ${project()}
`),
    );
    assertSucceeded(execution);
    assert.equal(output('load').rows, 2);
    assert.equal(output('load').destinationTable, `${project()}.${dataset}.${table}`);
    const total = output('total').row as { trips: unknown; total: unknown };
    assert.equal(Number(total.trips), 2);
    assert.equal(Number(total.total), 16.25);
  });
});
