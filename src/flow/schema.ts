/**
 * Kestra's flow schema (flow-level properties, inputs, common task properties), as zod schemas.
 * Task-specific properties come from each task type's module (src/tasks/registry.ts).
 */
import { z } from 'zod';
import { LOG_LEVELS } from './spec';

export const FLOW_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
export const TASK_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
export const INPUT_ID_PATTERN = /^[a-zA-Z0-9][.a-zA-Z0-9_-]*$/;

export const INPUT_TYPES = [
  'STRING', 'INT', 'FLOAT', 'BOOLEAN', 'BOOL', 'SELECT', 'ENUM', 'MULTISELECT', 'ARRAY', 'JSON',
  'DATETIME', 'DATE', 'TIME', 'DURATION', 'URI', 'EMAIL',
] as const;

const isoDuration = z.string().regex(/^[-+]?P/i, 'must be an ISO-8601 duration such as PT15S');

export const retrySchema = z.strictObject({
  type: z.enum(['constant', 'exponential', 'random']),
  maxAttempts: z.number().int().min(1).optional(),
  /** Kestra 0.21's name for maxAttempts. */
  maxAttempt: z.number().int().min(1).optional(),
  interval: isoDuration.optional(),
  maxInterval: isoDuration.optional(),
  minInterval: isoDuration.optional(),
  maxDuration: isoDuration.optional(),
  delayFactor: z.number().optional(),
  warningOnRetry: z.boolean().optional(),
  behavior: z.enum(['RETRY_FAILED_TASK', 'CREATE_NEW_EXECUTION']).optional(),
});

/** Properties every task accepts, whatever its type. */
export const commonTaskShape = {
  id: z.string().regex(TASK_ID_PATTERN, 'a task id must match ^[a-zA-Z0-9][a-zA-Z0-9_-]* (no dots, no spaces)'),
  type: z.string(),
  description: z.string().optional(),
  disabled: z.boolean().optional(),
  allowFailure: z.boolean().optional(),
  allowWarning: z.boolean().optional(),
  runIf: z.union([z.string(), z.boolean()]).optional(),
  timeout: isoDuration.optional(),
  retry: retrySchema.optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  logToFile: z.boolean().optional(),
  workerGroup: z.unknown().optional(),
};

export const inputSchema = z.strictObject({
  id: z.string().regex(INPUT_ID_PATTERN, 'an input id must match ^[a-zA-Z0-9][.a-zA-Z0-9_-]*').optional(),
  /** Kestra's legacy name for `id`. */
  name: z.string().optional(),
  type: z.string(),
  description: z.string().optional(),
  displayName: z.string().max(64).optional(),
  required: z.boolean().optional(),
  defaults: z.unknown().optional(),
  prefill: z.unknown().optional(),
  validator: z.string().optional(),
  values: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  options: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  expression: z.string().optional(),
  allowCustomValue: z.boolean().optional(),
  isRadio: z.boolean().optional(),
  min: z.union([z.number(), z.string()]).optional(),
  max: z.union([z.number(), z.string()]).optional(),
  after: z.string().optional(),
  before: z.string().optional(),
  itemType: z.string().optional(),
  extension: z.string().optional(),
  dependsOn: z.strictObject({ inputs: z.array(z.string()).optional(), condition: z.string().optional() }).optional(),
});

export const outputSchema = z.strictObject({
  id: z.string().regex(INPUT_ID_PATTERN),
  type: z.string(),
  value: z.unknown(),
  description: z.string().optional(),
  displayName: z.string().optional(),
  required: z.boolean().optional(),
});

const pluginDefaultSchema = z.strictObject({
  type: z.string(),
  values: z.record(z.string(), z.unknown()),
  forced: z.boolean().optional(),
});

const labelsSchema = z.union([
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  z.array(z.strictObject({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })),
]);

/**
 * The flow document. Task lists, inputs and triggers are checked element by element by the compiler
 * (so each problem gets its own position); here they are only required to be lists.
 */
export const flowSchema = z.strictObject({
  id: z.string().max(100).regex(FLOW_ID_PATTERN, 'a flow id must match ^[a-zA-Z0-9][a-zA-Z0-9._-]*'),
  namespace: z.string().max(150).regex(NAMESPACE_PATTERN, 'a namespace must match ^[a-z0-9][a-z0-9._-]* (lower case)'),
  revision: z.number().int().min(1).optional(),
  description: z.string().optional(),
  labels: labelsSchema.optional(),
  inputs: z.array(z.unknown()).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  tasks: z.array(z.unknown()).min(1, 'a flow needs at least one task'),
  errors: z.array(z.unknown()).optional(),
  finally: z.array(z.unknown()).optional(),
  afterExecution: z.array(z.unknown()).optional(),
  listeners: z.array(z.unknown()).optional(),
  outputs: z.array(z.unknown()).optional(),
  triggers: z.array(z.unknown()).optional(),
  pluginDefaults: z.array(pluginDefaultSchema).optional(),
  taskDefaults: z.array(pluginDefaultSchema).optional(),
  retry: retrySchema.optional(),
  concurrency: z
    .strictObject({ limit: z.number().int().min(1), behavior: z.enum(['QUEUE', 'CANCEL', 'FAIL']).optional() })
    .optional(),
  sla: z.array(z.unknown()).optional(),
  disabled: z.boolean().optional(),
  checks: z.array(z.unknown()).optional(),
  deleted: z.boolean().optional(),
  tenantId: z.string().optional(),
});

export type FlowDocument = z.output<typeof flowSchema>;
export type PluginDefault = z.output<typeof pluginDefaultSchema>;
