/**
 * Whole pipeline: the course's taxi flow (flows/02_postgres_taxi.yaml, unmodified) for the green
 * month, end to end — download from a local server laid out like GitHub's release URLs, gunzip,
 * create, truncate, CopyIn, md5 update, MERGE, purge — against the same steps as one shell script
 * (`curl | gunzip`, then `psql -f` of the flow's own SQL with `\copy` for CopyIn). Both start from an
 * empty database (tables dropped before each run, untimed), so every run loads the whole month.
 * Then flows/taxi_improved.yaml against the course's flow, the same month, runs interleaved: into
 * empty tables, and again with the month already loaded (a re-run, which adds nothing).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlowSpec } from '../src/workflow/flow/spec';
import type { Execution } from '../src/workflow/interpreter/execution';
import { PROJECT_ROOT } from '../test/helpers/paths';
import { RELEASE_PATH } from '../src/demo/taxi-data';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';
import {
  benchCacheDir,
  cachedTaxiFile,
  flowBranchAsPsql,
  GREEN_ROWS,
  loadProjectFlow,
  psqlArgs,
  runCommand,
  startPipelineRig,
  thousands,
} from './taxi-bench';

const FILE = 'green_tripdata_2019-01.csv';
const INPUTS = { taxi: 'green', year: '2019', month: '01' };
const IMPROVED_FILE = 'taxi_improved.yaml';

export async function benchPipeline(runs = 3): Promise<BenchRow[]> {
  await cachedTaxiFile('green', GREEN_ROWS, true); // <cache>/green/green_tripdata_2019-01.csv.gz
  const rig = await startPipelineRig(benchCacheDir(), 'tflow_bench_pipeline');
  try {
    const { db, workDir } = rig;
    const course = loadProjectFlow('02_postgres_taxi.yaml');
    const scriptDir = join(workDir, 'script');
    await writeFile(join(workDir, 'load.sql'), flowBranchAsPsql('02_postgres_taxi.yaml', 'green', FILE).tasks.join('\n\n') + '\n');
    await writeFile(
      join(workDir, 'pipeline.sh'),
      `#!/bin/sh
set -e
mkdir -p "${scriptDir}" && cd "${scriptDir}"
curl -sfL "${rig.baseUrl}${RELEASE_PATH}/green/${FILE}.gz" | gunzip > ${FILE}
psql ${psqlArgs(db.name).join(' ')} -f "${join(workDir, 'load.sql')}"
rm -f ${FILE}
`,
    );
    const reset = () => db.query('DROP TABLE IF EXISTS public.green_tripdata, public.green_tripdata_staging, public.taxi_file_loads');
    const checkLoaded = async (who: string) => {
      const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.green_tripdata');
      if (n !== GREEN_ROWS) throw new Error(`${who} left ${n} rows in green_tripdata, expected ${GREEN_ROWS}`);
    };
    /** A run into empty tables, or (`rerun`) a second run of the month after an untimed first one. */
    const flowRun = async (flow: FlowSpec, rerun = false) => {
      await reset();
      if (rerun) await rig.runFlow(flow, INPUTS);
      const run = await rig.runFlow(flow, INPUTS);
      await checkLoaded(flow.id);
      return run;
    };
    const scriptRun = async () => {
      await reset();
      const ms = await runCommand('sh', [join(workDir, 'pipeline.sh')]);
      await checkLoaded('the shell script');
      return ms;
    };

    await flowRun(course); // warm-up
    await scriptRun();
    const flowMs: number[] = [];
    const scriptMs: number[] = [];
    let phases: Execution | undefined;
    for (let i = 0; i < runs; i++) {
      const run = await flowRun(course);
      flowMs.push(run.ms);
      phases = run.execution;
      scriptMs.push(await scriptRun());
    }
    const flowS = stats(flowMs.map((ms) => ms / 1000));
    const scriptS = stats(scriptMs.map((ms) => ms / 1000));
    const ratio = flowS.median / scriptS.median;
    const rows: BenchRow[] = [
      {
        benchmark: `pipeline: the course's 02_postgres_taxi, green 2019-01 (${thousands(GREEN_ROWS)} rows), download to MERGE, empty database`,
        tflow: `${formatStats(flowS, 's', 2)}; ${phaseSummary(phases)}`,
        baseline: `one shell script (curl | gunzip, psql -f with \\copy): ${formatStats(scriptS, 's', 2)}`,
        ratio: `${ratio.toFixed(2)}× (time)`,
        target: '≤ 1.10× the script',
        met: ratio <= 1.1,
      },
    ];
    if (existsSync(join(PROJECT_ROOT, 'flows', IMPROVED_FILE))) {
      rows.push(await improvedAgainstCourse(course, flowRun, runs, false), await improvedAgainstCourse(course, flowRun, runs, true));
    } else {
      rows.push({
        benchmark: `pipeline: the improved flow against the course's flow`,
        tflow: `not measured: flows/${IMPROVED_FILE} does not exist yet`,
        baseline: '–',
        ratio: '–',
        target: '–',
      });
    }
    return rows;
  } finally {
    await rig.close();
  }
}

