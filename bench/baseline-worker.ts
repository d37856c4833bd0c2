/**
 * The worker that runs bench/baseline-workflows.ts, the hand-written side of a benchmark: on its own
 * task queue (`<tflow's queue>-baseline`) of the same Temporal server, in the benchmark's process.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { TflowConfig } from '../src/config';
import { connectionOptions } from '../src/temporal/connection';

export interface BaselineWorker {
  taskQueue: string;
  close(): Promise<void>;
}

export async function startBaselineWorker(
  config: TflowConfig,
  options: Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowsPath'> = {},
): Promise<BaselineWorker> {
  const taskQueue = `${config.taskQueue}-baseline`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect(connectionOptions(config)),
    namespace: config.temporalNamespace,
    taskQueue,
    workflowsPath: require.resolve('./baseline-workflows'),
    ...options,
  });
  const running = worker.run();
  return {
    taskQueue,
    async close() {
      worker.shutdown();
      await running;
    },
  };
}
