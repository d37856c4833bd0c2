/**
 * Everything a taxi-flow test needs, set up once per test file: generated months served like the
 * course's GitHub release assets, a `wget` shim first on the worker's PATH, a throwaway database the
 * flow's `jdbc:postgresql://pgdatabase:5432/ny_taxi` is aliased to, internal storage, the compiled
 * flow, and a real worker. Deployment-level plumbing only: the flow's YAML is never edited.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFlowFile } from '../../src/compiler/compile';
import type { FlowSpec } from '../../src/workflow/flow/spec';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { type InternalStorage, storageFromConfig } from '../../src/storage';
import { generateTaxiFile, startTaxiDataServer, writeWgetShim, type TaxiDataServer, type TaxiFile } from '../../src/demo/taxi-data';
import { PROJECT_ROOT } from './paths';
import { createTestDatabase, type TestDatabase } from './postgres';
import { runToEnd, startTemporalFixture, type TemporalFixture } from './temporal';

export interface TaxiStack {
  fixture: TemporalFixture;
  db: TestDatabase;
  server: TaxiDataServer;
  storage: InternalStorage;
  spec: FlowSpec;
  /** green 2019-01 (5,000 rows, a few duplicates), green 2019-02 (3,000), yellow 2019-01 (4,000). */
  files: { green01: TaxiFile; green02: TaxiFile; yellow01: TaxiFile };
  run(inputs: Record<string, string>): Promise<Execution>;
  count(table: string, where?: string): Promise<number>;
  close(): Promise<void>;
}

export async function startTaxiStack(options: {
  flowFile: string;
  database: string;
  /** TFLOW_STORAGE (`s3://…`, `gs://…`); by default a folder of the stack's own. */
  storage?: string;
}): Promise<TaxiStack> {
  const workDir = await mkdtemp(join(tmpdir(), `${options.database}-`));
  const dataDir = join(workDir, 'data');
  const month = { dir: dataDir, collectIds: true };
  const files = {
    green01: await generateTaxiFile({ taxi: 'green', year: 2019, month: 1, rows: 5_000, duplicateShare: 0.002, ...month }),
    green02: await generateTaxiFile({ taxi: 'green', year: 2019, month: 2, rows: 3_000, ...month }),
    yellow01: await generateTaxiFile({ taxi: 'yellow', year: 2019, month: 1, rows: 4_000, ...month }),
  };
  const server = await startTaxiDataServer(dataDir);
  const shimDir = join(workDir, 'bin');
  await writeWgetShim(shimDir, server.baseUrl);
  const db = await createTestDatabase(options.database);
  process.env.PATH = `${shimDir}:${process.env.PATH}`;
  process.env.TFLOW_STORAGE = options.storage ?? join(workDir, 'storage');
  process.env.TFLOW_JDBC_URL_ALIASES = JSON.stringify({ 'jdbc:postgresql://pgdatabase:5432/ny_taxi': db.jdbcUrl });
  const storage = storageFromConfig({ storage: process.env.TFLOW_STORAGE });
  const compiled = compileFlowFile(join(PROJECT_ROOT, 'flows', options.flowFile));
  assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
  const spec = compiled.spec;
  const fixture = await startTemporalFixture();
  return {
    fixture,
    db,
    server,
    storage,
    spec,
    files,
    run: (inputs) => runToEnd(fixture, spec, { inputs }),
    count: async (table, where = 'true') => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`))[0].n,
    async close() {
      await fixture.close();
      await server.close();
      await db.drop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
