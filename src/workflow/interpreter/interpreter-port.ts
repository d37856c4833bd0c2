/**
 * What the interpreter (./flow-run.ts) asks of the world around it, and the requests that start an
 * execution. The workflow binds the port to Temporal (src/workflow/index.ts); unit tests bind it to
 * fakes (test/helpers/fake-port.ts). Types only, plus the errors both sides throw: every module
 * may import it without pulling the interpreter in.
 */
import type { CheckSpec, ConcurrencySpec, FlowSpec } from '../flow/spec';
import type { Execution, State } from './execution';
import type { ExtractedOutputs } from './extracted-outputs';
import type { RestartRequest } from './restart';
import type { TaskInvocation, TaskInvocationOptions, TaskResult } from './task-invocation';

export interface InterpreterPort {
  runTask(invocation: TaskInvocation, options: TaskInvocationOptions): Promise<TaskResult>;
  /** A durable timer; `summary` names it in the Web UI. */
  sleep(ms: number, summary: string): Promise<void>;
  /**
   * Resolves true once `predicate` holds (it is re-checked whenever the execution's state may have
   * changed, e.g. after a resume request), or false when `timeoutMs` elapses first.
   */
  waitUntil(predicate: () => boolean, timeoutMs: number | undefined, summary: string): Promise<boolean>;
  /** True for what an await throws when the execution is being killed (Temporal cancellation). */
  isCancellation(error: unknown): boolean;
  /** A fresh, deterministic id. */
  newId(): string;
  /** Workflow time. */
  now(): Date;
  /** Called after every change a user could see (task run started or ended, logs). */
  onChange?(run: { readonly execution: Execution }): void;
  /** The execution's labels changed (the Labels task): the workflow mirrors them in a search attribute. */
  labelsChanged?(labels: Record<string, string>): void;
  /**
   * The execution went PAUSED, or back to RUNNING after a resume, or RETRIED while it waits to create
   * the next execution: states the workflow shows (search attribute) before it ends.
   */
  stateChanged?(state: 'PAUSED' | 'RUNNING' | 'RETRIED'): void;
  /**
   * Flow `concurrency`: waits for a slot among the flow's executions. True once granted; false when
   * refused (behavior CANCEL/FAIL). `onQueued` runs when the execution must wait its turn (QUEUE).
   * A port without it runs every execution at once.
   */
  acquireConcurrencySlot?(concurrency: ConcurrencySpec, onQueued: (running: number) => void): Promise<boolean>;
  /** Gives the slot back once the execution has ended, killed included. */
  releaseConcurrencySlot?(): Promise<void>;
  /** Subflow: loads a deployed flow (latest revision unless `revision`). A port without it cannot run Subflow tasks. */
  loadFlow?(namespace: string, flowId: string, revision?: number): Promise<FlowSpec>;
  /**
   * Subflow: starts the child execution `start.request` (its id is `request.executionId`). With
   * `wait`, resolves with how it ended (FAILED/KILLED children included); otherwise once started.
   */
  startSubflow?(start: SubflowStart): Promise<SubflowEnd | undefined>;
  /** Runs a batch of a large ForEach's iterations as a child workflow; resolves with its summary. */
  runForEachBatch?(batch: ForEachBatch): Promise<ForEachBatchResult>;
  /**
   * Runs `body` so that the execution itself can stop it (an SLA violation): after `cancel()`, the
   * body's pending awaits throw what `isCancellation` recognises. A port without it runs no SLA timer.
   */
  cancellable?<T>(body: () => Promise<T>): { result: Promise<T>; cancel(): void };
  /**
   * True when the execution may take the code path named `id` (Temporal's `patched()`): false only
   * when replaying a history recorded before that path existed. A port without it always says true.
   */
  patched?(id: string): boolean;
}

export interface SubflowStart {
  request: ExecutionRequest;
  /** One line for the Web UI naming the child flow. */
  summary: string;
  wait: boolean;
}

export interface ExecutionRequest {
  executionId: string;
  flow: FlowSpec;
  /** Typed inputs, already resolved and validated by the client. */
  inputs: Record<string, unknown>;
  labels: Record<string, string>;
  trigger?: Record<string, unknown>;
  /** Flow `checks` whose condition was false when the execution was created (./checks.ts). */
  failedChecks?: FailedCheck[];
  /** Set when this run restarts a FAILED or KILLED execution under the same id (./restart.ts). */
  restart?: RestartRequest;
  /** A Subflow child: its parent task's `outputs`, rendered against this execution once it ended (./extracted-outputs.ts). */
  extractOutputs?: Record<string, unknown>;
  /** Set when a CREATE_NEW_EXECUTION retry created this execution in place of a RETRIED one (./new-execution-retry.ts). */
  retryOf?: RetryOf;
}

/** `ExecutionRequest.retryOf`: this execution was created by the CREATE_NEW_EXECUTION retry of another. */
export interface RetryOf {
  /** The RETRIED execution this one replaces. */
  previousId: string;
  /** The chain's first execution, and when it started (`maxDuration` counts from there). */
  originalId: string;
  originalStartDate: string;
  /** Kestra's `metadata.attemptNumber` of this execution: 2 for the first retry. */
  attemptNumber: number;
}

/**
 * A batch of a large ForEach's iterations, run by a child workflow in the parent execution's name:
 * same execution id (task-run files, expressions), the parent's outputs so far.
 */
export interface ForEachBatch {
  /** The child workflow's id. */
  batchId: string;
  request: ExecutionRequest;
  /** The ForEach task and its task run. */
  taskId: string;
  taskRunId: string;
  values: string[];
  /** `taskrun.iteration` of the first value. */
  firstIteration: number;
  limit: number;
  outputs: Record<string, unknown>;
  taskStates: Record<string, { state: State }>;
  labels: Record<string, string>;
  /** A ForEach inside other loops: their iterations (outermost first) and the task runs enclosing it (nearest first). */
  loops?: { value: string; iteration: number }[];
  parents?: { id: string; taskId: string; value?: string }[];
}

/** What a batch reports back: small whatever its size (its task runs stay queryable in the child). */
export interface ForEachBatchResult {
  state: State;
  /** Iterations by final state. */
  iterations: Partial<Record<State, number>>;
  taskRuns: number;
  /** The first failure: `<task> [<value>]: <error>`. */
  error?: string;
}

/** How a child execution ended (Subflow with `wait`): its final state and flow outputs. */
export interface SubflowEnd {
  state: State;
  outputs: Record<string, unknown>;
  error?: string;
  /** The parent task's `outputs`, rendered by the child (`ExecutionRequest.extractOutputs`). */
  extractedOutputs?: ExtractedOutputs;
}

/** A flow check whose condition did not hold, with its message rendered (./checks.ts evaluates them). */
export interface FailedCheck {
  message: string;
  style: CheckSpec['style'];
  behavior: CheckSpec['behavior'];
  /** `line:col` of the check in the flow source, for error messages. */
  position?: CheckSpec['position'];
}
