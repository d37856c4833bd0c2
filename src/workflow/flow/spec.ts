/**
 * FlowSpec: the compiled, validated, JSON-only form of a flow.
 *
 * The compiler (src/compiler/compile.ts) produces it from YAML outside the workflow; it travels in the
 * workflow input, so the history holds the exact flow an execution ran. Workflow code and the
 * interpreter read only this shape: never YAML. Pure types, safe to import from the sandbox.
 */

/** Bumped when the FlowSpec shape changes in a way old workers cannot read. */
export const FLOW_SPEC_VERSION = 1;

export interface FlowSpec {
  specVersion: number;
  id: string;
  namespace: string;
  revision: number;
  description?: string;
  /** Where the flow came from (a file path or `api`), for messages. */
  source?: string;
  inputs: InputSpec[];
  /** Flow `variables`, kept unrendered: Kestra exposes them raw as `vars.*`. */
  variables: Record<string, unknown>;
  labels: Record<string, string>;
  tasks: TaskSpec[];
  errors: TaskSpec[];
  finally: TaskSpec[];
  outputs: OutputSpec[];
  disabled: boolean;
  /** Flow-level retry, the default for runnable tasks without their own. */
  retry?: RetrySpec;
  // The fields below are always set by today's compiler, but optional: FlowSpecs in histories
  // recorded before they existed lack them, and replay must still read those.
  /** Tasks run after the final state is known; their failures do not change it. */
  afterExecution?: TaskSpec[];
  /** Triggers, normalised (aliases resolved, labels as a map); Schedule triggers become Temporal Schedules. */
  triggers?: TriggerSpec[];
  concurrency?: ConcurrencySpec;
  sla?: SlaSpec[];
  /** Conditions on the inputs, checked before an execution is created. */
  checks?: CheckSpec[];
}

export type InputType =
  | 'STRING'
  | 'INT'
  | 'FLOAT'
  | 'BOOLEAN'
  | 'BOOL'
  | 'SELECT'
  | 'ENUM'
  | 'MULTISELECT'
  | 'ARRAY'
  | 'JSON'
  | 'DATETIME'
  | 'DATE'
  | 'TIME'
  | 'DURATION'
  | 'URI'
  | 'EMAIL'
  | 'YAML'
  | 'SECRET'
  | 'FILE';

export interface InputSpec {
  id: string;
  type: InputType;
  required: boolean;
  defaults?: unknown;
  description?: string;
  displayName?: string;
  /** STRING: a regular expression the whole value must match. */
  validator?: string;
  /** SELECT / ENUM / MULTISELECT: allowed values. */
  values?: string[];
  allowCustomValue?: boolean;
  min?: number | string;
  max?: number | string;
  itemType?: InputType;
  /** SELECT / MULTISELECT: an expression rendering the list of values (replaces `values`). */
  expression?: string;
  /** DATETIME / DATE / TIME: ISO bounds. */
  after?: string;
  before?: string;
  /** FILE: extension of the stored file. */
  extension?: string;
  /** The input is resolved only when these inputs are enabled and `condition` renders `true`. */
  dependsOn?: { inputs: string[]; condition?: string };
  /** `line:col` of the input's definition, for error messages. */
  position?: SourcePosition;
}

export interface OutputSpec {
  id: string;
  type: InputType;
  value: unknown;
  description?: string;
}

export interface SourcePosition {
  line: number;
  col: number;
}

/**
 * How the interpreter runs a task: `runnable` as a Temporal activity; `flowable` inside the workflow,
 * running its children; `inline` inside the workflow, without children (Labels, OutputValues).
 */
export type TaskKind = 'runnable' | 'flowable' | 'inline';

export interface TaskSpec {
  id: string;
  /** The canonical Kestra type (aliases are resolved by the compiler). */
  type: string;
  kind: TaskKind;
  /** Task-specific properties, unrendered: the interpreter renders them when the task starts. */
  properties: Record<string, unknown>;
  /** Child task lists of a flowable task, by property name (`tasks`, `then`, `else`, …). */
  children?: Record<string, TaskSpec[]>;
  /** Flowable-local error handlers. */
  errors?: TaskSpec[];
  description?: string;
  disabled?: boolean;
  allowFailure?: boolean;
  allowWarning?: boolean;
  runIf?: string;
  /** ISO-8601 duration of one attempt. */
  timeout?: string;
  retry?: RetrySpec;
  logLevel?: LogLevel;
  position?: SourcePosition;
}

export interface RetrySpec {
  type: 'constant' | 'exponential' | 'random';
  /** Total attempts, the first one included. */
  maxAttempts?: number;
  /** ISO-8601 durations. */
  interval?: string;
  maxInterval?: string;
  minInterval?: string;
  maxDuration?: string;
  delayFactor?: number;
  warningOnRetry?: boolean;
  /**
   * Set (only) for Kestra's CREATE_NEW_EXECUTION: a failed task ends the execution RETRIED and a new
   * execution of the flow is created (../interpreter/new-execution-retry.ts). Absent means
   * RETRY_FAILED_TASK, a new attempt of the task run; FlowSpecs compiled before it never had it.
   */
  behavior?: 'CREATE_NEW_EXECUTION';
}

interface TriggerSpecBase {
  id: string;
  description?: string;
  disabled: boolean;
  /** Added to the executions the trigger creates. */
  labels: Record<string, string>;
  /** Condition plugins, as written. */
  conditions: Record<string, unknown>[];
  stopAfter?: string[];
  /** Inputs of the executions the trigger creates, unrendered. */
  inputs: Record<string, unknown>;
  position?: SourcePosition;
}

export interface ScheduleTriggerSpec extends TriggerSpecBase {
  type: 'io.kestra.plugin.core.trigger.Schedule';
  /** As written: 5 fields, 6 (seconds first) when `withSeconds`, or `@daily`-style. */
  cron: string;
  withSeconds: boolean;
  /** IANA zone; undefined means the server's (UTC). */
  timezone?: string;
  recoverMissedSchedules?: 'ALL' | 'LAST' | 'NONE';
  lateMaximumDelay?: string;
}

export interface FlowTriggerSpec extends TriggerSpecBase {
  type: 'io.kestra.plugin.core.trigger.Flow';
  states?: string[];
  preconditions?: Record<string, unknown>;
}

export interface WebhookTriggerSpec extends TriggerSpecBase {
  type: 'io.kestra.plugin.core.trigger.Webhook';
  key: string;
  wait?: boolean;
  returnOutputs?: boolean;
}

export type TriggerSpec = ScheduleTriggerSpec | FlowTriggerSpec | WebhookTriggerSpec;

export interface ConcurrencySpec {
  limit: number;
  behavior: 'QUEUE' | 'CANCEL' | 'FAIL';
}

export interface SlaSpec {
  id: string;
  type: 'MAX_DURATION' | 'EXECUTION_ASSERTION';
  behavior: 'FAIL' | 'CANCEL' | 'NONE';
  labels: Record<string, string>;
  /** MAX_DURATION: ISO-8601 duration. */
  duration?: string;
  /** EXECUTION_ASSERTION: expression, falsy means violated. */
  assert?: string;
}

export interface CheckSpec {
  condition: string;
  message: string;
  style: 'ERROR' | 'SUCCESS' | 'WARNING' | 'INFO';
  behavior: 'BLOCK_EXECUTION' | 'FAIL_EXECUTION' | 'CREATE_EXECUTION';
  position?: SourcePosition;
}

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
