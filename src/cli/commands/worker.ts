import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { startWorker, type TflowWorker } from '../../worker/worker';
import { toStderr } from '../output';

export function configureWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker: the generic flow workflow and every task type, on TFLOW_TASK_QUEUE')
    .action(async () => {
      const config = loadConfig();
      const worker = await startWorker(config);
      toStderr(
        `Worker polling task queue '${config.taskQueue}' on ${config.temporalAddress} (namespace ${config.temporalNamespace}). Ctrl-C stops it.`,
      );
      await untilSignal(worker);
    });
}

/** Runs until SIGINT/SIGTERM, then lets running tasks finish and stops. */
export async function untilSignal(worker: TflowWorker, onStop: () => Promise<void> = async () => {}): Promise<void> {
  const stop = () => {
    toStderr('Stopping: waiting for running tasks to finish…');
    void worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await worker.running;
  await onStop();
}
