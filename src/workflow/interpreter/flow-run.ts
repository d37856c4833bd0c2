/**
 * The interpreter: runs one execution of a FlowSpec with Kestra's semantics.
 *
 * Pure and deterministic: every side effect (running a task's activity, timers, waiting for a
 * resume, ids, time, search attributes) goes through the `InterpreterPort`, which the workflow binds
 * to Temporal and unit tests bind to fakes. Flowable and inline task types live in their own modules
 * (src/workflow/plugins/); this class gives them a context and applies the rules common to
 * every task: runIf, disabled, errors, allowFailure/allowWarning, task runs and outputs.
 */
import type { ConcurrencySpec, FlowSpec, InputSpec, LogLevel, RetrySpec, SlaSpec, TaskSpec } from '../flow/spec';
import type { FailedCheck } from './checks';
import { formatDuration, parseDuration } from './duration';
import { type Execution, isTerminated, type LogEntry, resolveState, type State, type TaskRun } from './execution';
import {
  type Context,
  ExpressionError,
  isTruthy,
  render,
  renderingProperty,
  renderProperties,
  renderTyped,
  withExecutionRuntime,
} from '../expression';
import { WORKFLOW_TASK_TYPES } from '../plugins';
import { WORKING_DIR_PLACEHOLDER } from '../plugins/core/flow/working-directory';
import { parseInput, resolveInputs } from './inputs';
import { jsonBytes, MAX_PAYLOAD_DATA_BYTES } from './payload-size';
import { type DeferredProperties, type RenderedTaskProperties, renderRunnableTaskProperties } from './io-functions';
import { type Carried, PreviousAttempt, type PreviousTaskRun, type RestartRequest } from './restart';
import {
  type FlowableContext,
  type FlowableOutcome,
  type InlineTaskContext,
  type LoopIteration,
  type PauseOutcome,
  type SubflowEnd,
  type SubflowOptions,
  type SubflowOutcome,
  TaskError,
  type WorkflowTaskContext,
} from './workflow-task';
import { ANCESTOR_RETRY_PATCH, PAYLOAD_BYTES_PATCH, SLA_PATCH } from '../patches';

export type { SubflowEnd } from './workflow-task';

/** What the workflow asks the outside world to do for a runnable task. */
export interface TaskInvocation {
  executionId: string;
  namespace: string;
  flowId: string;
  taskRunId: string;
  taskId: string;
  type: string;
  /** Rendered properties. */
  properties: Record<string, unknown>;
  /** Properties calling kv()/secret()/read(): rendered by the activity (./io-functions.ts). */
  deferred?: DeferredProperties;
  logLevel?: LogLevel;
  /** A task of a WorkingDirectory: the directory it shares with its siblings. */
  workingDirectory?: SharedDirectoryInvocation;
  /** The execution that started this one (Subflow parent, Flow trigger source): its files are readable too. */
  parentExecution?: { namespace: string; flowId: string; executionId: string };
}

/** How a WorkingDirectory child finds its directory (src/activities/working-directory.ts keeps it between tasks). */
export interface SharedDirectoryInvocation {
  /** The WorkingDirectory task run owning the directory. */
  taskId: string;
  taskRunId: string;
  /** The sibling task run that saved the directory as it is now; none before the first. */
  restoreFrom?: string;
  /** Written into the directory before the task runs (only while there is nothing to restore). */
  inputFiles?: unknown;
  /** Globs of files to store once the task ran (the last task only). */
  outputFiles?: string[];
}

export interface TaskInvocationOptions {
  /** Shown in the Web UI as the activity's summary. */
  summary: string;
  /** Deterministic and readable: the task id (plus the loop values inside ForEach). */
  activityId: string;
  retry?: RetrySpec;
  timeout?: string;
}

export interface TaskLogLine {
  timestamp: string;
  level: LogLevel;
  message: string;
}

export interface TaskResult {
  outputs: Record<string, unknown>;
  /** A WorkingDirectory child saved the directory (the next child restores it), and stored its `outputFiles`. */
  workingDirectory?: { saved: true; outputFiles?: Record<string, string> };
  logs: TaskLogLine[];
  attempts: number;
  /** Set when the task itself ended WARNING (a script that wrote on stderr); absent means SUCCESS. */
  state?: 'WARNING';
}

/** A runnable task that failed after its last attempt. */
export class TaskFailure extends Error {
  override name = 'TaskFailure';
  constructor(
    message: string,
    readonly attempts: number,
    readonly logs: TaskLogLine[] = [],
  ) {
    super(message);
  }
}

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
  onChange?(run: FlowRun): void;
  /** The execution's labels changed (the Labels task): the workflow mirrors them in a search attribute. */
  labelsChanged?(labels: Record<string, string>): void;
  /** The execution went PAUSED, or back to RUNNING after a resume. */
  pausedChanged?(state: 'PAUSED' | 'RUNNING'): void;
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

/** A resume request that cannot be applied: the execution is not paused, or an `onResume` input is invalid. */
export class ResumeRefused extends Error {
  override name = 'ResumeRefused';
}

/** Where a task runs: under which flowable task runs, and in which ForEach iterations. */
interface Scope {
  /** Enclosing flowable task runs, nearest first (Kestra's `parents`). */
  parents: TaskRun[];
  /** Enclosing ForEach iterations, outermost first: task runs carry the innermost value, outputs nest under all. */
  loops: LoopIteration[];
  /** Inside a WorkingDirectory: the directory its tasks share. */
  sharedDirectory?: SharedDirectory;
}

interface SharedDirectory {
  taskId: string;
  taskRunId: string;
  /** The last child task run that saved the directory. */
  restoreFrom?: string;
  inputFiles?: unknown;
  outputFiles?: string[];
  /** The child that stores `outputFiles` once it ran. */
  lastTaskId?: string;
  /** What it stored. */
  storedOutputFiles?: Record<string, string>;
}

const ROOT_SCOPE: Scope = { parents: [], loops: [] };

interface WaitingPause {
  onResume: InputSpec[];
  /** Set by a resume request: the validated onResume inputs. */
  resumedWith?: Record<string, unknown>;
}

/** Longer loop values are not spelled out in activity ids (Temporal limits ids to 1,000 characters). */
const MAX_VALUE_IN_ACTIVITY_ID = 100;

/** The most log lines kept in workflow state (older ones are dropped, their count kept). */
const MAX_KEPT_LOGS = 1000;

