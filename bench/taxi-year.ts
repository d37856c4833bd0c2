/**
 * A year of taxi data, month after month into one table: twelve generated yellow months (500,000
 * rows each) loaded one after another with flows/taxi_improved.yaml, with the course's
 * flows/02_postgres_taxi.yaml, and with a shell script doing the improved flow's steps (`curl |
 * gunzip` keeping the download for `md5sum`, psql of the flow's own SQL with `\copy` for CopyIn, the load skipped when the
 * file was merged before). Each starts from empty tables in a database of its own; the three run
 * interleaved, month by month (drift in the machine's load hits all three alike: run one year
 * after another, their totals compared different hours, docs/performance.md "The taxi pipeline");
 * each month's time is reported.
 *
 * TFLOW_BENCH_YEAR_ROWS (rows per month) and TFLOW_BENCH_YEAR_MONTHS (how many months) make a quick
 * check: `TFLOW_BENCH_YEAR_ROWS=20000 TFLOW_BENCH_YEAR_MONTHS=3 npm run bench taxi-year`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RELEASE_PATH, taxiFileName } from '../src/demo/taxi-data';
import type { BenchRow } from './results';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres';
import {
  benchCacheDir,
  cachedTaxiFile,
  flowBranchAsPsql,
  loadProjectFlow,
  type PipelineRig,
  psqlArgs,
  runCommand,
  startPipelineRig,
  thousands,
} from './taxi-bench';

const YEAR_ROWS = 500_000;

function positiveIntFromEnv(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}, not ${value}`);
  return n;
}

export async function benchTaxiYear(): Promise<BenchRow[]> {
  const rows = positiveIntFromEnv('TFLOW_BENCH_YEAR_ROWS', YEAR_ROWS);
  const months = Array.from({ length: positiveIntFromEnv('TFLOW_BENCH_YEAR_MONTHS', 12, 12) }, (_, i) => String(i + 1).padStart(2, '0'));
  const folder = `year-${rows}`;
  for (const month of months) await cachedTaxiFile('yellow', rows, true, { month: Number(month), folder });
  const dataDir = join(benchCacheDir(), folder);
  const improvedRig = await startPipelineRig(dataDir, 'tflow_bench_taxi_year');
  let courseRig: PipelineRig | undefined;
  let scriptDb: TestDatabase | undefined;
  try {
    courseRig = await startPipelineRig(dataDir, 'tflow_bench_taxi_year_course');
    scriptDb = await createTestDatabase('tflow_bench_taxi_year_script');
    const reset = (db: TestDatabase) =>
      db.query('DROP TABLE IF EXISTS public.yellow_tripdata, public.yellow_tripdata_staging, public.taxi_file_loads');
    const expected = rows * months.length;
    const flowSeries = (rig: PipelineRig, file: string) => {
      const flow = loadProjectFlow(file);
      return { who: flow.id, db: rig.db, loadMonth: async (month: string) => (await rig.runFlow(flow, { taxi: 'yellow', year: '2019', month })).ms };
    };
    const script = await writeImprovedScript(improvedRig.workDir, improvedRig.baseUrl, scriptDb.name, months);
    const series = [
      flowSeries(improvedRig, 'taxi_improved.yaml'),
      flowSeries(courseRig, '02_postgres_taxi.yaml'),
      { who: 'the shell script', db: scriptDb, loadMonth: (month: string) => runCommand('sh', [script, month]) },
    ];

    // Warm-up: one month with each, so the first timed month is not also the first run of the day.
    for (const { db, loadMonth } of series) {
      await reset(db);
      await loadMonth(months[0]);
      await reset(db);
    }
    const times = series.map(() => [] as number[]);
    for (const month of months) {
      for (const [i, { who, loadMonth }] of series.entries()) {
        times[i].push((await loadMonth(month)) / 1000);
        console.error(`bench: taxi-year ${who} ${month}: ${times[i].at(-1)!.toFixed(1)} s`);
      }
    }
    for (const { who, db } of series) {
      const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.yellow_tripdata');
      if (n !== expected) throw new Error(`${who} left ${n} rows in yellow_tripdata, expected ${expected}`);
    }
    const [improved, course, scripted] = times;

    const sum = (times: number[]) => times.reduce((a, b) => a + b, 0);
    const lastToFirst = (times: number[]) => times.at(-1)! / times[0];
    const perMonth = (times: number[]) => `${times.map((t) => t.toFixed(1)).join(', ')} s; total ${sum(times).toFixed(1)} s`;
    const what = `${months.length} yellow months of ${thousands(rows)} rows loaded one after another into one table (${thousands(expected)} rows), each month's time`;
    const growth = lastToFirst(improved);
    const totalRatio = sum(improved) / sum(scripted);
    return [
      {
        benchmark: `year: flows/taxi_improved.yaml, ${what}`,
        tflow: `months 1–${months.length}: ${perMonth(improved)}`,
        baseline: `the course's 02_postgres_taxi, the same months: ${perMonth(course)} (last month ${lastToFirst(course).toFixed(2)}× its first)`,
        ratio: `${growth.toFixed(2)}× (last month's time / first month's)`,
        target: '≤ 1.3× (flat cost)',
        met: growth <= 1.3,
      },
      {
        benchmark: `year: flows/taxi_improved.yaml against a shell+psql script doing the same steps, ${what}, total`,
        tflow: `${sum(improved).toFixed(1)} s`,
        baseline: `shell script (curl | tee | gunzip, md5sum, psql of the flow's SQL with \\copy): ${perMonth(scripted)}`,
        ratio: `${totalRatio.toFixed(2)}× (time)`,
        target: '≤ 1.10× the script',
        met: totalRatio <= 1.1,
      },
    ];
  } finally {
    await scriptDb?.drop();
    await courseRig?.close();
    await improvedRig.close();
  }
}

/**
 * `year.sh <month>`: the improved flow's steps for one yellow month as a shell script: download and
 * gunzip, md5sum, the prepare task's SQL (whose last statement says whether the file was merged
 * before), then, unless it was, `\copy` and the merge.
 */
async function writeImprovedScript(workDir: string, baseUrl: string, database: string, months: string[]): Promise<string> {
  const dir = join(workDir, 'year-script');
  await mkdir(dir, { recursive: true });
  for (const month of months) {
    const file = taxiFileName('yellow', 2019, Number(month));
    const { tasks, nested } = flowBranchAsPsql('taxi_improved.yaml', 'yellow', file);
    await writeFile(join(dir, `prepare-${month}.sql`), tasks.join('\n\n') + '\n');
    await writeFile(join(dir, `load-${month}.sql`), nested.join('\n\n') + '\n');
  }
  const psql = `psql ${psqlArgs(database).join(' ')}`;
  const script = join(dir, 'year.sh');
  await writeFile(
    script,
    `#!/bin/sh
set -e
cd "${dir}"
file=yellow_tripdata_2019-$1.csv
curl -sfL "${baseUrl}${RELEASE_PATH}/yellow/$file.gz" | tee $file.gz | gunzip > $file
md5=$(md5sum $file.gz | cut -c1-32)
rm $file.gz
merged=$(${psql} -A -t -v md5="$md5" -f prepare-$1.sql)
if [ "$merged" = 0 ]; then ${psql} -v md5="$md5" -f load-$1.sql; fi
rm -f $file
`,
  );
  return script;
}
