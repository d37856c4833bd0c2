import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { startDevServer, stopDevServer } from '../../temporal/dev-server';
import { startWorker } from '../../worker/worker';
import { toStderr } from '../output';
import { untilSignal } from './worker';

export function configureDevCommand(program: Command): void {
  program
    .command('dev')
    .description('the whole local stack in one command: the Temporal dev server and a worker')
    .option('--reset', `clear tflow's local state first (Temporal's database, storage) — executions and schedules are lost`)
    .action(async (options: { reset?: boolean }) => {
      const config = loadConfig();
      if (options.reset) {
        await stopDevServer(config.stateDir);
        rmSync(config.stateDir, { recursive: true, force: true });
        toStderr(`Cleared ${config.stateDir}`);
      }
      const server = await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: toStderr });
      const worker = await startWorker(config);
      toStderr(`tflow dev: Temporal on ${config.temporalAddress} (${server.started ? 'started' : 'already running'}), Web UI ${server.webUi}`);
      toStderr(`Worker polling task queue '${config.taskQueue}'. Run a flow in another terminal: npx tflow run flows/01_hello_world.yaml --wait. Ctrl-C stops.`);
      await untilSignal(worker, async () => {
        if (server.started) await stopDevServer(config.stateDir);
      });
    });
}
