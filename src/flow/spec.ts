/**
 * FlowSpec: the compiled, validated, JSON-only form of a flow.
 *
 * The compiler (src/flow/compile.ts) produces it from YAML outside the workflow; it travels in the
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
  /** Properties the compiler accepted but this interpreter version does not act on yet. */
  ignored?: string[];
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
  | 'EMAIL';

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

/** How the interpreter runs a task: as a Temporal activity, or inside the workflow. */
export type TaskKind = 'runnable' | 'flowable';

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
}

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
