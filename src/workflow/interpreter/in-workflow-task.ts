/**
 * What an in-workflow task (a flowable or an inline task: it runs inside the workflow, as opposed
 * to a runnable task's activity; not to be confused with Temporal's Workflow Task) sees of the
 * interpreter.
 * The interpreter (flow-run.ts) implements these contexts; task modules only call them, so each
 * flowable stays a small pure function of its properties and children.
 */
import type { FlowSpec, InputSpec, LogLevel, RetrySpec, TaskSpec } from '../flow/spec';
import type { FailedCheck, SubflowEnd } from './interpreter-port';
import type { State, TaskRun } from './execution';

export interface InWorkflowTaskContext {
  readonly task: TaskSpec;
  readonly taskRun: TaskRun;
  /** Renders a template; a template that is exactly one `{{ … }}` keeps its value's type. */
  renderTyped(template: string): unknown;
  /** Renders a template to text. */
  render(template: string): string;
  /**
   * Renders every string leaf (and map key) of a value to text; other scalars are kept. `taskrun`
   * adds variables under `taskrun.` (ForEachItem's `items` and `iteration`, one batch at a time).
   */
  renderProperties(value: unknown, taskrun?: Record<string, unknown>): unknown;
  log(level: LogLevel, message: string): void;
}

export interface FlowableContext extends InWorkflowTaskContext {
  /** A compiled child list (`tasks`, `then`, `cases.<key>`…); empty when the flow has none. */
  children(list: string): readonly TaskSpec[];
  /**
   * Runs tasks one after another as children of this flowable, stopping at the first FAILED one;
   * returns their resolved state. With `loop`, they run as one ForEach iteration: their task runs
   * carry the value and their outputs are keyed by it.
   */
  runTasks(tasks: readonly TaskSpec[], loop?: LoopIteration): Promise<State>;
  /**
   * WaitFor: runs tasks one after another as iteration `iteration` (1, 2…) of this flowable; their
   * task runs carry it. The task runs of the previous iteration are removed first, as in Kestra, so
   * the execution does not grow with the iterations.
   */
  runIteration(tasks: readonly TaskSpec[], iteration: number): Promise<State>;
  /** Sets this flowable's outputs while it runs (WaitFor's `iterationCount`, which its children read). */
  setOutputs(outputs: Record<string, unknown>): void;
  /**
   * Runs jobs at most `limit` at a time (0 = all at once), starting them in order. Once a job ends
   * FAILED, no new job starts; the running ones are waited for. Returns the states of the jobs run.
   */
  runConcurrently(jobs: readonly (() => Promise<State>)[], limit: number): Promise<State[]>;
  /** Makes this task's outputs readable before it ends (by its children): then the outcome needs none. */
  publishOutputs(outputs: Record<string, unknown>): void;
  /**
   * WorkingDirectory: runs runnable tasks one after another (stopping at the first FAILED one) in
   * one working directory they share; `inputFiles` are written before the first, files matching
   * `outputFiles` are stored after the last (their URIs are returned).
   */
  runInSharedDirectory(
    tasks: readonly TaskSpec[],
    files: { inputFiles?: unknown; outputFiles?: string[] },
  ): Promise<{ state: State; outputFiles?: Record<string, string> }>;
  /**
   * A ForEach over many values: runs the iterations of this flowable's `tasks` in child workflows,
   * one batch of values each, at most `limit` iterations at a time; their task runs stay in the
   * children, this task run gets a count of iterations per state. Absent when the runner cannot
   * start child workflows.
   */
  runIterationsInBatches?(values: readonly string[], limit: number): Promise<FlowableOutcome>;
  /** True for a flowable inside a ForEach iteration. */
  readonly insideLoop: boolean;
  /** Runs this flowable's own `errors` handlers (FlowRun does it for a FAILED outcome). */
  runErrorHandlers(): Promise<void>;
  /** A durable timer. */
  sleep(ms: number): Promise<void>;
  /** The workflow's clock, in epoch milliseconds. */
  now(): number;
  /** The retry policy that applies to this task: its own, else the nearest enclosing flowable's, else the flow's. */
  retry(): RetrySpec | undefined;
  /** Pauses the execution until a resume request (validated against `onResume`) or `timeoutMs`. */
  pause(options: { timeoutMs?: number; onResume: InputSpec[] }): Promise<PauseOutcome>;
  /** This execution, where its files live (a Subflow child may read them). */
  execution: { namespace: string; flowId: string; executionId: string };
  /** Subflow: a deployed flow (its latest revision unless `revision`), loaded outside the workflow. */
  loadFlow(namespace: string, flowId: string, revision?: number): Promise<FlowSpec>;
  /**
   * Subflow: starts a child execution of `flow` (inputs already resolved), with a deterministic id
   * derived from this task run; with `wait`, resolves once it has ended.
   */
  startSubflow(options: SubflowOptions): Promise<SubflowOutcome>;
  /** Temporal's `patched(id)`: false only when replaying a history recorded before the code path `id` existed. */
  patched(id: string): boolean;
}

export interface SubflowOptions {
  flow: FlowSpec;
  inputs: Record<string, unknown>;
  /** The task's own (rendered) labels. */
  labels: Record<string, string>;
  /** Adds the parent execution's labels (the task's own win). */
  inheritLabels: boolean;
  wait: boolean;
  /** The child flow's `checks` that failed (none blocking): the child logs them, or fails at once. */
  failedChecks?: FailedCheck[];
  /** The task's attempt (retry): from the 2nd on, the child gets its own id. */
  attempt?: number;
  /** The task's `outputs`: rendered by the child once it ended. */
  extractOutputs?: Record<string, unknown>;
  /** ForEachItem: the batch (0, 1…) this child runs; its id ends with `.<batch>`. */
  batch?: number;
}

/** The child's id; with `wait`, its final state and flow outputs. */
export interface SubflowOutcome {
  executionId: string;
  end?: SubflowEnd;
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

export interface InlineTaskContext extends InWorkflowTaskContext {
  /** Merges labels into the execution's labels (same key: the new value wins). */
  mergeLabels(labels: Record<string, string>): void;
}

/** A failure an in-workflow task reports to the user: the task run ends FAILED with this message. */
export class TaskError extends Error {
  override name = 'TaskError';
}
