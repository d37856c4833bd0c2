/**
 * `tflow demo`: the course's taxi pipeline (flows/02_postgres_taxi.yaml, unmodified) end to end on
 * local defaults, with nothing installed but Node: a generated green month served like GitHub's
 * release assets, the Temporal dev server, a worker in this process, and the Postgres that answers
 * at TFLOW_DATABASE_URL or else an embedded one. `tflow demo --hello` runs the hello-world flow.
 *
 * Everything this command starts (embedded Postgres, dev server, data server, worker) stops when it
 * ends; in a terminal it first stays up until Ctrl-C so the Web UI and psql can be looked at.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Client as PgClient } from 'pg';
import { connectClient } from '../../client/executions';
import { loadConfig, type TflowConfig } from '../../config';
import { compileFlowFile } from '../../compiler/compile';
import { FlowValidationError } from '../../compiler/diagnostics';
import type { Execution } from '../../workflow/interpreter/execution';
import { COURSE_DATABASE, COURSE_ROLE, ensureLocalPostgres, prepareDatabases, type LocalPostgres } from '../../postgres/local';
import { startDevServer, stopDevServer } from '../../temporal/dev-server';
import { startWorker } from '../../worker/worker';
// The taxi generator lives with the tests and benchmarks that share it; the demo is its third user.
import { GITHUB_RELEASES, generateTaxiFile, startTaxiDataServer, writeWgetShim } from '../../demo/taxi-data';
import { toStderr, toStdout } from '../output';
import { followFlow, startFlow } from './run';

const FLOWS_DIR = join(__dirname, '..', '..', '..', '..', 'flows');
const HELLO_FLOW = join(FLOWS_DIR, '01_hello_world.yaml');
const TAXI_FLOW = join(FLOWS_DIR, '02_postgres_taxi.yaml');
/** The month the demo generates; the course flow's inputs only offer 2019 and 2020. */
const DEMO_MONTH = { taxi: 'green', year: 2019, month: 1 } as const;
/** The course's docker-compose host name for Postgres, in the flow's JDBC URL. */
const COURSE_PG_HOST = 'pgdatabase';

interface DemoOptions {
  hello?: boolean;
  rows: string;
  exit?: boolean;
}

export function configureDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      `run the course's taxi pipeline (flows/02_postgres_taxi.yaml) on a generated month, with local Temporal and Postgres (embedded when none answers)`,
    )
    .option('--rows <n>', 'rows in the generated green month', '5000')
    .option('--exit', 'stop everything at once after the run (the default when not in a terminal)')
    .option('--hello', 'run flows/01_hello_world.yaml instead (no Postgres, no data)')
    .action(async (options: DemoOptions) => {
      const stack = new Stack();
      stack.stopOnSignals();
      try {
        const ok = options.hello ? await helloDemo(stack) : await taxiDemo(stack, options);
        process.exitCode = ok ? 0 : 1;
        const waitForCtrlC = !options.exit && process.stdin.isTTY === true && stack.holdsServers;
        if (waitForCtrlC) {
          toStdout('');
          toStdout(
            'Everything stays up so you can look around. Ctrl-C stops what this demo started (`npx tflow dev` brings it back with the same data).',
          );
          await stack.untilSignal;
        }
      } finally {
        await stack.stop();
      }
    });
}

