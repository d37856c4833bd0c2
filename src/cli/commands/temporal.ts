import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { ensureTemporalCli, isTemporalUp, startDevServer, stopDevServer } from '../../temporal/dev-server';
import { toStderr, toStdout } from '../output';

export function configureTemporalCommand(program: Command): void {
  const temporal = program.command('temporal').description('the local Temporal dev server (install, start, stop, status)');
  temporal
    .command('install')
    .description('find the Temporal CLI, or build/download it into the cache; prints its path')
    .action(async () => toStdout(await ensureTemporalCli(toStderr)));
  temporal
    .command('start')
    .description('start the dev server in the background (a no-op when one already answers)')
    .action(async () => {
      const config = loadConfig();
      const status = await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: toStderr });
      toStdout(
        status.started
          ? `Temporal dev server started on ${config.temporalAddress} (pid ${status.pid}); Web UI ${status.webUi}`
          : `Temporal already answers on ${config.temporalAddress}; Web UI ${status.webUi}`,
      );
    });
  temporal
    .command('stop')
    .description('stop the dev server that `tflow temporal start` started')
    .action(async () => {
      const config = loadConfig();
      toStdout((await stopDevServer(config.stateDir)) ? 'Temporal dev server stopped' : 'no dev server started by tflow is running');
    });
  temporal
    .command('status')
    .description('say whether Temporal answers at TEMPORAL_ADDRESS')
    .action(async () => {
      const config = loadConfig();
      const up = await isTemporalUp(config.temporalAddress);
      toStdout(up ? `Temporal answers on ${config.temporalAddress}` : `nothing answers on ${config.temporalAddress}`);
      process.exitCode = up ? 0 : 1;
    });
}
