/**
 * Shared plumbing for the data benchmarks (CopyIn, whole pipeline, memory): generated taxi months
 * cached outside the repository, a tflow worker with its own storage and JDBC aliases, psql runs.
 *
 * Generated files are cached in TFLOW_BENCH_CACHE (default ~/.cache/tflow/bench): the green month
 * (630,918 rows, ~17 MB gzipped, ~100 MB as CSV) and the yellow-sized month (7,667,792 rows,
 * ~690 MB CSV) take minutes to generate; they are made once and reused. Delete the folder to reclaim
 * the space.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Client } from '@temporalio/client';
import { connectClient, executionResult, startExecution, type StartOptions } from '../src/client/executions';
import { loadConfig, type TflowConfig } from '../src/config';
import { parse } from 'yaml';
import { compileFlow, compileFlowFile } from '../src/compiler/compile';
import type { FlowSpec } from '../src/workflow/flow/spec';
import type { Execution } from '../src/workflow/interpreter/execution';
import { startDevServer } from '../src/temporal/dev-server';
import { startWorker, type TflowWorker } from '../src/worker/worker';
import { generateTaxiFile, startTaxiDataServer, TAXI_COLUMNS, taxiFileName, writeWgetShim, type Taxi } from '../src/demo/taxi-data';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres';
import { PROJECT_ROOT } from '../test/helpers/paths';

export const GREEN_ROWS = 630_918;
export const YELLOW_ROWS = 7_667_792;

export function benchCacheDir(): string {
  return process.env.TFLOW_BENCH_CACHE ?? join(homedir(), '.cache', 'tflow', 'bench');
}

/**
 * `<cache>/<taxi>/<taxi>_tripdata_2019-01.csv[.gz]` with `rows` rows, generated on first use (another
 * month, or in a folder of the cache: `options`). A `.done` marker holding the row count says the
 * file is complete (a run interrupted mid-generation is regenerated).
 */