async function taxiDemo(stack: Stack, options: DemoOptions): Promise<boolean> {
  const rows = Number(options.rows);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error(`--rows expects a positive whole number, got '${options.rows}'`);
  const baseConfig = loadConfig();
  const started = Date.now();

  // 1. Temporal first: on a new machine its CLI may need a build or download, or be missing (one clear message).
  const server = await startDevServer({ stateDir: baseConfig.stateDir, address: baseConfig.temporalAddress, report: toStderr });
  if (server.started) stack.add(async () => void (await stopDevServer(baseConfig.stateDir)), true);
  toStderr(
    `Temporal: ${server.started ? 'started the dev server' : 'using the server that answers'} at ${baseConfig.temporalAddress}, Web UI ${server.webUi}`,
  );

  // 2. A worker in this process, on a task queue of the demo's own (a `tflow dev` worker elsewhere has
  //    no download shim). Building its workflow bundle takes seconds: it gets ready while 3 and 4 run.
  //    Its tasks read PATH when they run and the host aliases from `config`, both set in step 5.
  const config: TflowConfig = { ...loadConfig(), taskQueue: `tflow-demo-${randomBytes(3).toString('hex')}`, webUiUrl: server.webUi };
  const workerReady = startWorker(config).then((worker) => {
    stack.add(() => worker.shutdown());
    return worker;
  });
  workerReady.catch(() => undefined); // awaited below; this only avoids an unhandled rejection meanwhile

  // 3. Postgres: the one that answers at TFLOW_DATABASE_URL, or an embedded one on that port.
  const postgres = await ensureLocalPostgres(baseConfig, toStderr);
  stack.addPostgres(postgres);
  toStderr(postgres.description);
  if (postgres.kind === 'existing') {
    const created = await prepareDatabases(postgres);
    if (created.length > 0) toStderr(`Created ${created.join(', ')} for the course's flow.`);
  }

  // 4. The data: a generated month, served like https://github.com/DataTalksClub/nyc-tlc-data/releases.
  const demoDir = join(baseConfig.stateDir, 'demo');
  const file = await generateTaxiFile({ ...DEMO_MONTH, rows, dir: join(demoDir, 'taxi-data') });
  const dataServer = await startTaxiDataServer(join(demoDir, 'taxi-data'));
  stack.add(() => dataServer.close());
  const shimDir = join(demoDir, 'bin');
  await writeDownloadShim(shimDir, dataServer.baseUrl);
  toStderr(
    `Generated ${file.csvName} (${file.rows} rows), served at ${dataServer.baseUrl}; the flow's wget of ${GITHUB_RELEASES}/… reaches it through ${shimDir}/wget.`,
  );

  // 5. Deployment-level settings for the worker's tasks (the flow's YAML stays as the course wrote it):
  //    the download shim first on PATH, and the course's `pgdatabase` host mapped to the Postgres in use.
  process.env.PATH = `${shimDir}:${process.env.PATH ?? ''}`;
  process.env.TFLOW_HOST_ALIASES = [process.env.TFLOW_HOST_ALIASES, `${COURSE_PG_HOST}=${postgres.hostPort}`].filter(Boolean).join(',');
  dropCourseUrlAlias();
  // The worker's tasks read these settings from the configuration it was started with.
  const { hostAliases, jdbcUrlAliases } = loadConfig();
  Object.assign(config, { hostAliases, jdbcUrlAliases });
  await workerReady;

  // 6. The run.
  const { spec, diagnostics } = compileFlowFile(TAXI_FLOW);
  if (!spec) throw new FlowValidationError(diagnostics);
  const client = await connectClient(config);
  stack.add(() => client.connection.close());
  const month = String(DEMO_MONTH.month).padStart(2, '0');
  toStdout(`Running ${spec.namespace}.${spec.id} (flows/02_postgres_taxi.yaml) with taxi=${DEMO_MONTH.taxi} year=${DEMO_MONTH.year} month=${month}`);
  const run = await startFlow(client, config, spec, { input: [`taxi=${DEMO_MONTH.taxi}`, `year=${DEMO_MONTH.year}`, `month=${month}`], label: [] });
  const execution = await followFlow(client, config, run.id, toStdout);
  const ok = execution.state === 'SUCCESS' || execution.state === 'WARNING';

  // 7. Where to look.
  const table = `public.${DEMO_MONTH.taxi}_tripdata`;
  const psqlUrl = `postgresql://${COURSE_ROLE.user}:${COURSE_ROLE.password}@${postgres.hostPort}/${COURSE_DATABASE}`;
  toStdout('');
  toStdout(`Execution: ${execution.id} (${execution.state}, demo took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  toStdout(`Web UI:    ${executionLink(config, execution)}`);
  if (ok) {
    const count = await countRows(postgres, table, file.csvName);
    toStdout(
      `Table:     ${table} in database ${COURSE_DATABASE} on ${postgres.hostPort} (${postgres.kind === 'embedded' ? 'embedded Postgres' : 'your Postgres'}): ${count.total} rows, ${count.fromFile} from ${file.csvName} (generated: ${file.rows})`,
    );
    toStdout(`Query it:  psql ${psqlUrl} -c 'SELECT count(*) FROM ${table}'`);
  }
  return ok;
}

async function helloDemo(stack: Stack): Promise<boolean> {
  const config = loadConfig();
  const server = await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: toStderr });
  if (server.started) stack.add(async () => void (await stopDevServer(config.stateDir)), true);
  const worker = await startWorker(config);
  stack.add(() => worker.shutdown());
  const { spec, diagnostics } = compileFlowFile(HELLO_FLOW);
  if (!spec) throw new FlowValidationError(diagnostics);
  const client = await connectClient(config);
  stack.add(() => client.connection.close());
  const started = await startFlow(client, config, spec, { input: [], label: [] });
  const execution = await followFlow(client, { ...config, webUiUrl: server.webUi }, started.id, toStdout);
  toStdout('');
  toStdout(`Web UI: ${executionLink({ ...config, webUiUrl: server.webUi }, execution)} (workflow type ${spec.namespace}.${spec.id})`);
  return execution.state === 'SUCCESS' || execution.state === 'WARNING';
}

function executionLink(config: TflowConfig, execution: Execution): string {
  return `${config.webUiUrl}/namespaces/${config.temporalNamespace}/workflows/${encodeURIComponent(execution.id)}`;
}

/** A course URL alias set for tests would win over the `pgdatabase` host alias: the demo's target is the Postgres it just chose. */
function dropCourseUrlAlias(): void {
  const aliases = loadConfig().jdbcUrlAliases;
  const courseUrls = Object.keys(aliases).filter((url) => url.includes(`//${COURSE_PG_HOST}:`));
  for (const url of courseUrls) delete aliases[url];
  process.env.TFLOW_JDBC_URL_ALIASES = JSON.stringify(aliases);
}

async function countRows(postgres: LocalPostgres, table: string, csvName: string): Promise<{ total: number; fromFile: number }> {
  const client = new PgClient({
    host: postgres.host,
    port: postgres.port,
    user: COURSE_ROLE.user,
    password: COURSE_ROLE.password,
    database: COURSE_DATABASE,
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ total: number; from_file: number }>(
      `SELECT count(*)::int AS total, (count(*) FILTER (WHERE filename = $1))::int AS from_file FROM ${table}`,
      [csvName],
    );
    return { total: rows[0].total, fromFile: rows[0].from_file };
  } finally {
    await client.end();
  }
}

/**
 * The course's flow runs `wget -qO- <github url> | gunzip`. With wget installed, the taxi-data shim
 * rewrites the URL and runs it; without (macOS has no wget), a small stand-in does the same with curl.
 */
async function writeDownloadShim(shimDir: string, baseUrl: string): Promise<void> {
  const hasWget = (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, 'wget')) && dir !== shimDir);
  if (hasWget) {
    await writeWgetShim(shimDir, baseUrl);
    return;
  }
  await mkdir(shimDir, { recursive: true });
  const path = join(shimDir, 'wget');
  await writeFile(
    path,
    `#!/bin/sh
# tflow demo: wget stand-in with curl (no wget here). Handles the course's \`wget -qO- URL\` and \`-O file\`;
# the course's GitHub release URLs go to ${baseUrl}.
out=- url=
while [ $# -gt 0 ]; do
  case $1 in
    -qO-|-O-) out=- ;;
    -qO|-O) shift; out=$1 ;;
    -*) ;;
    *) url=$1 ;;
  esac
  shift
done
case $url in https://github.com/DataTalksClub/nyc-tlc-data/*) url="${baseUrl}\${url#https://github.com}" ;; esac
if [ "$out" = - ]; then exec curl -fsSL "$url"; else exec curl -fsSL -o "$out" "$url"; fi
`,
  );
  await chmod(path, 0o755);
}