/**
 * Iterations per child workflow of a large ForEach (see ./flowables/for-each.ts for when it is
 * large): at most this many, fewer when an iteration has many tasks, so that a batch's history
 * stays near BATCH_TASK_RUNS task runs (a few events each), well under Temporal's limits.
 */
export const FOREACH_BATCH_SIZE = 500;
const BATCH_TASK_RUNS = 2500;

function batchSizeFor(forEach: TaskSpec): number {
  const count = (tasks: readonly TaskSpec[]): number => tasks.reduce((n, t) => n + 1 + count(Object.values(t.children ?? {}).flat()), 0);
  return Math.max(10, Math.min(FOREACH_BATCH_SIZE, Math.floor(BATCH_TASK_RUNS / Math.max(1, count(forEach.children?.tasks ?? [])))));
}

/** How an SLA violation ends the execution. */
interface SlaStop {
  state: 'FAILED' | 'CANCELLED';
  message: string;
}

/** A failed check's `style` as a log level. */
const CHECK_LOG_LEVELS: Record<FailedCheck['style'], LogLevel> = { ERROR: 'ERROR', WARNING: 'WARN', SUCCESS: 'INFO', INFO: 'INFO' };

const FLOWABLES = new Map(WORKFLOW_TASK_TYPES.flatMap((d) => (d.kind === 'flowable' ? [[d.type, d] as const] : [])));
const INLINE = new Map(WORKFLOW_TASK_TYPES.flatMap((d) => (d.kind === 'inline' ? [[d.type, d] as const] : [])));

export class FlowRun {
  readonly execution: Execution;
  readonly logs: LogEntry[] = [];
  droppedLogs = 0;
  /** Task outputs as expressions see them: `outputs.<taskId>`, nested by loop values inside ForEach. */
  private readonly outputs: Record<string, Record<string, unknown>> = {};
  /** `tasks.<taskId>.state` for expressions (the latest task run of each task). */
  private readonly taskStates: Record<string, { state: State }> = {};
  /** Pause task runs waiting for a resume, by task run id. */
  private readonly waitingPauses = new Map<string, WaitingPause>();
  /** True once the execution was killed (cancelled from outside), as opposed to ending KILLED by itself. */
  killed = false;
  /** Set when a MAX_DURATION SLA violation (FAIL or CANCEL) stops the running tasks. */
  private slaStop: SlaStop | undefined;
  /** A restart: the previous attempt's task runs, reused or counted (./restart.ts). */
  private readonly previousAttempt: PreviousAttempt | undefined;
  /** Attempts the previous attempts made, by task run id: added to the task run's own when it ends. */
  private readonly priorAttempts = new Map<string, number>();
  /** Every task of the flow by id, built on first use (retry lookup, ForEach batches). */
  private tasksById: Map<string, TaskSpec> | undefined;
  /** The UTF-8 size of every task run's outputs so far: the execution record carries them all. */
  private outputsBytes = 0;

  constructor(
    private readonly request: ExecutionRequest,
    private readonly port: InterpreterPort,
  ) {
    const { flow } = request;
    this.execution = {
      id: request.executionId,
      namespace: flow.namespace,
      flowId: flow.id,
      revision: flow.revision,
      state: request.restart ? 'RESTARTED' : 'CREATED',
      inputs: request.inputs,
      outputs: {},
      labels: { ...flow.labels, ...request.labels },
      taskRuns: [],
      startDate: port.now().toISOString(),
    };
    this.previousAttempt = request.restart ? new PreviousAttempt(flow, request.restart) : undefined;
  }

  /** Runs the flow to its final state and returns the execution. */
  async run(): Promise<Execution> {
    if (this.request.restart) {
      this.log(
        'INFO',
        `Restarted (attempt ${this.request.restart.attempt}): task runs that ended SUCCESS, WARNING or SKIPPED keep their outputs and do not run again`,
      );
    }
    if (this.failByChecks()) return this.execution;
    const { concurrency } = this.request.flow;
    if (!concurrency || !this.port.acquireConcurrencySlot) return this.runToEnd();
    try {
      let granted: boolean;
      try {
        granted = await this.port.acquireConcurrencySlot(concurrency, (running) => this.queued(running));
      } catch (error) {
        if (!this.port.isCancellation(error)) throw error;
        return this.kill();
      }
      return granted ? await this.runToEnd() : this.refuse(concurrency);
    } finally {
      await this.port.releaseConcurrencySlot?.();
    }
  }

  /** QUEUE: the execution waits for a slot (Kestra's state history CREATED, QUEUED, RUNNING…). */
  private queued(running: number): void {
    this.execution.state = 'QUEUED';
    this.log('INFO', `Flow is queued due to concurrency limit exceeded, ${running} running(s)`);
    this.changed();
  }

  /** CANCEL/FAIL: the limit is reached, the execution ends at once without running a task. */
  private refuse(concurrency: ConcurrencySpec): Execution {
    const state = concurrency.behavior === 'FAIL' ? 'FAILED' : 'CANCELLED';
    const message = `Flow is ${state} due to concurrency limit exceeded`;
    if (state === 'FAILED') this.execution.error = message;
    this.log(state === 'FAILED' ? 'ERROR' : 'WARN', message);
    this.finish(state);
    return this.execution;
  }

  private async runToEnd(): Promise<Execution> {
    const { flow } = this.request;
    this.execution.state = 'RUNNING';
    this.changed();
    // Executions recorded before SLAs were applied ignored them: they replay without their timers.
    const slas = flow.sla?.length && (this.port.patched?.(SLA_PATCH) ?? true) ? flow.sla : [];

    try {
      await this.runWithinMaxDurations(slas, async () => {
        const mainState = await this.runTasks(flow.tasks, ROOT_SCOPE);
        if (mainState === 'FAILED' && flow.errors.length > 0) await this.runTasks(flow.errors, ROOT_SCOPE);
        if (flow.finally.length > 0) await this.runTasks(flow.finally, ROOT_SCOPE);
      });
    } catch (error) {
      if (!this.port.isCancellation(error)) throw error;
      return this.slaStop ? this.stopBySla(this.slaStop) : this.kill();
    }

    // Kestra's final-state rule looks at the top-level `tasks` (and `finally`) only, not `errors`.
    const topLevelIds = new Set([...flow.tasks, ...flow.finally].map((t) => t.id));
    let state = resolveState(this.execution.taskRuns.filter((r) => r.parentTaskRunId === undefined && topLevelIds.has(r.taskId)).map((r) => r.state));
    if (state !== 'FAILED' && state !== 'KILLED' && flow.outputs.length > 0) state = this.renderFlowOutputs() ? state : 'FAILED';
    state = this.assertSlas(slas, state);
    if (flow.afterExecution?.length) {
      // Kestra 1.x: run once the final state is known (`execution.state` shows it); they cannot change it.
      this.execution.state = state;
      try {
        await this.runTasks(flow.afterExecution, ROOT_SCOPE);
      } catch (error) {
        if (!this.port.isCancellation(error)) throw error;
        return this.kill();
      }
    }
    this.finish(state);
    return this.execution;
  }