/** flows/taxi_improved.yaml against the course's flow, runs interleaved (drift in the machine's load hits both alike). */
async function improvedAgainstCourse(
  course: FlowSpec,
  flowRun: (flow: FlowSpec, rerun?: boolean) => Promise<{ ms: number; execution: Execution }>,
  runs: number,
  rerun: boolean,
): Promise<BenchRow> {
  const improved = loadProjectFlow(IMPROVED_FILE);
  await flowRun(improved, rerun); // warm-up
  const improvedMs: number[] = [];
  const courseMs: number[] = [];
  let improvedPhases: Execution | undefined;
  for (let i = 0; i < runs; i++) {
    const run = await flowRun(improved, rerun);
    improvedMs.push(run.ms);
    improvedPhases = run.execution;
    courseMs.push((await flowRun(course, rerun)).ms);
  }
  const improvedS = stats(improvedMs.map((ms) => ms / 1000));
  const courseS = stats(courseMs.map((ms) => ms / 1000));
  const ratio = improvedS.median / courseS.median;
  const target = rerun ? 0.5 : 0.7;
  return {
    benchmark: rerun
      ? `pipeline: the improved flow (flows/${IMPROVED_FILE}) against the course's flow, green 2019-01 run again with the month already loaded (adds 0 rows)`
      : `pipeline: the improved flow (flows/${IMPROVED_FILE}: md5 key computed once while inserting, new keys only, looked up in a (pickup time, key) btree index, audit columns, UNLOGGED staging) against the course's flow, green 2019-01, empty database`,
    tflow: `${formatStats(improvedS, 's', 2)}; ${phaseSummary(improvedPhases)}`,
    baseline: `the course's 02_postgres_taxi: ${formatStats(courseS, 's', 2)}`,
    ratio: `${ratio.toFixed(2)}× (time)`,
    target: `≤ ${target.toFixed(2)}× the course's flow`,
    met: ratio <= target,
  };
}

/** Where the time of one run went, task by task (the largest first). */
export function phaseSummary(execution: Execution | undefined): string {
  if (!execution) return '';
  const parts = execution.taskRuns
    .filter((r) => r.startDate && r.endDate && !r.taskId.startsWith('if_') && !r.taskId.includes('_if_'))
    .map((r) => ({ id: r.taskId.replace(/^(green|yellow)_/, ''), ms: Date.parse(r.endDate!) - Date.parse(r.startDate!) }))
    .filter((p) => p.ms >= 100)
    .sort((a, b) => b.ms - a.ms);
  return `last run: ${parts.map((p) => `${p.id} ${(p.ms / 1000).toFixed(1)} s`).join(', ')}`;
}