export async function cachedTaxiFile(taxi: Taxi, rows: number, gzip: boolean, options: { month?: number; folder?: string } = {}): Promise<string> {
  const month = options.month ?? 1;
  const dir = options.folder ? join(benchCacheDir(), options.folder) : benchCacheDir();
  const path = join(dir, taxi, `${taxiFileName(taxi, 2019, month)}${gzip ? '.gz' : ''}`);
  const marker = `${path}.done`;
  if (existsSync(path) && existsSync(marker) && (await readFile(marker, 'utf8')).trim() === String(rows)) return path;
  console.error(`bench: generating ${path} (${rows} rows, once; cached in ${dir})…`);
  const scratch = join(dir, `.generating-${randomBytes(3).toString('hex')}`);
  try {
    const file = await generateTaxiFile({ taxi, year: 2019, month, rows, dir: scratch, gzip });
    await mkdir(dirname(path), { recursive: true });
    await rename(file.path, path);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await writeFile(marker, String(rows));
  return path;
}

/** The green month as plain CSV (what `wget | gunzip` produces), next to its .gz in the cache. */
export async function cachedGreenCsv(): Promise<string> {
  const gz = await cachedTaxiFile('green', GREEN_ROWS, true);
  const csv = gz.replace(/\.gz$/, '');
  const marker = `${csv}.done`;
  if (existsSync(csv) && existsSync(marker)) return csv;
  await pipeline(createReadStream(gz), createGunzip(), createWriteStream(`${csv}.partial`));
  await rename(`${csv}.partial`, csv);
  await writeFile(marker, String(GREEN_ROWS));
  return csv;
}

/** Places `file` in local storage at `uri` (a hard link: no copy of a 700 MB file). */
export async function placeInStorage(storageRoot: string, uri: string, file: string): Promise<void> {
  const path = join(storageRoot, uri.replace(/^kestra:\/\/\//, ''));
  await mkdir(dirname(path), { recursive: true });
  await rm(path, { force: true });
  await link(file, path).catch(() => copyFile(file, path));
}

/** The course's staging table DDL (flows/02_postgres_taxi.yaml), for `<taxi>_tripdata_staging`. */
export function stagingTableDdl(taxi: Taxi, table: string): string {
  const types: Record<string, string> = {
    VendorID: 'text',
    RatecodeID: 'text',
    store_and_fwd_flag: 'text',
    PULocationID: 'text',
    DOLocationID: 'text',
    passenger_count: 'integer',
    payment_type: 'integer',
    trip_type: 'integer',
    tpep_pickup_datetime: 'timestamp',
    tpep_dropoff_datetime: 'timestamp',
    lpep_pickup_datetime: 'timestamp',
    lpep_dropoff_datetime: 'timestamp',
  };
  const columns = ['unique_row_id text', 'filename text', ...TAXI_COLUMNS[taxi].map((c) => `${c} ${types[c] ?? 'double precision'}`)];
  return `CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')})`;
}

/** A one-task flow: CopyIn of `from` into `table`, as the course's CopyIn task writes it. */
export function copyInFlow(taxi: Taxi, jdbcUrl: string, from: string, table: string): FlowSpec {
  return flowOf(`id: copy_in_${taxi}
namespace: bench
tasks:
  - id: copy_in
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    url: ${jdbcUrl}
    username: root
    format: CSV
    header: true
    from: "${from}"
    table: ${table}
    columns: [${TAXI_COLUMNS[taxi].join(',')}]
`);
}

export function psqlCopyCommand(taxi: Taxi, table: string, file: string): string {
  return `\\copy ${table} (${TAXI_COLUMNS[taxi].join(',')}) FROM '${file}' WITH (FORMAT CSV, HEADER)`;
}

/** A flow of the repository's flows/ folder, compiled. */
export function loadProjectFlow(file: string): FlowSpec {
  const compiled = compileFlowFile(join(PROJECT_ROOT, 'flows', file));
  if (!compiled.spec) throw new Error(`${file}: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
  return compiled.spec;
}

interface SqlTask {
  id: string;
  type: string;
  sql?: string;
  columns?: string[];
  table?: string;
  then?: SqlTask[];
}

/**
 * One taxi branch (`if_<taxi>_taxi`) of a flow of flows/ as psql input, for the shell baselines:
 * each task's SQL with the flow's variables rendered for `file`, CopyIn as the equivalent `\copy`
 * of the local `file`; a nested If's tasks are returned as one more list (`nested`), for the script
 * to run or skip. `{{outputs.extract.vars.md5}}` becomes psql's `:'md5'` variable.
 */
export function flowBranchAsPsql(flowFile: string, taxi: Taxi, file: string): { tasks: string[]; nested: string[] } {
  const yaml = parse(readFileSync(join(PROJECT_ROOT, 'flows', flowFile), 'utf8')) as { tasks: SqlTask[] };
  const branch = yaml.tasks.find((t) => t.id === `if_${taxi}_taxi`)?.then ?? [];
  const render = (text: string) =>
    text
      .replaceAll('{{render(vars.staging_table)}}', `public.${taxi}_tripdata_staging`)
      .replaceAll('{{render(vars.table)}}', `public.${taxi}_tripdata`)
      .replaceAll('{{render(vars.loads_table)}}', 'public.taxi_file_loads')
      .replaceAll('{{render(vars.file)}}', file)
      .replaceAll("'{{outputs.extract.vars.md5}}'", ":'md5'");
  const asPsql = (task: SqlTask): string => {
    if (task.type.endsWith('.CopyIn')) {
      return `\\copy ${render(task.table ?? '')} (${(task.columns ?? TAXI_COLUMNS[taxi]).join(',')}) FROM '${file}' WITH (FORMAT CSV, HEADER)`;
    }
    // A Queries task is one transaction (its SET LOCAL needs one).
    return `BEGIN;\n${render(task.sql ?? '').trim()}\nCOMMIT;`;
  };
  const tasks = branch.filter((t) => !t.then).map(asPsql);
  const nested = branch.flatMap((t) => t.then ?? []).map(asPsql);
  const all = [...tasks, ...nested].join('\n');
  if (branch.length === 0 || all.includes('{{')) throw new Error(`could not turn ${flowFile} into a psql script`);
  return { tasks, nested };
}

export function flowOf(yaml: string, source = 'bench.yaml'): FlowSpec {
  const { spec, diagnostics } = compileFlow(yaml, source);
  if (!spec) throw new Error(diagnostics.map((d) => `${d.path}: ${d.message}`).join('\n'));
  return spec;
}

/** Runs a command to its end; resolves with its wall time in ms, rejects on a non-zero exit. */
export function runCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${output}`));
    });
  });
}

