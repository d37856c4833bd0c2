/**
 * `tflow`: Kestra-style YAML flows on Temporal. One file per command under ./commands.
 */
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { Command } from 'commander';
import { FlowValidationError } from '../compiler/diagnostics';
import { loadWorkerSettings } from '../config';
import { configureBackfillCommand } from './commands/backfill';
import { configureDemoCommand } from './commands/demo';
import { configureDeployCommand } from './commands/deploy';
import { configureDevCommand } from './commands/dev';
import { configureExecutionsCommand } from './commands/executions';
import { configureExprCommand } from './commands/expr';
import { configureFlowsCommand } from './commands/flows';
import { configureKillCommand } from './commands/kill';
import { configureLogsCommand } from './commands/logs';
import { configureReplayCommand } from './commands/replay';
import { configureRestartCommand } from './commands/restart';
import { configureResumeCommand } from './commands/resume';
import { configureRunCommand } from './commands/run';
import { configureSchemaCommand } from './commands/schema';
import { configureServerCommand } from './commands/server';
import { configureTemporalCommand } from './commands/temporal';
import { configureValidateCommand } from './commands/validate';
import { configureWorkerCommand } from './commands/worker';
import { TemporalCliMissingError } from '../temporal/dev-server';
import { printDiagnostics, toStderr, UsageError } from './output';

const program = new Command()
  .name('tflow')
  .description('Kestra-style declarative YAML flows, run on Temporal')
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- read at run time: an import would copy package.json into dist/
  .version(require('../../../package.json').version)
  .showHelpAfterError();

configureValidateCommand(program);
configureSchemaCommand(program);
configureExprCommand(program);
configureRunCommand(program);
configureDeployCommand(program);
configureFlowsCommand(program);
configureBackfillCommand(program);
configureExecutionsCommand(program);
configureLogsCommand(program);
configureKillCommand(program);
configureResumeCommand(program);
configureRestartCommand(program);
configureReplayCommand(program);
configureWorkerCommand(program);
configureServerCommand(program);
configureDevCommand(program);
configureDemoCommand(program);
configureTemporalCommand(program);

/** Commands that run a worker: they serve the SDK's own metrics when TFLOW_WORKER_SDK_METRICS_ADDRESS is set. */
const WORKER_COMMANDS = new Set(['worker', 'server', 'dev']);

// The Temporal runtime is installed once, before anything connects, knowing which command runs:
// a `tflow run` beside a worker on the same machine must not try to bind the worker's metrics port.
program.hook('preAction', (_program, command) => {
  const metricsAddress = command.parent === program && WORKER_COMMANDS.has(command.name()) ? loadWorkerSettings().sdkMetricsAddress : undefined;
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

program.parseAsync(process.argv).catch((error: unknown) => {
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
