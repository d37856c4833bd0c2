/**
 * CopyIn throughput: a tflow execution of a one-task flow (CopyIn of a green month already in
 * internal storage) against `psql \copy` of the same file into the same table, alternated, the
 * table truncated before every load. Rows per second over each one's whole wall time: the tflow
 * figure includes starting the execution, scheduling the activity and the connection.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres';
import type { FlowSpec } from '../src/workflow/flow/spec';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';
import {
  cachedGreenCsv,
  copyInFlow,
  durationMs,
  GREEN_ROWS,
  placeInStorage,
  psqlArgs,
  psqlCopyCommand,
  rowsPerSecond,
  runCommand,
  stagingTableDdl,
  startBenchWorker,
  type BenchWorker,
  thousands,
} from './taxi-bench';

export async function benchCopyIn(runs = 7): Promise<BenchRow[]> {
  const csv = await cachedGreenCsv();
  const storageRoot = await mkdtemp(join(tmpdir(), 'tflow-bench-copy-'));
  const db = await createTestDatabase('tflow_bench_copy');
  const bench = await startBenchWorker(storageRoot);
  try {
    const table = 'public.green_tripdata_staging';
    await db.query(stagingTableDdl('green', table));
    // A namespace file: what an execution may read besides its own files (src/workflow/storage/storage-scope.ts).
    const uri = 'kestra:///bench/_files/copy_in/green_tripdata_2019-01.csv';
    await placeInStorage(storageRoot, uri, csv);
    const flow = copyInFlow('green', db.jdbcUrl, uri, table);

    const tflowLoad = () => timeCopyIn(bench, flow, db, table);
    const psqlLoad = async () => {
      await db.query(`TRUNCATE ${table}`);
      const ms = await runCommand('psql', [...psqlArgs(db.name), '-c', psqlCopyCommand('green', table, csv)]);
      const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      if (n !== GREEN_ROWS) throw new Error(`psql \\copy loaded ${n} rows, expected ${GREEN_ROWS}`);
      return ms;
    };

    await tflowLoad(); // warm-up: page cache, worker, connection paths
    await psqlLoad();
    const tflowMs: number[] = [];
    const taskMs: number[] = [];
    const psqlMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = await tflowLoad();
      tflowMs.push(t.ms);
      taskMs.push(t.taskMs);
      psqlMs.push(await psqlLoad());
    }
    const tflowRate = stats(tflowMs.map((ms) => rowsPerSecond(GREEN_ROWS, ms)));
    const taskRate = stats(taskMs.map((ms) => rowsPerSecond(GREEN_ROWS, ms)));
    const psqlRate = stats(psqlMs.map((ms) => rowsPerSecond(GREEN_ROWS, ms)));
    const ratio = tflowRate.median / psqlRate.median;
    return [
      {
        benchmark: `CopyIn: green month, ${thousands(GREEN_ROWS)} rows (${(csvBytes(csv) / 2 ** 20).toFixed(0)} MiB CSV) from internal storage, whole execution`,
        tflow: `${formatStats(kRows(tflowRate), 'k rows/s', 0)}; the task alone ${kRows(taskRate).median.toFixed(0)}k rows/s`,
        baseline: `psql \\copy of the same file into the same table: ${formatStats(kRows(psqlRate), 'k rows/s', 0)}`,
        ratio: `${ratio.toFixed(2)}× (rate)`,
        target: '≥ 0.95× psql',
        met: ratio >= 0.95,
      },
    ];
  } finally {
    await bench.close();
    await db.drop();
    await rm(storageRoot, { recursive: true, force: true });
  }
}

/** One CopyIn execution into an emptied table, checked: its wall time and the task's own. */
export async function timeCopyIn(bench: BenchWorker, flow: FlowSpec, db: TestDatabase, table: string): Promise<{ ms: number; taskMs: number }> {
  await db.query(`TRUNCATE ${table}`);
  const started = performance.now();
  const execution = await bench.run(flow);
  const ms = performance.now() - started;
  if (execution.state !== 'SUCCESS') throw new Error(`CopyIn flow ended ${execution.state}: ${execution.error}`);
  const rowCount = (execution.taskRuns[0]?.outputs as { rowCount?: number }).rowCount;
  if (rowCount !== GREEN_ROWS) throw new Error(`CopyIn loaded ${rowCount} rows, expected ${GREEN_ROWS}`);
  return { ms, taskMs: durationMs(execution, 'copy_in') ?? ms };
}

/** Rows/s figures in thousands. */
export function kRows(s: ReturnType<typeof stats>): ReturnType<typeof stats> {
  return { ...s, median: s.median / 1000, min: s.min / 1000, max: s.max / 1000 };
}

export function csvBytes(path: string): number {
  return statSync(path).size;
}
