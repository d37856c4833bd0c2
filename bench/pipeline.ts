/**
 * Whole pipeline: the course's taxi flow (flows/02_postgres_taxi.yaml, unmodified) for the green
 * month, end to end — download from a local server laid out like GitHub's release URLs, gunzip,
 * create, truncate, CopyIn, md5 update, MERGE, purge — against the same steps as one shell script
 * (`curl | gunzip`, then `psql -f` of the flow's own SQL with `\copy` for CopyIn). Both start from an
 * empty database (tables dropped before each run, untimed), so every run loads the whole month.
 * Then flows/taxi_improved.yaml against the course's flow, the same month, runs interleaved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileFlowFile } from '../src/compiler/compile';
import type { FlowSpec } from '../src/workflow/flow/spec';
import type { Execution } from '../src/workflow/interpreter/execution';
import { createTestDatabase } from '../test/helpers/postgres';
import { PROJECT_ROOT } from '../test/helpers/paths';
import { RELEASE_PATH, startTaxiDataServer, TAXI_COLUMNS, writeWgetShim } from '../src/demo/taxi-data';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';
import { benchCacheDir, cachedTaxiFile, GREEN_ROWS, psqlArgs, runCommand, startBenchWorker, thousands, type BenchWorker } from './taxi-bench';

const COURSE_URL = 'jdbc:postgresql://pgdatabase:5432/ny_taxi';
const FILE = 'green_tripdata_2019-01.csv';
const INPUTS = { taxi: 'green', year: '2019', month: '01' };

function loadFlow(file: string): FlowSpec {
  const compiled = compileFlowFile(join(PROJECT_ROOT, 'flows', file));
  if (!compiled.spec) throw new Error(`${file}: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
  return compiled.spec;
}

/**
 * The green branch of the course's flow as one psql script: each Queries task's SQL with the
 * flow's variables rendered, and CopyIn as the equivalent `\copy`.
 */
function courseSqlScript(): string {
  const yaml = parse(readFileSync(join(PROJECT_ROOT, 'flows', '02_postgres_taxi.yaml'), 'utf8')) as {
    tasks: { id: string; then?: { type: string; sql?: string; columns?: string[]; table?: string }[] }[];
  };
  const branch = yaml.tasks.find((t) => t.id === 'if_green_taxi')?.then ?? [];
  const render = (text: string) =>
    text
      .replaceAll('{{render(vars.staging_table)}}', 'public.green_tripdata_staging')
      .replaceAll('{{render(vars.table)}}', 'public.green_tripdata')
      .replaceAll('{{render(vars.file)}}', FILE);
  const statements = branch.map((task) => {
    if (task.type.endsWith('.CopyIn')) {
      return `\\copy ${render(task.table ?? '')} (${(task.columns ?? TAXI_COLUMNS.green).join(',')}) FROM '${FILE}' WITH (FORMAT CSV, HEADER)`;
    }
    return render(task.sql ?? '').trim();
  });
  const script = statements.join('\n\n') + '\n';
  if (script.includes('{{') || branch.length !== 6) throw new Error('could not turn the course flow into a psql script');
  return script;
}

