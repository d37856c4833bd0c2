/**
 * The worker of the hand-written baselines (baseline-workflows.ts): its own task queue next to the
 * benchmark's, on the same Temporal server, so that tflow's cost shows as a ratio of interleaved runs.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { TflowConfig } from '../src/config';
import { connectionOptions } from '../src/temporal/connection';

export interface BaselineWorker {
  /** Where to start the baseline workflows: `<the benchmark's queue>-baseline`. */
  taskQueue: string;
  /** Stops the worker and closes its connection. */
  close(): Promise<void>;
}

/** Starts a worker for the baseline workflows, with the activities (and settings) a benchmark's baseline needs. */
export async function startBaselineWorker(
  config: TflowConfig,
  options: Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowsPath'> = {},
): Promise<BaselineWorker> {
  const taskQueue = `${config.taskQueue}-baseline`;
  const connection = await NativeConnection.connect(connectionOptions(config));
  const worker = await Worker.create({
    connection,
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
      await connection.close();
    },
  };
}