  // ---------------------------------------------------------------------------------------------
  // Flow checks and SLAs

  /**
   * Flow `checks` that failed when the execution was created: each is logged; a FAIL_EXECUTION one
   * (or a BLOCK_EXECUTION one its creator did not enforce) ends the execution FAILED before any task.
   */
  private failByChecks(): boolean {
    const failed = this.request.failedChecks ?? [];
    for (const check of failed) this.log(CHECK_LOG_LEVELS[check.style], `Flow check failed: ${check.message}`);
    const failing = failed.filter((check) => check.behavior !== 'CREATE_EXECUTION');
    if (failing.length === 0) return false;
    this.execution.error = `Execution failed by a flow check: ${failing.map((check) => check.message).join('; ')}`;
    this.finish('FAILED');
    return true;
  }

  /**
   * MAX_DURATION SLAs: one durable timer each, racing `body`, counted from the execution's start.
   * When one fires first, the SLA is violated: its labels are added and, for FAIL and CANCEL, the
   * running tasks are stopped (the caller then ends the execution by `slaStop`).
   */
  private async runWithinMaxDurations(slas: readonly SlaSpec[], body: () => Promise<void>): Promise<void> {
    const maxDurations = slas.filter((sla) => sla.type === 'MAX_DURATION');
    const { port } = this;
    const cancellable = port.cancellable?.bind(port);
    if (maxDurations.length === 0 || !cancellable) return body();
    const main = cancellable(body);
    let ended = false;
    const startedAt = Date.parse(this.execution.startDate);
    const timers = maxDurations.map((sla) => {
      const remaining = Math.max(0, (parseDuration(sla.duration ?? '') ?? 0) - (port.now().getTime() - startedAt));
      const timer = cancellable(() => port.sleep(remaining, `SLA ${sla.id}: ${sla.duration}`));
      timer.result.then(
        () => {
          if (ended || this.slaStop) return;
          const elapsed = formatDuration(port.now().getTime() - startedAt);
          const stop = this.slaViolated(sla, `execution duration of ${elapsed} exceed the maximum duration of ${sla.duration}.`);
          if (stop) {
            this.slaStop = stop;
            main.cancel();
          }
        },
        () => undefined, // cancelled: the execution ended first, or was killed
      );
      return timer;
    });
    try {
      await main.result;
    } finally {
      ended = true;
      for (const timer of timers) timer.cancel();
    }
  }

  /** EXECUTION_ASSERTION SLAs, evaluated once the final state is known (`execution.state` shows it). */
  private assertSlas(slas: readonly SlaSpec[], state: State): State {
    let final = state;
    for (const sla of slas) {
      if (sla.type !== 'EXECUTION_ASSERTION' || sla.assert === undefined) continue;
      this.execution.state = final;
      let holds: boolean;
      try {
        holds = isTruthy(renderTyped(sla.assert, this.baseContext()));
      } catch (error) {
        this.log('WARN', `SLA '${sla.id}': the assertion could not be evaluated: ${messageOf(error)}`);
        holds = false;
      }
      if (holds) continue;
      const stop = this.slaViolated(sla, `assertion is false: ${sla.assert}.`);
      if (stop && final !== 'KILLED') {
        final = stop.state;
        if (stop.state === 'FAILED') this.execution.error = stop.message;
      }
    }
    return final;
  }

  /** Logs a violation and adds the SLA's labels; returns how the execution must end (none for NONE). */
  private slaViolated(sla: SlaSpec, reason: string): SlaStop | undefined {
    if (Object.keys(sla.labels).length > 0) {
      Object.assign(this.execution.labels, sla.labels);
      this.port.labelsChanged?.({ ...this.execution.labels });
    }
    if (sla.behavior === 'NONE') {
      this.log('WARN', `SLA '${sla.id}' violated: ${reason}`);
      this.changed();
      return undefined;
    }
    const state = sla.behavior === 'FAIL' ? 'FAILED' : 'CANCELLED';
    const message = `Execution ${state === 'FAILED' ? 'failed' : 'cancelled'} due to SLA '${sla.id}' violated: ${reason}`;
    this.log(state === 'FAILED' ? 'ERROR' : 'WARN', message);
    return { state, message };
  }

  /** A MAX_DURATION violation stopped the tasks: those still going end KILLED, the execution FAILED or CANCELLED. */
  private stopBySla(stop: SlaStop): Execution {
    this.killRunningTaskRuns();
    if (stop.state === 'FAILED') this.execution.error = stop.message;
    this.finish(stop.state);
    return this.execution;
  }

  // ---------------------------------------------------------------------------------------------
  // Pause and resume (the workflow's `tflow.resume` update calls these)

  /** Throws ResumeRefused, with the reason, when `resume(inputs)` would be refused. Changes nothing. */
  validateResume(inputs: Record<string, unknown>): void {
    this.resolveResume(inputs);
  }

  /** Resumes every waiting Pause with the given `onResume` inputs; returns the resumed task ids. */
  resume(inputs: Record<string, unknown>): string[] {
    const resolved = this.resolveResume(inputs);
    for (const [taskRunId, values] of resolved) this.waitingPauses.get(taskRunId)!.resumedWith = values;
    return this.execution.taskRuns.filter((r) => resolved.has(r.id)).map((r) => r.taskId);
  }

