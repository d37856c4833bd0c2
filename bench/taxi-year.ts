/**
 * A year of taxi data, month after month into one table: twelve generated yellow months (500,000
 * rows each) loaded one after another with flows/taxi_improved.yaml, with the course's
 * flows/02_postgres_taxi.yaml, and with a shell script doing the improved flow's steps (`curl |
 * gunzip` keeping the download for `md5sum`, psql of the flow's own SQL with `\copy` for CopyIn, the load skipped when the
 * file was merged before). Each starts from empty tables; each month's time is reported.
 *
 * TFLOW_BENCH_YEAR_ROWS (rows per month) and TFLOW_BENCH_YEAR_MONTHS (how many months) make a quick
 * check: `TFLOW_BENCH_YEAR_ROWS=20000 TFLOW_BENCH_YEAR_MONTHS=3 npm run bench taxi-year`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RELEASE_PATH, taxiFileName } from '../src/demo/taxi-data';
import type { BenchRow } from './results';
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
  const rig = await startPipelineRig(join(benchCacheDir(), folder), 'tflow_bench_taxi_year');
  try {
    const reset = () => rig.db.query('DROP TABLE IF EXISTS public.yellow_tripdata, public.yellow_tripdata_staging, public.taxi_file_loads');
    const loadedRows = async () => (await rig.db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.yellow_tripdata'))[0].n;
    const expected = rows * months.length;
    const year = async (who: string, loadMonth: (month: string) => Promise<number>): Promise<number[]> => {
      await reset();
      const times: number[] = [];
      for (const month of months) {
        times.push((await loadMonth(month)) / 1000);
        console.error(`bench: taxi-year ${who} ${month}: ${times.at(-1)!.toFixed(1)} s`);
      }
      const n = await loadedRows();
      if (n !== expected) throw new Error(`${who} left ${n} rows in yellow_tripdata, expected ${expected}`);
      return times;
    };
    const flowYear = (file: string) => {
      const flow = loadProjectFlow(file);
      return year(flow.id, async (month) => (await rig.runFlow(flow, { taxi: 'yellow', year: '2019', month })).ms);
    };
    const script = await writeImprovedScript(rig, months);

    // Warm-up: one month with each, so the first timed month is not also the first run of the day.
    await reset();
    await rig.runFlow(loadProjectFlow('taxi_improved.yaml'), { taxi: 'yellow', year: '2019', month: months[0] });
    await runCommand('sh', [script, months[0]]);

    const improved = await flowYear('taxi_improved.yaml');
    const course = await flowYear('02_postgres_taxi.yaml');
    const scripted = await year('the shell script', (month) => runCommand('sh', [script, month]));

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
    await rig.close();
  }
}

/**
 * `year.sh <month>`: the improved flow's steps for one yellow month as a shell script: download and
 * gunzip, md5sum, the prepare task's SQL (whose last statement says whether the file was merged
 * before), then, unless it was, `\copy` and the merge.
 */
async function writeImprovedScript(rig: PipelineRig, months: string[]): Promise<string> {
  const dir = join(rig.workDir, 'year-script');
  await mkdir(dir, { recursive: true });
  for (const month of months) {
    const file = taxiFileName('yellow', 2019, Number(month));
    const { tasks, nested } = flowBranchAsPsql('taxi_improved.yaml', 'yellow', file);
    await writeFile(join(dir, `prepare-${month}.sql`), tasks.join('\n\n') + '\n');
    await writeFile(join(dir, `load-${month}.sql`), nested.join('\n\n') + '\n');
  }
  const psql = `psql ${psqlArgs(rig.db.name).join(' ')}`;
  const script = join(dir, 'year.sh');
  await writeFile(
    script,
    `#!/bin/sh
set -e
cd "${dir}"
file=yellow_tripdata_2019-$1.csv
curl -sfL "${rig.baseUrl}${RELEASE_PATH}/yellow/$file.gz" | tee $file.gz | gunzip > $file
md5=$(md5sum $file.gz | cut -c1-32)
rm $file.gz
merged=$(${psql} -A -t -v md5="$md5" -f prepare-$1.sql)
if [ "$merged" = 0 ]; then ${psql} -v md5="$md5" -f load-$1.sql; fi
rm -f $file
`,
  );
  return script;
}
