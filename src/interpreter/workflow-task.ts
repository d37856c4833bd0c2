/**
 * What a task that runs inside the workflow (a flowable or an inline task) sees of the interpreter.
 * The interpreter (flow-run.ts) implements these contexts; task modules only call them, so each
 * flowable stays a small pure function of its properties and children.
 */
import type { FlowSpec, InputSpec, LogLevel, TaskSpec } from '../flow/spec';
import type { State, TaskRun } from './execution';

export interface WorkflowTaskContext {
  readonly task: TaskSpec;
  readonly taskRun: TaskRun;
  /** Renders a template; a template that is exactly one `{{ … }}` keeps its value's type. */
  renderTyped(template: string): unknown;
  /** Renders a template to text. */
  render(template: string): string;
  /** Renders every string leaf (and map key) of a value to text; other scalars are kept. */
  renderProperties(value: unknown): unknown;
  log(level: LogLevel, message: string): void;
}

export interface FlowableContext extends WorkflowTaskContext {
  /** A compiled child list (`tasks`, `then`, `cases.<key>`…); empty when the flow has none. */
  children(list: string): readonly TaskSpec[];
  /**
   * Runs tasks one after another as children of this flowable, stopping at the first FAILED one;
   * returns their resolved state. With `loop`, they run as one ForEach iteration: their task runs
   * carry the value and their outputs are keyed by it.
   */
  runTasks(tasks: readonly TaskSpec[], loop?: LoopIteration): Promise<State>;
  /**
   * Runs jobs at most `limit` at a time (0 = all at once), starting them in order. Once a job ends
   * FAILED, no new job starts; the running ones are waited for. Returns the states of the jobs run.
   */
  runConcurrently(jobs: readonly (() => Promise<State>)[], limit: number): Promise<State[]>;
  /** Runs this flowable's own `errors` handlers (FlowRun does it for a FAILED outcome). */
  runErrorHandlers(): Promise<void>;
  /** A durable timer. */
  sleep(ms: number): Promise<void>;
  /** Pauses the execution until a resume request (validated against `onResume`) or `timeoutMs`. */
  pause(options: { timeoutMs?: number; onResume: InputSpec[] }): Promise<PauseOutcome>;
  /** Subflow: a deployed flow (its latest revision unless `revision`), loaded outside the workflow. */
  loadFlow(namespace: string, flowId: string, revision?: number): Promise<FlowSpec>;
  /**
   * Subflow: starts a child execution of `flow` (inputs already resolved), with a deterministic id
   * derived from this task run; with `wait`, resolves once it has ended.
   */
  startSubflow(options: SubflowOptions): Promise<SubflowOutcome>;
}

export interface SubflowOptions {
  flow: FlowSpec;
  inputs: Record<string, unknown>;
  /** The task's own (rendered) labels. */
  labels: Record<string, string>;
  /** Adds the parent execution's labels (the task's own win). */
  inheritLabels: boolean;
  wait: boolean;
}

/** The child's id; with `wait`, its final state and flow outputs. */
export interface SubflowOutcome {
  executionId: string;
  end?: SubflowEnd;
}

export interface SubflowEnd {
  state: State;
  outputs: Record<string, unknown>;
  error?: string;
}

export interface LoopIteration {
  value: string;
  /** 0-based position of the value (Kestra's `taskrun.iteration`). */
  iteration: number;
}

export type PauseOutcome = { resumed: true; inputs: Record<string, unknown> } | { resumed: false };

export interface FlowableOutcome {
  /** The state the children give the flowable; FlowRun then applies `errors`, `allowFailure`, `allowWarning`. */
  state: State;
  outputs?: Record<string, unknown>;
}

export interface InlineTaskContext extends WorkflowTaskContext {
  /** Merges labels into the execution's labels (same key: the new value wins). */
  mergeLabels(labels: Record<string, string>): void;
}

/** A failure a workflow task reports to the user: the task run ends FAILED with this message. */
export class TaskError extends Error {
  override name = 'TaskError';
}