  private resolveResume(inputs: Record<string, unknown>): Map<string, Record<string, unknown>> {
    if (this.waitingPauses.size === 0) throw new ResumeRefused(`Execution ${this.execution.id} is not paused (state ${this.execution.state})`);
    const resolved = new Map<string, Record<string, unknown>>();
    for (const [taskRunId, waiting] of this.waitingPauses) {
      const { inputs: values, problems } = resolveInputs(waiting.onResume, inputs, this.baseContext());
      if (problems.length > 0) throw new ResumeRefused(problems.map((p) => p.message).join('\n'));
      resolved.set(taskRunId, values);
    }
    return resolved;
  }

  private async pause(task: TaskSpec, taskRun: TaskRun, options: { timeoutMs?: number; onResume: InputSpec[] }): Promise<PauseOutcome> {
    const waiting: WaitingPause = { onResume: options.onResume };
    this.waitingPauses.set(taskRun.id, waiting);
    taskRun.state = 'PAUSED';
    this.log('INFO', `Paused: resume with \`tflow resume ${this.execution.id}\``, task, taskRun);
    this.updatePausedState();
    let resumed: boolean;
    try {
      resumed = await this.port.waitUntil(() => waiting.resumedWith !== undefined, options.timeoutMs, task.id);
    } finally {
      this.waitingPauses.delete(taskRun.id);
    }
    taskRun.state = 'RUNNING';
    this.updatePausedState();
    return resumed ? { resumed: true, inputs: waiting.resumedWith ?? {} } : { resumed: false };
  }

  /** The execution is PAUSED while any Pause waits. */
  private updatePausedState(): void {
    const state = this.waitingPauses.size > 0 ? 'PAUSED' : 'RUNNING';
    if (this.execution.state !== state) {
      this.execution.state = state;
      this.port.pausedChanged?.(state);
    }
    this.changed();
  }

  // ---------------------------------------------------------------------------------------------
  // Running tasks

  /** Runs tasks one after another; stops at the first FAILED (or KILLED) one. Returns the resolved state. */
  private async runTasks(tasks: readonly TaskSpec[], scope: Scope): Promise<State> {
    const states: State[] = [];
    for (const task of tasks) {
      if (task.disabled) continue;
      const state = await this.runTask(task, scope);
      states.push(state);
      if (state === 'FAILED' || state === 'KILLED') break;
    }
    return resolveState(states);
  }

  private async runTask(task: TaskSpec, scope: Scope): Promise<State> {
    const carried = this.carriedFromPreviousAttempt(task, scope);
    const taskRun = this.startTaskRun(task, scope);
    if (carried?.reuse) return this.reuseTaskRun(task, taskRun, scope, carried.previous);
    if (carried?.priorAttempts) this.priorAttempts.set(taskRun.id, carried.priorAttempts);
    if (task.runIf !== undefined) {
      try {
        if (!isTruthy(renderTyped(task.runIf, this.contextFor(task, taskRun, scope)))) return this.endTaskRun(taskRun, 'SKIPPED');
      } catch (error) {
        return this.failTaskRun(task, taskRun, `Unable to evaluate the runIf condition for task ${task.id}: ${messageOf(error)}`);
      }
    }
    switch (task.kind) {
      case 'flowable':
        return this.runFlowable(task, taskRun, scope);
      case 'inline':
        return this.runInline(task, taskRun, scope);
      default:
        return this.runActivity(task, taskRun, scope);
    }
  }

  /** On a restart, what the previous attempt left for this task run (a WorkingDirectory's tasks all run again). */
  private carriedFromPreviousAttempt(task: TaskSpec, scope: Scope): Carried | undefined {
    if (!this.previousAttempt || scope.sharedDirectory) return undefined;
    return this.previousAttempt.take(task, scope.parents, scope.loops[scope.loops.length - 1]?.value);
  }

  /**
   * A task run that ended SUCCESS, WARNING or SKIPPED in the previous attempt: its outputs and state,
   * nothing run. A flowable reused whole (WorkingDirectory) brings its children's task runs along.
   */
  private reuseTaskRun(task: TaskSpec, taskRun: TaskRun, scope: Scope, previous: PreviousTaskRun): State {
    taskRun.attempts = previous.attempts;
    this.setOutputs(task, taskRun, scope, previous.outputs ?? {});
    const childScope: Scope = { ...scope, parents: [taskRun, ...scope.parents] };
    for (const child of Object.values(task.children ?? {}).flat()) {
      const carried = child.disabled ? undefined : this.carriedFromPreviousAttempt(child, childScope);
      if (carried?.reuse) this.reuseTaskRun(child, this.startTaskRun(child, childScope), childScope, carried.previous);
    }
    this.log('INFO', `Not run again: it ended ${previous.state} in the previous attempt (task run ${previous.id})`, task, taskRun);
    return this.endTaskRun(taskRun, previous.state);
  }

  private async runActivity(task: TaskSpec, taskRun: TaskRun, scope: Scope): Promise<State> {
    let rendered: RenderedTaskProperties;
    try {
      rendered = renderRunnableTaskProperties(task.type, task.properties, this.contextFor(task, taskRun, scope));
    } catch (error) {
      taskRun.attempts = 1; // as in Kestra, where rendering is part of the task's (only) attempt
      return this.failTaskRun(task, taskRun, messageOf(error));
    }
    // Top-level ids stay the bare task id, as recorded in existing histories; loop values make ids
    // unique among concurrent iterations (a long value is replaced by its position, to keep ids short).
    const loopSuffix = scope.loops.map((l) => (l.value.length <= MAX_VALUE_IN_ACTIVITY_ID ? `[${l.value}]` : `[#${l.iteration}]`)).join('');
    const retry = this.retryFor(task, scope);
    const shared = scope.sharedDirectory;
    const parentExecution = this.parentExecution();
    const invocation: TaskInvocation = {
      executionId: this.execution.id,
      namespace: this.execution.namespace,
      flowId: this.execution.flowId,
      taskRunId: taskRun.id,
      taskId: task.id,
      type: task.type,
      properties: rendered.properties,
      ...(rendered.deferred ? { deferred: rendered.deferred } : {}),
      logLevel: task.logLevel,
      ...(shared ? { workingDirectory: sharedDirectoryInvocation(shared, task) } : {}),
      ...(parentExecution ? { parentExecution } : {}),
    };
    const inputBytes = jsonBytes(invocation);
    if (inputBytes > MAX_PAYLOAD_DATA_BYTES && this.port.patched?.(PAYLOAD_BYTES_PATCH) !== false) {
      taskRun.attempts = 1;
      return this.failTaskRun(
        task,
        taskRun,
        `The input of task ${task.id} is ${inputBytes} bytes, more than a task may be sent (limit ${MAX_PAYLOAD_DATA_BYTES}, under Temporal's 2 MB payload limit): ` +
          'its properties take large values from earlier outputs; pass large data as files (kestra:// URIs) instead',
      );
    }
    try {
      const result = await this.port.runTask(invocation, {
        summary: loopSuffix ? `${task.id} ${loopSuffix}` : task.id,
        activityId: task.id + loopSuffix,
        retry,
        timeout: task.timeout,
      });
      taskRun.attempts = result.attempts;
      const oversize = this.outputsTooLarge(task, result.outputs);
      if (oversize) return this.failTaskRun(task, taskRun, oversize);
      if (shared && result.workingDirectory) {
        shared.restoreFrom = taskRun.id;
        if (result.workingDirectory.outputFiles) shared.storedOutputFiles = result.workingDirectory.outputFiles;
      }
      this.setOutputs(task, taskRun, scope, result.outputs);
      this.appendLogs(task, taskRun, result.logs);
      const retried = result.attempts > 1 && retry?.warningOnRetry;
      return this.endTaskRun(taskRun, retried || result.state === 'WARNING' ? 'WARNING' : 'SUCCESS', task);
    } catch (error) {
      if (!(error instanceof TaskFailure)) throw error;
      taskRun.attempts = error.attempts;
      this.appendLogs(task, taskRun, error.logs);
      return this.failTaskRun(task, taskRun, error.message);
    }
  }

