import { connectionOptions } from '../temporal/connection';
/**
 * The tflow worker: hosts the generic workflow and one activity per runnable task type.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createTaskActivities } from '../activities/runtime';
import { createConcurrencyActivities } from '../activities/concurrency';
import type { TflowConfig } from '../config';
import { storageFromConfig } from '../storage';
import { createSubflowActivities } from '../activities/subflow';
import { createFlowTriggerActivities } from '../activities/flow-triggers';
import { SEARCH_ATTRIBUTES } from '../workflow/search-attributes';
import { workflowCodeOptions } from './workflow-bundle';
import { type OpsEndpoint, startOpsEndpoint } from './ops-endpoint';
import { SearchAttributeType } from '@temporalio/common';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const INDEXED_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};

export interface TflowWorker {
  worker: Worker;
  /** The worker's connection (closed when the worker stops); an in-process API starts executions on it (src/client/eager-start.ts). */
  connection: NativeConnection;
  /** Resolves when the worker has stopped (after `shutdown()` or a fatal error). */
  running: Promise<void>;
  /** The ops endpoint (/ready, /metrics) when TFLOW_WORKER_HTTP_PORT is set. */
  opsEndpoint?: OpsEndpoint;
  shutdown(): Promise<void>;
}

/** Creates and starts a worker on the configured task queue. */
export async function startWorker(config: TflowConfig, overrides: Partial<WorkerOptions> = {}): Promise<TflowWorker> {
  const connection = await NativeConnection.connect(connectionOptions(config));
  await ensureSearchAttributes(connection, config.temporalNamespace);
  const subflows = createSubflowActivities(config.databaseUrl);
  const flowTriggers = createFlowTriggerActivities(config);
  smallerYoungGenerationForNewThreads();
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    ...workflowCodeOptions(),
    // Task activities (with this configuration's storage), plus the flow-concurrency and Subflow plumbing (run as local activities).
    activities: {
      ...createTaskActivities(undefined, { config, storage: storageFromConfig(config) }),
      ...createConcurrencyActivities(),
      ...subflows.activities,
      ...flowTriggers.activities,
    },
    // Heartbeats carry cancellation (kill, timeout) to a running task: send them at least this
    // often (the SDK's default waits up to 80% of the heartbeat timeout), so a kill lands in seconds.
    maxHeartbeatThrottleInterval: '3 seconds',
    ...concurrencyOptions(config),
    ...overrides,
  });
  let opsEndpoint: OpsEndpoint | undefined;
  const running = worker
    .run()
    .finally(() => Promise.all([opsEndpoint?.close(), connection.close(), subflows.close(), flowTriggers.close()]).then(() => undefined));
  const { httpHost, httpPort } = config.worker;
  if (httpPort !== undefined) {
    try {
      opsEndpoint = await startOpsEndpoint(httpHost, httpPort, () => worker.getState() === 'RUNNING');
    } catch (error) {
      worker.shutdown();
      await running.catch(() => undefined);
      throw new Error(`TFLOW_WORKER_HTTP_PORT: cannot listen on ${httpHost}:${httpPort}: ${(error as Error).message}`);
    }
  }
  return {
    worker,
    connection,
    running,
    opsEndpoint,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** Registers tflow's search attributes on the namespace when they are missing (any server, not only the dev one). */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = { ...existing.customAttributes, ...existing.systemAttributes };
  const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in known));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPES[key.type]])),
  });
}

/**
 * The workflow thread's V8 heap gets 4 MB semi-spaces instead of V8's 16 MB: the worker's RSS
 * drops by ~20 MB (measured while CopyIn loads a month), with no measurable cost in CPU per
 * execution. V8 reads the flag when it creates an isolate, so it is set before the SDK starts the
 * workflow thread; it leaves the main thread as it is. A size given to node on the command line wins.
 */
function smallerYoungGenerationForNewThreads(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('semi-space-size'));
  if (!given) setFlagsFromString('--max-semi-space-size=4');
}

/** What one worker takes on at once, and how long it lets running tasks finish when stopped (TFLOW_WORKER_*). */
export function concurrencyOptions({ worker }: TflowConfig): Partial<WorkerOptions> {
  return {
    maxCachedWorkflows: worker.maxCachedWorkflows ?? workflowCacheSize(),
    shutdownGraceTime: worker.shutdownGraceMs,
    ...(worker.maxActivities ? { maxConcurrentActivityTaskExecutions: worker.maxActivities } : {}),
    ...(worker.maxWorkflowTasks ? { maxConcurrentWorkflowTaskExecutions: worker.maxWorkflowTasks } : {}),
  };
}

/**
 * How many open executions the worker keeps in memory between their workflow tasks. Each one holds
 * its own instance of the bundle's modules (the interpreter, the task schemas): ~2 MB of heap,
 * measured with 150 executions parked on a Pause task. The SDK's default (~600 per GB of heap,
 * 2,310 with a 4 GB heap) would fill the workflow thread's heap before it evicts anything; 4 MB per
 * execution leaves room for their own state. An evicted execution is replayed from its history at
 * its next workflow task.
 */
function workflowCacheSize(): number {
  const heapMiB = getHeapStatistics().heap_size_limit / 2 ** 20;
  return Math.max(50, Math.floor((heapMiB - 200) / 4));
}