export function psqlArgs(database: string): string[] {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', '5432', '-U', 'root', '-d', database];
}

/** A tflow worker in this process on its own task queue, with its own storage (a folder, or `s3://…`) and JDBC aliases. */
export interface BenchWorker {
  config: TflowConfig;
  client: Client;
  worker: TflowWorker;
  run(flow: FlowSpec, options?: StartOptions): Promise<Execution>;
  close(): Promise<void>;
}

export async function startBenchWorker(storage: string, jdbcUrlAliases: Record<string, string> = {}): Promise<BenchWorker> {
  const config: TflowConfig = { ...loadConfig(), taskQueue: `bench-${randomBytes(3).toString('hex')}`, storage, jdbcUrlAliases };
  await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (l) => console.error(l) });
  // The whole worker as users run it (task activities on this storage folder, plus the local-activity plumbing).
  const worker = await startWorker(config);
  const client = await connectClient(config);
  return {
    config,
    client,
    worker,
    async run(flow, options) {
      return executionResult(await startExecution(client, config, flow, options));
    },
    async close() {
      await worker.shutdown();
      await client.connection.close();
    },
  };
}

/**
 * What the whole-pipeline benchmarks share: the course's release URLs served from `dataDir` (a
 * `wget` shim first on the worker's PATH), a throwaway database the flows' `pgdatabase` URL is
 * aliased to, and a worker with its own storage folder in `workDir`.
 */
export interface PipelineRig {
  workDir: string;
  baseUrl: string;
  db: TestDatabase;
  bench: BenchWorker;
  /** Runs a flow of flows/ to SUCCESS (or throws); its wall time in ms and the execution. */
  runFlow(flow: FlowSpec, inputs: Record<string, string>): Promise<{ ms: number; execution: Execution }>;
  close(): Promise<void>;
}

export const COURSE_JDBC_URL = 'jdbc:postgresql://pgdatabase:5432/ny_taxi';

export async function startPipelineRig(dataDir: string, database: string): Promise<PipelineRig> {
  const workDir = await mkdtemp(join(tmpdir(), `${database}-`));
  const server = await startTaxiDataServer(dataDir);
  const shimDir = join(workDir, 'bin');
  await writeWgetShim(shimDir, server.baseUrl);
  const savedPath = process.env.PATH;
  // The Process task runner passes the worker's environment on: the shim answers the flow's wget.
  process.env.PATH = `${shimDir}:${savedPath}`;
  const db = await createTestDatabase(database);
  let bench: BenchWorker | undefined;
  const close = async () => {
    process.env.PATH = savedPath;
    await bench?.close();
    await server.close();
    await db.drop();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    bench = await startBenchWorker(join(workDir, 'storage'), { [COURSE_JDBC_URL]: db.jdbcUrl });
  } catch (error) {
    await close();
    throw error;
  }
  const worker = bench;
  return {
    workDir,
    baseUrl: server.baseUrl,
    db,
    bench: worker,
    async runFlow(flow, inputs) {
      const started = performance.now();
      const execution = await worker.run(flow, { inputs });
      const ms = performance.now() - started;
      if (execution.state !== 'SUCCESS') throw new Error(`${flow.id} ended ${execution.state}: ${execution.error}`);
      return { ms, execution };
    },
    close,
  };
}

export function rowsPerSecond(rows: number, ms: number): number {
  return rows / (ms / 1000);
}

/** `1,234,567`. */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function durationMs(execution: Execution, taskId: string): number | undefined {
  const run = execution.taskRuns.find((r) => r.taskId === taskId);
  if (!run?.startDate || !run.endDate) return undefined;
  return Date.parse(run.endDate) - Date.parse(run.startDate);
}