  /** Kestra's retry lookup (runnable tasks and Subflow): the task's own, the nearest enclosing flowable's, the flow's. */
  private retryFor(task: TaskSpec, scope: Scope): RetrySpec | undefined {
    return task.retry ?? this.ancestorRetry(scope) ?? this.request.flow.retry;
  }

  /** Kestra's retry lookup after the task's own: the nearest enclosing flowable that has a `retry`. */
  private ancestorRetry(scope: Scope): RetrySpec | undefined {
    const retry = scope.parents.map((parent) => this.findTask(parent.taskId)?.retry).find((r) => r !== undefined);
    // Histories recorded before this lookup scheduled such tasks with the flow's retry.
    return retry && (this.port.patched?.(ANCESTOR_RETRY_PATCH) ?? true) ? retry : undefined;
  }

  /** A task anywhere in the flow, by id: indexed once, as the retry lookup asks for every runnable task. */
  private findTask(taskId: string): TaskSpec | undefined {
    this.tasksById ??= indexTasks(this.request.flow);
    return this.tasksById.get(taskId);
  }

  private async runFlowable(task: TaskSpec, taskRun: TaskRun, scope: Scope): Promise<State> {
    const definition = FLOWABLES.get(task.type);
    if (!definition) return this.failTaskRun(task, taskRun, `The flowable task type ${task.type} is not supported by this version of tflow`);
    taskRun.attempts = 1;
    const childScope: Scope = { parents: [taskRun, ...scope.parents], loops: scope.loops };
    let errorsRan = false;
    const runErrorHandlers = async () => {
      if (errorsRan || !task.errors?.length) return;
      errorsRan = true;
      await this.runTasks(task.errors, childScope);
    };
    const context: FlowableContext = {
      ...this.workflowTaskContext(task, taskRun, scope),
      children: (list) => task.children?.[list] ?? [],
      runTasks: (tasks, loop) => this.runTasks(tasks, loop ? { ...childScope, loops: [...scope.loops, loop] } : childScope),
      runConcurrently,
      ...(this.port.runForEachBatch && scope.loops.length === 0
        ? { runIterationsInBatches: (values: readonly string[], limit: number) => this.runIterationsInBatches(task, taskRun, values, limit) }
        : {}),
      runInSharedDirectory: async (tasks, files) => {
        const enabled = tasks.filter((t) => !t.disabled);
        const shared: SharedDirectory = {
          taskId: task.id,
          taskRunId: taskRun.id,
          inputFiles: files.inputFiles,
          outputFiles: files.outputFiles,
          lastTaskId: enabled[enabled.length - 1]?.id,
        };
        const state = await this.runTasks(tasks, { ...childScope, sharedDirectory: shared });
        return { state, ...(shared.storedOutputFiles ? { outputFiles: shared.storedOutputFiles } : {}) };
      },
      runErrorHandlers,
      sleep: (ms) => this.port.sleep(ms, task.id),
      now: () => this.port.now().getTime(),
      retry: () => this.retryFor(task, scope),
      pause: (options) => this.pause(task, taskRun, options),
      loadFlow: (namespace, flowId, revision) => {
        if (!this.port.loadFlow) throw new TaskError('Subflow tasks need the flow registry, which this runner has not');
        return this.port.loadFlow(namespace, flowId, revision);
      },
      startSubflow: (options) => this.startSubflow(task, scope, options),
      execution: { namespace: this.execution.namespace, flowId: this.execution.flowId, executionId: this.execution.id },
      patched: (id) => this.port.patched?.(id) ?? true,
    };

    let outcome: FlowableOutcome;
    try {
      outcome = await definition.execute(context);
    } catch (error) {
      if (this.port.isCancellation(error)) throw error;
      taskRun.error = messageOf(error);
      this.log('ERROR', taskRun.error, task, taskRun);
      outcome = { state: 'FAILED' };
    }
    const oversize = outcome.outputs && this.outputsTooLarge(task, outcome.outputs);
    if (oversize) {
      taskRun.error = oversize;
      this.log('ERROR', oversize, task, taskRun);
      outcome = { state: 'FAILED' };
    }
    if (outcome.outputs) this.setOutputs(task, taskRun, scope, outcome.outputs);
    if (outcome.state === 'FAILED') await runErrorHandlers();
    return this.endTaskRun(taskRun, outcome.state, task);
  }

