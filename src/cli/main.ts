/**
 * `tflow`: Kestra-style YAML flows on Temporal. One file per command under ./commands.
 */
import { Command } from 'commander';
import { FlowValidationError } from '../compiler/diagnostics';
import { loadWorkerSettings } from '../config';
import { TemporalCliMissingError } from '../temporal/dev-server';
import { printDiagnostics, toStderr, UsageError } from './output';

type ConfigureCommand = (program: Command) => void;

/**
 * Every command, by name, with the module that defines it. A command's module is loaded only when
 * that command runs (or to list them all, for `tflow --help` and unknown commands): `tflow run` must
 * not pay for the worker, the API server, the plugins' SDKs or DuckDB (bench/cold-start.ts measures
 * it; test/integration/cli-module-loading.test.ts holds it).
 */
const COMMANDS: Record<string, () => Promise<ConfigureCommand>> = {
  validate: async () => (await import('./commands/validate')).configureValidateCommand,
  schema: async () => (await import('./commands/schema')).configureSchemaCommand,
  expr: async () => (await import('./commands/expr')).configureExprCommand,
  run: async () => (await import('./commands/run')).configureRunCommand,
  deploy: async () => (await import('./commands/deploy')).configureDeployCommand,
  flows: async () => (await import('./commands/flows')).configureFlowsCommand,
  backfill: async () => (await import('./commands/backfill')).configureBackfillCommand,
  executions: async () => (await import('./commands/executions')).configureExecutionsCommand,
  logs: async () => (await import('./commands/logs')).configureLogsCommand,
  kill: async () => (await import('./commands/kill')).configureKillCommand,
  resume: async () => (await import('./commands/resume')).configureResumeCommand,
  restart: async () => (await import('./commands/restart')).configureRestartCommand,
  replay: async () => (await import('./commands/replay')).configureReplayCommand,
  worker: async () => (await import('./commands/worker')).configureWorkerCommand,
  server: async () => (await import('./commands/server')).configureServerCommand,
  dev: async () => (await import('./commands/dev')).configureDevCommand,
  demo: async () => (await import('./commands/demo')).configureDemoCommand,
  temporal: async () => (await import('./commands/temporal')).configureTemporalCommand,
};

const program = new Command()
  .name('tflow')
  .description('Kestra-style declarative YAML flows, run on Temporal')
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- read at run time: an import would copy package.json into dist/
  .version(require('../../../package.json').version)
  .showHelpAfterError();

/** The command named on the command line when it is one of ours; otherwise (help, a typo, `--version`) all of them. */
async function configureCommands(argv: readonly string[]): Promise<void> {
  const named = argv[2];
  const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) (await COMMANDS[name]())(program);
}

/** Commands that run a worker: they serve the SDK's own metrics when TFLOW_WORKER_SDK_METRICS_ADDRESS is set. */
const WORKER_COMMANDS = new Set(['worker', 'server', 'dev']);
/**
 * Commands that use the Temporal core (a worker, or a replay): only they load @temporalio/worker and
 * install its runtime. The others talk to Temporal with the client alone, which needs neither.
 */
const CORE_COMMANDS = new Set([...WORKER_COMMANDS, 'demo', 'replay']);

// The Temporal runtime is installed once, before anything connects, knowing which command runs:
// a `tflow run` beside a worker on the same machine must not try to bind the worker's metrics port.
program.hook('preAction', async (_program, command) => {
  const name = command.parent === program ? command.name() : undefined;
  if (name === undefined || !CORE_COMMANDS.has(name)) return;
  const metricsAddress = WORKER_COMMANDS.has(name) ? loadWorkerSettings().sdkMetricsAddress : undefined;
  const { Runtime, DefaultLogger } = await import('@temporalio/worker');
  Runtime.install({
    // The SDK's own logs stay quiet unless asked for (TFLOW_LOG_LEVEL=INFO shows each task's log lines).
    logger: new DefaultLogger((process.env.TFLOW_LOG_LEVEL ?? 'WARN') as 'WARN'),
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
  });
});

// `tflow … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

configureCommands(process.argv)
  .then(() => program.parseAsync(process.argv))
  .catch((error: unknown) => {
    if (error instanceof FlowValidationError) {
      printDiagnostics(error.diagnostics);
      process.exitCode = 1;
    } else if (error instanceof UsageError) {
      toStderr(`tflow: ${error.message}`);
      process.exitCode = 2;
    } else if (isConnectionError(error)) {
      toStderr(
        `tflow: cannot reach Temporal at ${process.env.TEMPORAL_ADDRESS ?? 'localhost:7233'}. Start it with \`npx tflow dev\` (or \`npx tflow temporal start\`), or set TEMPORAL_ADDRESS.`,
      );
      process.exitCode = 1;
    } else {
      toStderr(`tflow: ${error instanceof Error ? (process.env.TFLOW_DEBUG ? error.stack : error.message) : String(error)}`);
      process.exitCode = 1;
    }
    // A command that failed has stopped what it started; a connection or native handle left behind
    // must not keep the process alive (a hung CLI is worse than a slightly abrupt exit).
    setTimeout(() => process.exit(process.exitCode ?? 1), 10_000).unref();
  });

function isConnectionError(error: unknown): boolean {
  // Its message quotes the failed download's cause (ECONNREFUSED…); it is not about reaching Temporal.
  if (error instanceof TemporalCliMissingError) return false;
  const text = error instanceof Error ? `${error.name} ${error.message}` : '';
  return /TransportError|Failed to connect|ECONNREFUSED|UNAVAILABLE|connection refused/i.test(text);
}