export async function benchPipeline(runs = 3): Promise<BenchRow[]> {
  const cache = benchCacheDir();
  await cachedTaxiFile('green', GREEN_ROWS, true); // <cache>/green/green_tripdata_2019-01.csv.gz
  const workDir = await mkdtemp(join(tmpdir(), 'tflow-bench-pipeline-'));
  const server = await startTaxiDataServer(cache);
  const shimDir = join(workDir, 'bin');
  await writeWgetShim(shimDir, server.baseUrl);
  const savedPath = process.env.PATH;
  // The Process task runner passes the worker's environment on: the shim answers the flow's wget.
  process.env.PATH = `${shimDir}:${savedPath}`;
  const db = await createTestDatabase('tflow_bench_pipeline');
  let bench: BenchWorker | undefined;
  try {
    bench = await startBenchWorker(join(workDir, 'storage'), { [COURSE_URL]: db.jdbcUrl });
    const course = loadFlow('02_postgres_taxi.yaml');
    const scriptDir = join(workDir, 'script');
    await writeFile(join(workDir, 'load.sql'), courseSqlScript());
    await writeFile(
      join(workDir, 'pipeline.sh'),
      `#!/bin/sh
set -e
mkdir -p "${scriptDir}" && cd "${scriptDir}"
curl -sfL "${server.baseUrl}${RELEASE_PATH}/green/${FILE}.gz" | gunzip > ${FILE}
psql ${psqlArgs(db.name).join(' ')} -f "${join(workDir, 'load.sql')}"
rm -f ${FILE}
`,
    );
    const reset = () => db.query('DROP TABLE IF EXISTS public.green_tripdata, public.green_tripdata_staging');
    const checkLoaded = async (who: string) => {
      const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM public.green_tripdata');
      if (n !== GREEN_ROWS) throw new Error(`${who} left ${n} rows in green_tripdata, expected ${GREEN_ROWS}`);
    };
    const flowRun = async (flow: FlowSpec) => {
      await reset();
      const started = performance.now();
      const execution = await bench!.run(flow, { inputs: INPUTS });
      const ms = performance.now() - started;
      if (execution.state !== 'SUCCESS') throw new Error(`${flow.id} ended ${execution.state}: ${execution.error}`);
      await checkLoaded(flow.id);
      return { ms, execution };
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

    const improvedFile = 'taxi_improved.yaml';
    if (existsSync(join(PROJECT_ROOT, 'flows', improvedFile))) {
      const improved = loadFlow(improvedFile);
      await flowRun(improved);
      const improvedMs: number[] = [];
      const courseMs: number[] = [];
      let improvedPhases: Execution | undefined;
      // Interleaved, so drift in the machine's load hits both flows alike.
      for (let i = 0; i < runs; i++) {
        const run = await flowRun(improved);
        improvedMs.push(run.ms);
        improvedPhases = run.execution;
        courseMs.push((await flowRun(course)).ms);
      }
      const improvedS = stats(improvedMs.map((ms) => ms / 1000));
      const courseS = stats(courseMs.map((ms) => ms / 1000));
      const improvedRatio = improvedS.median / courseS.median;
      rows.push({
        benchmark: `pipeline: the improved flow (flows/${improvedFile}: SHA-256 key computed in the MERGE, audit columns, UNLOGGED staging, hash join, 3 tasks per branch) against the course's flow, green 2019-01, empty database`,
        tflow: `${formatStats(improvedS, 's', 2)}; ${phaseSummary(improvedPhases)}`,
        baseline: `the course's 02_postgres_taxi: ${formatStats(courseS, 's', 2)}`,
        ratio: `${improvedRatio.toFixed(2)}× (time)`,
        target: "< 1× the course's flow",
        met: improvedRatio < 1,
      });
    } else {
      rows.push({
        benchmark: `pipeline: the improved flow against the course's flow`,
        tflow: `not measured: flows/${improvedFile} does not exist yet`,
        baseline: '–',
        ratio: '–',
        target: '–',
      });
    }
    return rows;
  } finally {
    process.env.PATH = savedPath;
    await bench?.close();
    await server.close();
    await db.drop();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Where the time of one run went, task by task (the largest first). */
function phaseSummary(execution: Execution | undefined): string {
  if (!execution) return '';
  const parts = execution.taskRuns
    .filter((r) => r.startDate && r.endDate && !r.taskId.startsWith('if_'))
    .map((r) => ({ id: r.taskId.replace(/^green_/, ''), ms: Date.parse(r.endDate!) - Date.parse(r.startDate!) }))
    .filter((p) => p.ms >= 100)
    .sort((a, b) => b.ms - a.ms);
  return `last run: ${parts.map((p) => `${p.id} ${(p.ms / 1000).toFixed(1)} s`).join(', ')}`;
}