  /**
   * A large ForEach: batches of iterations (batchSizeFor), each a child workflow, one after the
   * other (each runs `limit` iterations at a time), so that neither this history nor this execution's
   * state grows with the number of iterations. After a failed batch, no new batch starts.
   */
  private async runIterationsInBatches(task: TaskSpec, taskRun: TaskRun, values: readonly string[], limit: number): Promise<FlowableOutcome> {
    // A batch's iterations are not in this execution's task runs: a restart runs them all again.
    const { failedChecks: _checks, restart: _restart, ...request } = this.request;
    const iterations: Partial<Record<State, number>> = {};
    const batches: string[] = [];
    const states: State[] = [];
    const size = batchSizeFor(task);
    for (let first = 0; first < values.length; first += size) {
      const batchId = `${this.execution.id}.${task.id}.batch-${batches.length + 1}`;
      batches.push(batchId);
      const result = await this.port.runForEachBatch!({
        batchId,
        request,
        taskId: task.id,
        taskRunId: taskRun.id,
        values: values.slice(first, first + size),
        firstIteration: first,
        limit,
        outputs: this.outputs,
        taskStates: this.taskStates,
        labels: this.execution.labels,
      });
      for (const [state, count] of Object.entries(result.iterations)) iterations[state as State] = (iterations[state as State] ?? 0) + count;
      states.push(result.state);
      if (result.error && !taskRun.error) taskRun.error = `${result.error} (batch ${batchId})`;
      this.changed();
      if (result.state === 'FAILED' || result.state === 'KILLED') break;
    }
    this.log(
      'INFO',
      `${values.length} iterations ran in child workflows of up to ${size} (their task runs are there): ${batches.join(', ')}`,
      task,
      taskRun,
    );
    return { state: resolveState(states), outputs: { iterations, batches } };
  }

  /** Runs one batch of a large ForEach (this FlowRun belongs to the batch's child workflow). */
  async runBatch(batch: ForEachBatch): Promise<ForEachBatchResult> {
    Object.assign(this.outputs, batch.outputs);
    Object.assign(this.taskStates, batch.taskStates);
    this.execution.labels = { ...batch.labels };
    this.execution.state = 'RUNNING';
    this.changed();
    const task = this.findTask(batch.taskId);
    if (!task) throw new Error(`No task ${batch.taskId} in flow ${this.execution.namespace}.${this.execution.flowId}`);
    // The ForEach task run lives in the parent: here it is only the iterations' `parent`.
    const forEachRun: TaskRun = { id: batch.taskRunId, taskId: task.id, state: 'RUNNING', attempts: 1, outputs: {} };
    const tasks = task.children?.tasks ?? [];
    const iterations: Partial<Record<State, number>> = {};
    const jobs = batch.values.map((value, index) => async () => {
      const state = await this.runTasks(tasks, { parents: [forEachRun], loops: [{ value, iteration: batch.firstIteration + index }] });
      iterations[state] = (iterations[state] ?? 0) + 1;
      return state;
    });
    let states: State[];
    try {
      states = await runConcurrently(jobs, batch.limit);
    } catch (error) {
      if (this.port.isCancellation(error)) this.kill();
      throw error;
    }
    const state = resolveState(states);
    this.finish(state);
    const failed = this.execution.taskRuns.find((r) => r.state === 'FAILED' && r.error);
    return {
      state,
      iterations,
      taskRuns: this.execution.taskRuns.length,
      ...(failed ? { error: `${failed.taskId} [${failed.value}]: ${failed.error}` } : {}),
    };
  }

  /**
   * A child execution for a Subflow task: id `<execution id>.<task id>` (plus the loop values inside
   * ForEach), so a replay asks for the same child; Kestra's `trigger` variables and correlation label.
   */
  private async startSubflow(task: TaskSpec, scope: Scope, options: SubflowOptions): Promise<SubflowOutcome> {
    if (!this.port.startSubflow) throw new TaskError('Subflow tasks need child executions, which this runner has not');
    const parent = this.execution;
    // A retry's child gets its own id (`-a<attempt>`): the failed attempt's stays in the history.
    const retrySuffix = options.attempt && options.attempt > 1 ? `-a${options.attempt}` : '';
    const executionId = [parent.id, task.id, ...scope.loops.map((loop) => loop.value)].join('.') + retrySuffix;
    const labels: Record<string, string> = {
      ...(options.inheritLabels ? parent.labels : {}),
      ...options.labels,
      'system.correlationId': parent.labels['system.correlationId'] ?? parent.id,
    };
    const { flow } = options;
    const request: ExecutionRequest = {
      executionId,
      flow,
      inputs: options.inputs,
      labels,
      trigger: { executionId: parent.id, namespace: parent.namespace, flowId: parent.flowId, flowRevision: parent.revision },
      ...(options.failedChecks?.length ? { failedChecks: options.failedChecks } : {}),
    };
    const summary = `${flow.namespace}.${flow.id} rev ${flow.revision}, subflow of ${parent.namespace}.${parent.flowId} (task ${task.id})`.slice(
      0,
      190,
    );
    const end = await this.port.startSubflow({ request, summary, wait: options.wait });
    return end ? { executionId, end } : { executionId };
  }

  private runInline(task: TaskSpec, taskRun: TaskRun, scope: Scope): State {
    const definition = INLINE.get(task.type);
    if (!definition) return this.failTaskRun(task, taskRun, `The task type ${task.type} is not supported by this version of tflow`);
    taskRun.attempts = 1;
    const context: InlineTaskContext = {
      ...this.workflowTaskContext(task, taskRun, scope),
      mergeLabels: (labels) => {
        Object.assign(this.execution.labels, labels);
        this.port.labelsChanged?.({ ...this.execution.labels });
      },
    };
    try {
      const outputs = definition.execute(context);
      const oversize = this.outputsTooLarge(task, outputs);
      if (oversize) return this.failTaskRun(task, taskRun, oversize);
      this.setOutputs(task, taskRun, scope, outputs);
    } catch (error) {
      return this.failTaskRun(task, taskRun, messageOf(error));
    }
    return this.endTaskRun(taskRun, 'SUCCESS', task);
  }

  /** What flowable and inline tasks share: their task run, rendering against their variables, logging. */
  private workflowTaskContext(task: TaskSpec, taskRun: TaskRun, scope: Scope): WorkflowTaskContext {
    // Rendered against the variables as they are now: outputs of tasks that ended meanwhile included.
    return {
      task,
      taskRun,
      // Errors name the property the template came from.
      renderTyped: (template) => renderingProperty(task.properties, template, () => renderTyped(template, this.contextFor(task, taskRun, scope))),
      render: (template) => renderingProperty(task.properties, template, () => render(template, this.contextFor(task, taskRun, scope))),
      renderProperties: (value) => renderingProperty(task.properties, value, () => renderProperties(value, this.contextFor(task, taskRun, scope))),
      log: (level, message) => this.log(level, message, task, taskRun),
    };
  }

