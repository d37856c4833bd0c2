/**
 * Kestra's flow schema as zod schemas: flow-level properties, outputs, retry, triggers, SLA,
 * checks and the properties every task shares (inputs: ./inputs.ts). Task-specific properties come from each task type's
 * module (src/plugins/registry.ts); trigger types are in ./triggers.ts.
 *
 * Each element schema is written once and used twice: by the compiler, element by element (so every
 * problem gets its own position), and by ./json-schema.ts, composed into the JSON Schema for editors.
 */
import { z } from 'zod';
import { isoDuration } from './iso-duration';
import { INPUT_ID_PATTERN, INPUT_TYPES } from './inputs';
import { LOG_LEVELS } from './spec';

export const FLOW_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
/** Task and trigger ids: no dots (they would clash with `outputs.<id>.<key>`). */
export const TASK_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

/** Every state name Kestra knows (1.x included), for `stopAfter`, Flow trigger `states`… */
export const EXECUTION_STATES = [
  'CREATED',
  'RUNNING',
  'PAUSED',
  'RESTARTED',
  'KILLING',
  'SUCCESS',
  'WARNING',
  'FAILED',
  'KILLED',
  'CANCELLED',
  'QUEUED',
  'RETRYING',
  'RETRIED',
  'SKIPPED',
  'SUBMITTED',
  'BREAKPOINT',
  'RESUBMITTED',
] as const;

export { isoDuration };

// ---------------------------------------------------------------------------------------------
// Retry

const retryShared = {
  maxAttempts: z.number().int().min(1).optional().describe('Total attempts, the first one included.'),
  /** Kestra 0.21's name for maxAttempts. */
  maxAttempt: z.number().int().min(1).optional().describe('Legacy name of `maxAttempts`.'),
  maxDuration: isoDuration.optional().describe('No new attempt starts after this long since the first one.'),
  warningOnRetry: z.boolean().optional().describe('A task that succeeds after a retry ends in WARNING.'),
  behavior: z.enum(['RETRY_FAILED_TASK', 'CREATE_NEW_EXECUTION']).optional(),
};

/** Task or flow `retry`, discriminated by `type`. Interval bounds are checked by the compiler. */
export const retrySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('constant'), interval: isoDuration, ...retryShared }).describe('Retry after a fixed interval.'),
  z
    .strictObject({
      type: z.literal('exponential'),
      interval: isoDuration,
      maxInterval: isoDuration,
      delayFactor: z.number().optional(),
      ...retryShared,
    })
    .describe('Retry after a growing interval, up to `maxInterval`.'),
  z
    .strictObject({ type: z.literal('random'), minInterval: isoDuration, maxInterval: isoDuration, ...retryShared })
    .describe('Retry after a random interval in [minInterval, maxInterval).'),
]);
export type RetryDocument = z.output<typeof retrySchema>;
export const RETRY_TYPES = ['constant', 'exponential', 'random'] as const;

// ---------------------------------------------------------------------------------------------
// Tasks

/** Properties every task accepts, whatever its type. */
export const commonTaskShape = {
  id: z
    .string()
    .regex(TASK_ID_PATTERN, 'must match "^[a-zA-Z0-9][a-zA-Z0-9_-]*" (letters, digits, _ and -; no dots, no spaces)')
    .describe('Unique in the whole flow.'),
  type: z.string(),
  description: z.string().optional(),
  disabled: z.boolean().optional().describe('A disabled task does not run at all.'),
  allowFailure: z.boolean().optional().describe('A failure ends the task in WARNING; the flow continues.'),
  allowWarning: z.boolean().optional().describe('A WARNING ends the task in SUCCESS.'),
  runIf: z.union([z.string(), z.boolean()]).optional().describe('Expression; a falsy result skips the task (SKIPPED).'),
  timeout: isoDuration.optional().describe('Longest duration of one attempt.'),
  retry: retrySchema.optional(),
  logLevel: z.enum(LOG_LEVELS).optional().describe('Minimum level of the logs kept for this task.'),
  logToFile: z.boolean().optional(),
  workerGroup: z.unknown().optional(),
};

export const outputSchema = z.strictObject({
  id: z.string().regex(INPUT_ID_PATTERN, 'must match "^[a-zA-Z0-9][.a-zA-Z0-9_-]*" (letters, digits, ., _ and -)'),
  type: z.enum(INPUT_TYPES),
  value: z.unknown().describe('Rendered at the end of the execution.'),
  description: z.string().optional(),
  displayName: z.string().optional(),
  required: z.boolean().optional(),
});

// ---------------------------------------------------------------------------------------------
// Flow-level objects