/**
 * What the demo started, stopped in reverse order exactly once: at the end, on Ctrl-C/SIGTERM, or
 * (for the embedded Postgres, synchronously) when the process exits some other way.
 */
class Stack {
  private readonly stops: Array<() => Promise<void> | void> = [];
  private stopping?: Promise<void>;
  /** True once a server (embedded Postgres, dev server) was started here: worth staying up for. */
  holdsServers = false;
  private signalled!: () => void;
  readonly untilSignal = new Promise<void>((resolve) => (this.signalled = resolve));

  add(stop: () => Promise<void> | void, isServer = false): void {
    // Started after stop() began (the worker gets ready in the background): stop it right away.
    if (this.stopping) return void this.stopping.then(stop);
    this.stops.push(stop);
    if (isServer) this.holdsServers = true;
  }

  addPostgres(postgres: LocalPostgres): void {
    if (!postgres.startedHere) return;
    this.add(() => postgres.stop(), true);
    // Last resort: an uncaught error or process.exit() must not leave the server behind.
    process.once('exit', () => postgres.stop());
  }

  stopOnSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.signalled();
      toStderr(`\n${signal}: stopping what the demo started…`);
      // A second Ctrl-C while stopping exits at once; the exit hook still stops Postgres.
      process.once(signal, () => process.exit(130));
      void this.stop().finally(() => process.exit(process.exitCode ?? 130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const stop of this.stops.reverse()) {
        try {
          await stop();
        } catch (error) {
          toStderr(`while stopping: ${(error as Error).message}`);
        }
      }
    })();
    return this.stopping;
  }
}
