import type { Command } from 'commander';
import { constants as osConstants } from 'node:os';
import { loadConfig } from '../../config';
import { startWorker, type TflowWorker } from '../../worker/worker';
import { toStderr } from '../output';

export function configureWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker: the generic flow workflow and every task type, on TFLOW_TASK_QUEUE (TFLOW_WORKER_* settings)')
    .action(async () => {
      const config = loadConfig();
      const worker = await startWorker(config);
      toStderr(
        `Worker polling task queue '${config.taskQueue}' on ${config.temporalAddress} (namespace ${config.temporalNamespace})` +
          (worker.opsEndpoint ? `, ops endpoint ${worker.opsEndpoint.url}/ready and /metrics` : '') +
          '. Ctrl-C stops it.',
      );
      await untilSignal(worker);
    });
}

/** Runs until SIGINT/SIGTERM, then lets running tasks finish (within TFLOW_WORKER_SHUTDOWN_GRACE) and stops. */
export async function untilSignal(worker: TflowWorker, onStop: () => Promise<void> = async () => {}): Promise<void> {
  onStopSignals(() => {
    toStderr(`Stopping: no new tasks; running tasks get ${graceText(worker)} to finish, then go back to Temporal for another worker.`);
    void worker.shutdown();
  });
  await worker.running;
  await onStop();
}

/**
 * Calls `stop` on the first SIGINT/SIGTERM (the Temporal runtime also starts stopping its workers
 * then); a second one exits at once: the operator does not want to wait. Tasks still running are
 * then retried elsewhere once Temporal misses their heartbeats.
 */
export function onStopSignals(stop: () => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      toStderr(`${signal} again: exiting now; tasks still running are retried by another worker once their heartbeats stop.`);
      process.exit(128 + (osConstants.signals[signal] ?? 0));
    }
    stopping = true;
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function graceText({ worker }: TflowWorker): string {
  const ms = worker.options.shutdownGraceTimeMs;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
