/**
 * The tflow worker: hosts the generic workflow and one activity per runnable task type.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createTaskActivities } from '../activities/runtime';
import { createConcurrencyActivities } from '../concurrency/activities';
import type { TflowConfig } from '../config';
import { createSubflowActivities } from '../subflow/activities';
import { SEARCH_ATTRIBUTES } from '../temporal/search-attributes';
import { workflowCodeOptions } from './workflow-bundle';
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
  /** Resolves when the worker has stopped (after `shutdown()` or a fatal error). */
  running: Promise<void>;
  shutdown(): Promise<void>;
}

/** Creates and starts a worker on the configured task queue. */
export async function startWorker(config: TflowConfig, overrides: Partial<WorkerOptions> = {}): Promise<TflowWorker> {
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  await ensureSearchAttributes(connection, config.temporalNamespace);
  const subflows = createSubflowActivities(config.databaseUrl);
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    ...workflowCodeOptions(),
    // Task activities, plus the flow-concurrency and Subflow plumbing (run as local activities).
    activities: { ...createTaskActivities(), ...createConcurrencyActivities(), ...subflows.activities },
    // Heartbeats carry cancellation (kill, timeout) to a running task: send them at least this
    // often (the SDK's default waits up to 80% of the heartbeat timeout), so a kill lands in seconds.
    maxHeartbeatThrottleInterval: '3 seconds',
    ...overrides,
  });
  const running = worker.run().finally(() => Promise.all([connection.close(), subflows.close()]).then(() => undefined));
  return {
    worker,
    running,
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