  private startTaskRun(task: TaskSpec, scope: Scope): TaskRun {
    const loop = scope.loops[scope.loops.length - 1];
    const parent = scope.parents[0];
    const taskRun: TaskRun = {
      id: this.port.newId(),
      taskId: task.id,
      ...(parent ? { parentTaskRunId: parent.id } : {}),
      ...(loop ? { value: loop.value } : {}),
      state: 'RUNNING',
      attempts: 0,
      outputs: {},
      startDate: this.port.now().toISOString(),
    };
    this.execution.taskRuns.push(taskRun);
    this.taskStates[task.id] = { state: 'RUNNING' };
    this.changed();
    return taskRun;
  }

  private failTaskRun(task: TaskSpec, taskRun: TaskRun, message: string): State {
    taskRun.error = message;
    this.log('ERROR', message, task, taskRun);
    return this.endTaskRun(taskRun, 'FAILED', task);
  }

  /** Ends a task run, applying `allowFailure` (FAILED → WARNING) and `allowWarning` (WARNING → SUCCESS). */
  private endTaskRun(taskRun: TaskRun, state: State, task?: TaskSpec): State {
    let final = state;
    if (final === 'FAILED' && task?.allowFailure) final = 'WARNING';
    if (final === 'WARNING' && task?.allowWarning) final = 'SUCCESS';
    taskRun.state = final;
    taskRun.endDate = this.port.now().toISOString();
    const prior = this.priorAttempts.get(taskRun.id);
    if (prior !== undefined) {
      taskRun.attempts += prior;
      this.priorAttempts.delete(taskRun.id);
    }
    this.taskStates[taskRun.taskId] = { state: final };
    this.changed();
    return final;
  }

  /**
   * Why a task's outputs cannot be kept, if they cannot: they travel in the workflow history and the
   * execution record (the workflow's result) carries every task run's outputs, each a payload
   * Temporal limits to 2 MB. So one task's outputs, and all of the execution's together, must stay
   * under MAX_PAYLOAD_DATA_BYTES (UTF-8 bytes); the task that would go over fails, named.
   */
  private outputsTooLarge(task: TaskSpec, outputs: Record<string, unknown>): string | undefined {
    const bytes = jsonBytes(outputs);
    if (this.outputsBytes + bytes <= MAX_PAYLOAD_DATA_BYTES) return undefined;
    // Histories recorded before counted one task's outputs, in UTF-16 characters.
    const refusedBefore = JSON.stringify(outputs).length > MAX_PAYLOAD_DATA_BYTES;
    if (!refusedBefore && this.port.patched?.(PAYLOAD_BYTES_PATCH) === false) return undefined;
    const advice =
      'store large results in internal storage instead (scripts: `outputFiles`; JDBC queries: `fetchType: STORE`) and pass their kestra:// URIs';
    if (bytes > MAX_PAYLOAD_DATA_BYTES || refusedBefore) {
      return `The outputs of task ${task.id} are ${bytes} bytes, too large to keep in the execution (limit ${MAX_PAYLOAD_DATA_BYTES}): ${advice}`;
    }
    return (
      `The outputs of task ${task.id} (${bytes} bytes) would bring the outputs of this execution to ${this.outputsBytes + bytes} bytes, ` +
      `more than an execution may hold (limit ${MAX_PAYLOAD_DATA_BYTES}, under Temporal's 2 MB payload limit): ${advice}`
    );
  }

  /** Records a task run's outputs; inside ForEach they are keyed by the loop values: `outputs.<id>.<v1>.<v2>`. */
  private setOutputs(task: TaskSpec, taskRun: TaskRun, scope: Scope, outputs: Record<string, unknown>): void {
    taskRun.outputs = outputs;
    this.outputsBytes += jsonBytes(outputs);
    if (scope.loops.length === 0) {
      this.outputs[task.id] = outputs;
      return;
    }
    let node: Record<string, unknown> = (this.outputs[task.id] ??= {});
    for (const loop of scope.loops.slice(0, -1)) node = (node[loop.value] ??= {}) as Record<string, unknown>;
    node[scope.loops[scope.loops.length - 1].value] = outputs;
  }

  // ---------------------------------------------------------------------------------------------
  // The end of an execution

  /**
   * Flow `outputs`, typed as Kestra does: each value rendered, then parsed by its declared type
   * (the rules of inputs). A failure fails the execution.
   */
  private renderFlowOutputs(): boolean {
    const context = this.baseContext();
    const outputs: Record<string, unknown> = {};
    try {
      for (const output of this.request.flow.outputs) {
        const rendered = typeof output.value === 'string' ? render(output.value, context) : renderProperties(output.value, context);
        outputs[output.id] = parseInput({ id: output.id, type: output.type, required: true }, rendered);
      }
      const bytes = jsonBytes(outputs);
      if (bytes > MAX_PAYLOAD_DATA_BYTES && this.port.patched?.(PAYLOAD_BYTES_PATCH) !== false) {
        throw new Error(
          `the flow outputs (${Object.keys(outputs).join(', ')}) are ${bytes} bytes, more than an execution may return ` +
            `(limit ${MAX_PAYLOAD_DATA_BYTES}, under Temporal's 2 MB payload limit): return kestra:// URIs of files instead`,
        );
      }
      this.execution.outputs = outputs;
      return true;
    } catch (error) {
      this.execution.outputs = {};
      this.execution.error = `Failed to render output values: ${messageOf(error)}`;
      this.log('ERROR', this.execution.error);
      return false;
    }
  }

  /** Kill: every task run still going ends KILLED, and so does the execution. */
  private kill(): Execution {
    this.killed = true;
    this.killRunningTaskRuns();
    this.log('WARN', 'The execution was killed');
    this.finish('KILLED');
    return this.execution;
  }

  private killRunningTaskRuns(): void {
    const now = this.port.now().toISOString();
    for (const taskRun of this.execution.taskRuns) {
      if (isTerminated(taskRun.state)) continue;
      taskRun.state = 'KILLED';
      taskRun.endDate = now;
    }
  }

