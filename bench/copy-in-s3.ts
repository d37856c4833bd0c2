/**
 * CopyIn from S3 internal storage against CopyIn from local storage: the same one-task flow on two
 * workers of this process, one on each storage, the green month placed in both, alternated, the
 * table truncated before every load. The S3 store is gofakes3 on this machine (in memory, built
 * from its Go module as for the tests): the figure is what tflow's S3 path costs (HTTP, the SDK's
 * streamed read), without a network's latency or bandwidth.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageFromConfig } from '../src/storage';
import { GOFAKES3, startGoTestServer } from '../test/helpers/go-test-servers';
import { createTestDatabase } from '../test/helpers/postgres';
import { csvBytes, kRows, timeCopyIn } from './copy-in';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';
import { cachedGreenCsv, copyInFlow, GREEN_ROWS, placeInStorage, rowsPerSecond, stagingTableDdl, startBenchWorker, thousands } from './taxi-bench';

const BUCKET = 'tflow-bench';

export async function benchCopyInS3(runs = 5): Promise<BenchRow[]> {
  const csv = await cachedGreenCsv();
  const s3 = await startGoTestServer(GOFAKES3);
  const s3Env = { AWS_ENDPOINT_URL_S3: s3.url, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };
  const savedEnv = Object.fromEntries(Object.keys(s3Env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, s3Env);
  const localRoot = await mkdtemp(join(tmpdir(), 'tflow-bench-copy-s3-'));
  const db = await createTestDatabase('tflow_bench_copy_s3');
  const local = await startBenchWorker(localRoot);
  const remote = await startBenchWorker(`s3://${BUCKET}/bench`);
  try {
    const table = 'public.green_tripdata_staging';
    await db.query(stagingTableDdl('green', table));
    const uri = 'kestra:///bench/_files/copy_in/green_tripdata_2019-01.csv';
    await placeInStorage(localRoot, uri, csv);
    await storageFromConfig(remote.config).put(uri, createReadStream(csv));
    const flow = copyInFlow('green', db.jdbcUrl, uri, table);

    await timeCopyIn(local, flow, db, table); // warm-up: page cache, workers, connection paths
    await timeCopyIn(remote, flow, db, table);
    const localMs: number[] = [];
    const s3Ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      localMs.push((await timeCopyIn(local, flow, db, table)).ms);
      s3Ms.push((await timeCopyIn(remote, flow, db, table)).ms);
    }
    const s3Rate = stats(s3Ms.map((ms) => rowsPerSecond(GREEN_ROWS, ms)));
    const localRate = stats(localMs.map((ms) => rowsPerSecond(GREEN_ROWS, ms)));
    const ratio = s3Rate.median / localRate.median;
    return [
      {
        benchmark: `CopyIn from S3 storage (gofakes3 on the same machine): green month, ${thousands(GREEN_ROWS)} rows (${(csvBytes(csv) / 2 ** 20).toFixed(0)} MiB CSV), whole execution`,
        tflow: formatStats(kRows(s3Rate), 'k rows/s', 0),
        baseline: `the same flow with local storage, alternated: ${formatStats(kRows(localRate), 'k rows/s', 0)}`,
        ratio: `${ratio.toFixed(2)}× (rate)`,
        target: '≥ 0.90× local storage',
        met: ratio >= 0.9,
      },
    ];
  } finally {
    await remote.close();
    await local.close();
    await db.drop();
    await rm(localRoot, { recursive: true, force: true });
    await s3.stop();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