export const pluginDefaultSchema = z
  .strictObject({
    type: z.string().describe('A task or trigger type, or a prefix of it such as `io.kestra.plugin.jdbc.postgresql`.'),
    values: z.record(z.string(), z.unknown()).describe('Default property values.'),
    forced: z.boolean().optional().describe('When true, these values win over the task’s own.'),
  })
  .describe('Default property values for every plugin whose type equals or starts with `type`.');
export type PluginDefault = z.output<typeof pluginDefaultSchema>;

const labelValue = z.union([z.string(), z.number(), z.boolean()]);
export const labelsSchema = z
  .union([z.record(z.string(), labelValue), z.array(z.strictObject({ key: z.string(), value: labelValue }))], {
    error: 'must be a map of key: value, or a list of {key, value}',
  })
  .describe('Labels copied onto every execution: a map, or a list of {key, value}.');

export const concurrencySchema = z.strictObject({
  limit: z.number().int().min(1).describe('How many executions of this flow may be RUNNING or PAUSED at once.'),
  behavior: z.enum(['QUEUE', 'CANCEL', 'FAIL']).optional().describe('What happens to an execution over the limit (QUEUE by default).'),
});

const slaShared = {
  id: z.string().regex(TASK_ID_PATTERN, 'must match "^[a-zA-Z0-9][a-zA-Z0-9_-]*" (letters, digits, _ and -)'),
  behavior: z.enum(['FAIL', 'CANCEL', 'NONE']).optional().describe('What a violation does (FAIL by default).'),
  labels: labelsSchema.optional().describe('Labels added to the execution on violation.'),
};
export const slaSchema = z.discriminatedUnion('type', [
  z
    .strictObject({ type: z.literal('MAX_DURATION'), duration: isoDuration, ...slaShared })
    .describe('Violated when the execution runs longer than `duration`.'),
  z
    .strictObject({ type: z.literal('EXECUTION_ASSERTION'), assert: z.string(), ...slaShared })
    .describe('Violated when `assert` is falsy at the end.'),
]);
export const SLA_TYPES = ['MAX_DURATION', 'EXECUTION_ASSERTION'] as const;

export const checkSchema = z
  .strictObject({
    condition: z.string().describe('Expression evaluated on the inputs before the execution is created.'),
    message: z.string(),
    style: z.enum(['ERROR', 'SUCCESS', 'WARNING', 'INFO']).optional(),
    behavior: z.enum(['BLOCK_EXECUTION', 'FAIL_EXECUTION', 'CREATE_EXECUTION']).optional(),
  })
  .describe('A condition on the inputs, checked before an execution is created.');

/**
 * The flow document. Lists of tasks, inputs, outputs, triggers and SLAs are checked element by element
 * by the compiler (so each problem gets its own position): here they are only required to be lists.
 * ./json-schema.ts replaces them with their element schemas.
 */
export const flowSchema = z.strictObject({
  id: z
    .string()
    .max(100)
    .regex(FLOW_ID_PATTERN, 'must match "^[a-zA-Z0-9][a-zA-Z0-9._-]*" (letters, digits, ., _ and -)')
    .describe('The flow id, unique in its namespace.'),
  namespace: z
    .string()
    .max(150)
    .regex(NAMESPACE_PATTERN, 'must match "^[a-z0-9][a-z0-9._-]*" (lower-case letters, digits, ., _ and -)')
    .describe('Dot-separated, lower-case hierarchy, e.g. `company.team`.'),
  revision: z.number().int().min(1).optional().describe('Managed by the server; a value here is ignored.'),
  description: z.string().optional(),
  labels: labelsSchema.optional(),
  inputs: z.array(z.unknown()).optional(),
  variables: z.record(z.string(), z.unknown()).optional().describe('Constants, exposed unrendered as `vars.*`.'),
  tasks: z.array(z.unknown()).min(1, 'must not be empty').describe('The tasks, run one after the other.'),
  errors: z.array(z.unknown()).optional().describe('Tasks run when a task fails.'),
  finally: z.array(z.unknown()).optional().describe('Tasks always run at the end, while the execution is still RUNNING.'),
  afterExecution: z.array(z.unknown()).optional().describe('Tasks run after the execution reached its final state.'),
  listeners: z.array(z.unknown()).optional().describe('Deprecated.'),
  outputs: z.array(z.unknown()).optional(),
  triggers: z.array(z.unknown()).optional(),
  pluginDefaults: z.array(z.unknown()).optional(),
  taskDefaults: z.array(z.unknown()).optional().describe('Legacy name of `pluginDefaults`.'),
  retry: z.unknown().optional(),
  concurrency: concurrencySchema.optional(),
  sla: z.array(z.unknown()).optional(),
  disabled: z.boolean().optional().describe('A disabled flow cannot be executed and its triggers do not fire.'),
  checks: z.array(z.unknown()).optional(),
  deleted: z.boolean().optional(),
  tenantId: z.string().optional(),
});

export type FlowDocument = z.output<typeof flowSchema>;
