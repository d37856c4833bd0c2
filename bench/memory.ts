/**
 * Memory: the worker's resident set while CopyIn loads a yellow-sized month (7,667,792 rows,
 * ~690 MB of CSV, the size of yellow January 2019). The worker runs as its own process
 * (`node bin/tflow.js worker` on a task queue of its own); its VmRSS is sampled every 100 ms from
 * /proc while the load runs, and VmHWM read at the end. Baseline: the same worker's idle RSS before
 * the load. The load's rate is reported next to `psql \copy` of the same file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, executionResult, startExecution } from '../src/client/executions';
import { loadConfig } from '../src/config';
import { startDevServer } from '../src/temporal/dev-server';
import { workflowCodeOptions, writeWorkflowBundle } from '../src/worker/workflow-bundle';
import { createTestDatabase } from '../test/helpers/postgres';
import { PROJECT_ROOT, TFLOW_BIN } from '../test/helpers/paths';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';
import {
  cachedTaxiFile,
  copyInFlow,
  placeInStorage,
  psqlArgs,
  psqlCopyCommand,
  rowsPerSecond,
  runCommand,
  stagingTableDdl,
  thousands,
  YELLOW_ROWS,
} from './taxi-bench';

const MiB = 2 ** 20;

/** VmRSS and VmHWM of a process, in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  // Measure the worker as `npm run build` leaves it, loading dist/workflow-bundle.js: a compile of
  // the tree since then makes the bundle look stale and the worker would bundle at start (webpack
  // in the worker, a few hundred MB more).
  if (!workflowCodeOptions().workflowBundle) await writeWorkflowBundle();
  const child = spawn(process.execPath, [TFLOW_BIN, 'worker'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start in 60 s: ${stderr}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Worker polling')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`the worker exited (${code}): ${stderr}`)));
  });
  child.removeAllListeners('exit');
  child.stderr!.resume();
  return child;
}

async function stopWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export async function benchMemory(runs = 2): Promise<BenchRow[]> {
  const csv = await cachedTaxiFile('yellow', YELLOW_ROWS, false);
  const storageRoot = await mkdtemp(join(tmpdir(), 'tflow-bench-memory-'));
  const db = await createTestDatabase('tflow_bench_memory');
  const config = { ...loadConfig(), taskQueue: `bench-memory-${randomBytes(3).toString('hex')}`, storage: storageRoot };
  await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (l) => console.error(l) });
  const client = await connectClient(config);
  const table = 'public.yellow_tripdata_staging';
  const peaks: number[] = [];
  const idles: number[] = [];
  const rates: number[] = [];
  const psqlRates: number[] = [];
  const traces: number[][] = [];
  try {
    await db.query(stagingTableDdl('yellow', table));
    const uri = 'kestra:///bench/_files/memory/yellow_tripdata_2019-01.csv';
    await placeInStorage(storageRoot, uri, csv);
    const flow = copyInFlow('yellow', db.jdbcUrl, uri, table);
    for (let i = 0; i < runs; i++) {
      await db.query(`TRUNCATE ${table}`);
      const child = await startWorkerProcess({ ...process.env, TFLOW_TASK_QUEUE: config.taskQueue, TFLOW_STORAGE: storageRoot });
      try {
        await sleep(3_000); // settle after start-up
        const idle = stats(await sampleFor(child.pid!, 1_000)).median;
        const trace: number[] = [];
        const sampler = setInterval(() => trace.push(memoryOf(child.pid!).rss), 100);
        const started = performance.now();
        const execution = await executionResult(await startExecution(client, config, flow));
        const ms = performance.now() - started;
        clearInterval(sampler);
        const { hwm } = memoryOf(child.pid!);
        if (execution.state !== 'SUCCESS') throw new Error(`CopyIn of the yellow month ended ${execution.state}: ${execution.error}`);
        const rowCount = (execution.taskRuns[0]?.outputs as { rowCount?: number }).rowCount;
        if (rowCount !== YELLOW_ROWS) throw new Error(`CopyIn loaded ${rowCount} rows, expected ${YELLOW_ROWS}`);
        idles.push(idle);
        peaks.push(Math.max(hwm, ...trace));
        rates.push(rowsPerSecond(YELLOW_ROWS, ms));
        traces.push(trace);
      } finally {
        await stopWorkerProcess(child);
      }
      await db.query(`TRUNCATE ${table}`);
      const psqlMs = await runCommand('psql', [...psqlArgs(db.name), '-c', psqlCopyCommand('yellow', table, csv)]);
      psqlRates.push(rowsPerSecond(YELLOW_ROWS, psqlMs));
    }
    const peak = stats(peaks.map((b) => b / MiB));
    const idle = stats(idles.map((b) => b / MiB));
    const rate = stats(rates.map((r) => r / 1000));
    const psqlRate = stats(psqlRates.map((r) => r / 1000));
    // Flat: RSS in the last quarter of the load is no higher than in the second quarter.
    const quarter = (trace: number[], q: number) =>
      Math.max(...trace.slice(Math.floor((trace.length * q) / 4), Math.floor((trace.length * (q + 1)) / 4)));
    const growth = Math.max(...traces.map((t) => (quarter(t, 3) - quarter(t, 1)) / MiB));
    return [
      {
        benchmark: `memory: worker peak RSS while CopyIn loads a yellow-sized month, ${thousands(YELLOW_ROWS)} rows (${(readSize(csv) / MiB).toFixed(0)} MiB CSV)`,
        tflow: `${formatStats(peak, 'MiB', 0)}; RSS growth from the 2nd to the 4th quarter of the load ${growth.toFixed(0)} MiB; load ${formatStats(rate, 'k rows/s', 0)} (psql \\copy ${psqlRate.median.toFixed(0)}k rows/s)`,
        baseline: `the same worker idle before the load: ${formatStats(idle, 'MiB', 0)}`,
        ratio: `${(peak.median / idle.median).toFixed(2)}× (memory)`,
        target: 'flat, under 300 MB',
        met: peak.max * MiB < 300e6 && growth < 20,
      },
    ];
  } finally {
    await client.connection.close();
    await db.drop();
    await rm(storageRoot, { recursive: true, force: true });
  }
}

async function sampleFor(pid: number, ms: number): Promise<number[]> {
  const samples: number[] = [];
  for (let t = 0; t < ms; t += 100) {
    samples.push(memoryOf(pid).rss);
    await sleep(100);
  }
  return samples;
}

function readSize(path: string): number {
  return statSync(path).size;
}