  private finish(state: State): void {
    this.execution.state = state;
    this.execution.endDate = this.port.now().toISOString();
    if (state === 'FAILED' && !this.execution.error) {
      // The root cause: a flowable fails because a child did, and only the child carries the error.
      const failed =
        this.execution.taskRuns.find((r) => r.state === 'FAILED' && r.error) ?? this.execution.taskRuns.find((r) => r.state === 'FAILED');
      this.execution.error = failed ? `Task ${failed.taskId} failed: ${failed.error ?? 'unknown error'}` : 'The execution failed';
    }
    this.changed();
  }

  // ---------------------------------------------------------------------------------------------
  // Expression variables, logs

  /**
   * The execution that started this one, from Kestra's `trigger` variables (a Subflow's parent, a
   * Flow trigger's source): Kestra lets an execution read that execution's files as well as its own.
   */
  private parentExecution(): { namespace: string; flowId: string; executionId: string } | undefined {
    const trigger = this.request.trigger;
    const { executionId, namespace, flowId } = trigger ?? {};
    if (typeof executionId !== 'string' || typeof namespace !== 'string' || typeof flowId !== 'string') return undefined;
    return { namespace, flowId, executionId };
  }

  /** The variables an expression sees (Kestra's RunVariables). */
  private baseContext(): Context {
    const { flow } = this.request;
    const context: Context = {
      flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision },
      execution: { id: this.execution.id, startDate: this.execution.startDate, originalId: this.execution.id, state: this.execution.state },
      outputs: this.outputs,
      vars: flow.variables,
      labels: this.execution.labels,
      tasks: this.taskStates,
    };
    // A flow without inputs has no `inputs` root, as in Kestra.
    if (flow.inputs.length > 0) context.inputs = this.execution.inputs;
    if (this.request.trigger) context.trigger = this.request.trigger;
    return context;
  }

  private contextFor(task: TaskSpec, taskRun: TaskRun, scope: Scope): Context {
    const loop = scope.loops[scope.loops.length - 1];
    const context: Context = {
      ...this.baseContext(),
      task: { id: task.id, type: task.type },
      taskrun: {
        id: taskRun.id,
        startDate: taskRun.startDate,
        attemptsCount: Math.max(0, taskRun.attempts - 1),
        ...(loop ? { value: loop.value, iteration: loop.iteration } : {}),
      },
    };
    // Only the worker knows the directory: the activity puts it in place of this token.
    if (task.kind === 'runnable') context.workingDir = WORKING_DIR_PLACEHOLDER;
    if (scope.parents.length > 0) {
      // Kestra's `parents`: the enclosing flowable task runs, nearest first; `parent` is the nearest.
      const parents = scope.parents.map((p) => ({ taskrun: { id: p.id, ...(p.value !== undefined ? { value: p.value } : {}) }, outputs: p.outputs }));
      context.parents = parents;
      context.parent = parents[0];
    }
    // For `errorLogs()` and `currentEachOutput()`.
    const { id: executionId, namespace, flowId } = this.execution;
    const errorLogs = () => this.logs.filter((l) => l.level === 'ERROR').map((l) => ({ namespace, flowId, executionId, ...l }));
    return withExecutionRuntime(context, { errorLogs, loopValues: scope.loops.map((l) => l.value) });
  }

  private appendLogs(task: TaskSpec, taskRun: TaskRun, lines: readonly TaskLogLine[]): void {
    for (const line of lines) this.pushLog({ ...line, taskId: task.id, taskRunId: taskRun.id });
  }

  private log(level: LogLevel, message: string, task?: TaskSpec, taskRun?: TaskRun): void {
    this.pushLog({ timestamp: this.port.now().toISOString(), level, message, taskId: task?.id, taskRunId: taskRun?.id });
  }

  private pushLog(entry: LogEntry): void {
    this.logs.push(entry);
    if (this.logs.length > MAX_KEPT_LOGS) {
      this.logs.shift();
      this.droppedLogs++;
    }
  }

  /** Log lines from absolute index `from` (0 = the first line ever logged). */
  logsSince(from: number): { logs: LogEntry[]; next: number } {
    const start = Math.max(0, from - this.droppedLogs);
    return { logs: this.logs.slice(start), next: this.droppedLogs + this.logs.length };
  }

  private changed(): void {
    this.port.onChange?.(this);
  }
}

/**
 * Runs jobs at most `limit` at a time (0 = all at once), starting them in order; after a FAILED or
 * KILLED one, starts no more. Waits for every started job (so none is left running unobserved),
 * then rethrows the first error, if any (a kill). Deterministic: the order only depends on when
 * jobs end, which the workflow history fixes.
 */
async function runConcurrently(jobs: readonly (() => Promise<State>)[], limit: number): Promise<State[]> {
  const states: State[] = [];
  let next = 0;
  let stopped = false;
  let thrown: { error: unknown } | undefined;
  const worker = async () => {
    while (!stopped && next < jobs.length) {
      const job = jobs[next++];
      try {
        const state = await job();
        states.push(state);
        if (state === 'FAILED' || state === 'KILLED') stopped = true;
      } catch (error) {
        thrown ??= { error };
        stopped = true;
      }
    }
  };
  const width = limit > 0 ? Math.min(limit, jobs.length) : jobs.length;
  await Promise.all(Array.from({ length: width }, worker));
  if (thrown) throw thrown.error;
  return states;
}

/** Every task of the flow (tasks, errors, finally, afterExecution, nested children), by id; the first of an id wins. */
function indexTasks(flow: FlowSpec): Map<string, TaskSpec> {
  const byId = new Map<string, TaskSpec>();
  const add = (tasks: readonly TaskSpec[]): void => {
    for (const task of tasks) {
      if (!byId.has(task.id)) byId.set(task.id, task);
      add([...Object.values(task.children ?? {}).flat(), ...(task.errors ?? [])]);
    }
  };
  add([...flow.tasks, ...flow.errors, ...flow.finally, ...(flow.afterExecution ?? [])]);
  return byId;
}

function sharedDirectoryInvocation(shared: SharedDirectory, task: TaskSpec): SharedDirectoryInvocation {
  return {
    taskId: shared.taskId,
    taskRunId: shared.taskRunId,
    ...(shared.restoreFrom ? { restoreFrom: shared.restoreFrom } : shared.inputFiles !== undefined ? { inputFiles: shared.inputFiles } : {}),
    ...(shared.outputFiles && task.id === shared.lastTaskId ? { outputFiles: shared.outputFiles } : {}),
  };
}

function messageOf(error: unknown): string {
  if (error instanceof ExpressionError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
