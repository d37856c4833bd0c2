import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compileFlowFile } from '../../src/compiler/compile';
import { flow } from '../helpers/fake-port';
import { PROJECT_ROOT } from '../helpers/paths';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

/** What dummyjson.com/products answers, cut down: brands with several products, one without a brand. */
const PRODUCTS = {
  products: [
    { id: 1, title: 'Mascara', brand: 'Essence', price: 9.99, rating: 4.9 },
    { id: 2, title: 'Palette', brand: 'Glamour Beauty', price: 19.99, rating: 3.2 },
    { id: 3, title: 'Lipstick', brand: 'Essence', price: 5.01, rating: 2.5 },
    { id: 4, title: 'Apple', price: 1.99, rating: 4.1 },
    { id: 5, title: 'Perfume', brand: 'Chanel', price: 129.99, rating: 4.4 },
    { id: 6, title: 'Nail polish', brand: 'Glamour Beauty', price: 10.004, rating: 3.9 },
  ],
  total: 6,
  skip: 0,
  limit: 30,
};

describe('DuckDB Query/Queries and the course getting-started pipeline', { timeout: 300_000 }, () => {
  let fixture: TemporalFixture;
  let tempStorage: TemporaryStorage;
  let stateDir: string;
  let server: Server;

  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-duckdb-storage-');
    stateDir = await mkdtemp(join(tmpdir(), 'tflow-duckdb-state-'));
    server = createServer((request, response) => {
      if (request.url === '/products') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(PRODUCTS));
      } else {
        response.writeHead(404);
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    fixture = await startTemporalFixture({ stateDir, urlAliases: { 'https://dummyjson.com/': base } });
  });
  after(async () => {
    await fixture?.close();
    await new Promise((resolve) => server?.close(resolve));
    await tempStorage?.remove();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('runs the course 03_getting_started_data_pipeline unmodified: download (URL alias), python transform, DuckDB STORE of the averages per brand', async () => {
    const { spec, diagnostics } = compileFlowFile(join(PROJECT_ROOT, 'test', 'flows', 'valid', 'zoomcamp_getting_started_data_pipeline.yaml'));
    assert.ok(spec, diagnostics.map((d) => d.message).join('\n'));
    const run = await runWithLogs(fixture, spec);
    assert.equal(run.execution.state, 'SUCCESS', run.execution.error);
    const transform = run.output('transform') as { outputFiles: Record<string, string> };
    assert.deepEqual(Object.keys(transform.outputFiles).sort(), ['data.json', 'products.json']);
    const query = run.output('query') as { outputs: { uri: string; size: number }[] };
    assert.equal(query.outputs.length, 1, 'only the SELECT returns rows (INSTALL and LOAD do not)');
    assert.equal(query.outputs[0].size, 4);
    const lines = (await readFile(tempStorage.storage.pathOf(query.outputs[0].uri), 'utf8')).trimEnd().split('\n');
    // A whole DOUBLE is written as an Ion integer: the rows carry JavaScript numbers, not column types.
    assert.deepEqual(lines, [
      '{brand:"Chanel",avg_price:129.99e0}',
      '{brand:"Glamour Beauty",avg_price:15}',
      '{brand:"Essence",avg_price:7.5e0}',
      '{brand:"N/A",avg_price:1.99e0}',
    ]);
  });

  it('fetches one row or all, binds parameters, writes outputFiles from {{ workingDir }}, and refuses several statements in Query', async () => {
    const run = await runWithLogs(
      fixture,
      flow(`
id: duckdb_features
namespace: tests.duckdb
tasks:
  - id: numbers
    type: io.kestra.plugin.jdbc.duckdb.Queries
    parameters:
      limit: 3
    outputFiles:
      - "*.csv"
    sql: |
      CREATE TABLE n AS SELECT range AS i, 'row ' || range AS label FROM range(10);
      SELECT count(*) AS total, sum(i) AS sum FROM n;
      SELECT i, label FROM n WHERE i < :limit ORDER BY i;
      COPY (SELECT i FROM n WHERE i >= 8) TO '{{ workingDir }}/tail.csv' (HEADER);
    fetchType: FETCH
  - id: one
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT 42 AS answer, [1, 2] AS list, DATE '2019-01-01' AS day
    fetchType: FETCH_ONE
  - id: several
    type: io.kestra.plugin.jdbc.duckdb.Query
    allowFailure: true
    sql: SELECT 1; SELECT 2;
`),
    );
    assert.equal(run.execution.state, 'WARNING', run.execution.error);
    const numbers = run.output('numbers') as { outputs: unknown[]; outputFiles: Record<string, string> };
    assert.deepEqual(numbers.outputs, [
      { rows: [{ total: 10, sum: 45 }], size: 1 },
      {
        rows: [
          { i: 0, label: 'row 0' },
          { i: 1, label: 'row 1' },
          { i: 2, label: 'row 2' },
        ],
        size: 3,
      },
    ]);
    assert.equal(await readFile(tempStorage.storage.pathOf(numbers.outputFiles['tail.csv']), 'utf8'), 'i\n8\n9\n');
    assert.deepEqual(run.output('one'), { row: { answer: 42, list: [1, 2], day: '2019-01-01T00:00:00.000Z' } });
    assert.equal(
      run.taskRun('several')?.error,
      'Query task support only a single SQL statement, found 2. Use the Queries task to run multiple statements',
    );
  });

  it('keeps SQL inside the working directory, and a jdbc:duckdb:/absolute database per namespace under the state dir', async () => {
    const spec = flow(`
id: duckdb_persistent
namespace: tests.duckdb
tasks:
  - id: count
    type: io.kestra.plugin.jdbc.duckdb.Queries
    url: jdbc:duckdb:/course/taxi.duckdb
    sql: |
      CREATE TABLE IF NOT EXISTS runs (n INTEGER);
      INSERT INTO runs VALUES (1);
      SELECT count(*) AS runs FROM runs;
    fetchType: FETCH_ONE
  - id: escape
    type: io.kestra.plugin.jdbc.duckdb.Query
    allowFailure: true
    sql: SELECT * FROM read_csv('/etc/passwd')
  - id: escape_url
    type: io.kestra.plugin.jdbc.duckdb.Query
    allowFailure: true
    url: jdbc:duckdb:../other.duckdb
    sql: SELECT 1
`);
    const first = await runWithLogs(fixture, spec);
    const second = await runWithLogs(fixture, spec);
    assert.deepEqual(first.output('count'), { outputs: [{ row: { runs: 1 } }] });
    assert.deepEqual(second.output('count'), { outputs: [{ row: { runs: 2 } }] });
    assert.ok((await stat(join(stateDir, 'duckdb', 'tests', 'duckdb', 'course', 'taxi.duckdb'))).isFile());
    assert.match(second.taskRun('escape')?.error ?? '', /^SQL statement failed: Permission Error: Cannot access file "\/etc\/passwd"/);
    assert.match(second.taskRun('escape_url')?.error ?? '', /^DuckDB url "jdbc:duckdb:\.\.\/other\.duckdb": the database file must stay inside /);
  });
});
