/**
 * The interpreter: runs one execution of a FlowSpec with Kestra's semantics.
 *
 * Pure and deterministic: every side effect (running a task's activity, timers, waiting for a
 * resume, ids, time, search attributes) goes through the `InterpreterPort`, which the workflow binds
 * to Temporal and unit tests bind to fakes. Flowable and inline task types live in their own modules
 * (./flowables, ./inline-tasks); this class gives them a context and applies the rules common to
 * every task: runIf, disabled, errors, allowFailure/allowWarning, task runs and outputs.
 */
import type { ConcurrencySpec, FlowSpec, InputSpec, LogLevel, RetrySpec, TaskSpec } from '../flow/spec';
import { type Execution, isTerminated, type LogEntry, resolveState, type State, type TaskRun } from './execution';
import { type Context, ExpressionError, isTruthy, render, renderProperties, renderTyped } from './expression';
import { FLOWABLE_TASKS } from './flowables';
import { INLINE_TASKS } from './inline-tasks';
import { parseInput, resolveInputs } from './inputs';
import { type DeferredProperties, type RenderedTaskProperties, renderRunnableTaskProperties } from './io-functions';
import { type FlowableContext, type FlowableOutcome, type InlineTaskContext, type LoopIteration, type PauseOutcome, type SubflowEnd, type SubflowOptions, type SubflowOutcome, TaskError, type WorkflowTaskContext } from './workflow-task';

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
  logs: TaskLogLine[];
  attempts: number;
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

const FLOWABLES = new Map(FLOWABLE_TASKS.map((d) => [d.type, d]));
const INLINE = new Map(INLINE_TASKS.map((d) => [d.type, d]));

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
      state: 'CREATED',
      inputs: request.inputs,
      outputs: {},
      labels: { ...flow.labels, ...request.labels },
      taskRuns: [],
      startDate: port.now().toISOString(),
    };
  }

  /** Runs the flow to its final state and returns the execution. */
  async run(): Promise<Execution> {
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

    try {
      const mainState = await this.runTasks(flow.tasks, ROOT_SCOPE);
      if (mainState === 'FAILED' && flow.errors.length > 0) await this.runTasks(flow.errors, ROOT_SCOPE);
      if (flow.finally.length > 0) await this.runTasks(flow.finally, ROOT_SCOPE);
    } catch (error) {
      if (!this.port.isCancellation(error)) throw error;
      return this.kill();
    }

    // Kestra's final-state rule looks at the top-level `tasks` (and `finally`) only, not `errors`.
    const topLevelIds = new Set([...flow.tasks, ...flow.finally].map((t) => t.id));
    let state = resolveState(this.execution.taskRuns.filter((r) => r.parentTaskRunId === undefined && topLevelIds.has(r.taskId)).map((r) => r.state));
    if (state !== 'FAILED' && state !== 'KILLED' && flow.outputs.length > 0) state = this.renderFlowOutputs() ? state : 'FAILED';
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
    const taskRun = this.startTaskRun(task, scope);
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

  private async runActivity(task: TaskSpec, taskRun: TaskRun, scope: Scope): Promise<State> {
    let rendered: RenderedTaskProperties;
    try {
      rendered = renderRunnableTaskProperties(task.type, task.properties, this.contextFor(task, taskRun, scope));
    } catch (error) {
      return this.failTaskRun(task, taskRun, messageOf(error));
    }
    // Top-level ids stay the bare task id, as recorded in existing histories; loop values make ids
    // unique among concurrent iterations (a long value is replaced by its position, to keep ids short).
    const loopSuffix = scope.loops.map((l) => (l.value.length <= MAX_VALUE_IN_ACTIVITY_ID ? `[${l.value}]` : `[#${l.iteration}]`)).join('');
    const retry = task.retry ?? this.request.flow.retry;
    try {
      const result = await this.port.runTask(
        {
          executionId: this.execution.id,
          namespace: this.execution.namespace,
          flowId: this.execution.flowId,
          taskRunId: taskRun.id,
          taskId: task.id,
          type: task.type,
          properties: rendered.properties,
          ...(rendered.deferred ? { deferred: rendered.deferred } : {}),
          logLevel: task.logLevel,
        },
        { summary: loopSuffix ? `${task.id} ${loopSuffix}` : task.id, activityId: task.id + loopSuffix, retry, timeout: task.timeout },
      );
      taskRun.attempts = result.attempts;
      this.setOutputs(task, taskRun, scope, result.outputs);
      this.appendLogs(task, taskRun, result.logs);
      const retried = result.attempts > 1 && retry?.warningOnRetry;
      return this.endTaskRun(taskRun, retried ? 'WARNING' : 'SUCCESS', task);
    } catch (error) {
      if (!(error instanceof TaskFailure)) throw error;
      taskRun.attempts = error.attempts;
      this.appendLogs(task, taskRun, error.logs);
      return this.failTaskRun(task, taskRun, error.message);
    }
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
      runErrorHandlers,
      sleep: (ms) => this.port.sleep(ms, task.id),
      pause: (options) => this.pause(task, taskRun, options),
      loadFlow: (namespace, flowId, revision) => {
        if (!this.port.loadFlow) throw new TaskError('Subflow tasks need the flow registry, which this runner has not');
        return this.port.loadFlow(namespace, flowId, revision);
      },
      startSubflow: (options) => this.startSubflow(task, scope, options),
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
    if (outcome.outputs) this.setOutputs(task, taskRun, scope, outcome.outputs);
    if (outcome.state === 'FAILED') await runErrorHandlers();
    return this.endTaskRun(taskRun, outcome.state, task);
  }

  /**
   * A child execution for a Subflow task: id `<execution id>.<task id>` (plus the loop values inside
   * ForEach), so a replay asks for the same child; Kestra's `trigger` variables and correlation label.
   */
  private async startSubflow(task: TaskSpec, scope: Scope, options: SubflowOptions): Promise<SubflowOutcome> {
    if (!this.port.startSubflow) throw new TaskError('Subflow tasks need child executions, which this runner has not');
    const parent = this.execution;
    const executionId = [parent.id, task.id, ...scope.loops.map((loop) => loop.value)].join('.');
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
    };
    const summary = `${flow.namespace}.${flow.id} rev ${flow.revision}, subflow of ${parent.namespace}.${parent.flowId} (task ${task.id})`.slice(0, 190);
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
      this.setOutputs(task, taskRun, scope, definition.execute(context));
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
      renderTyped: (template) => renderTyped(template, this.contextFor(task, taskRun, scope)),
      render: (template) => render(template, this.contextFor(task, taskRun, scope)),
      renderProperties: (value) => renderProperties(value, this.contextFor(task, taskRun, scope)),
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
    this.taskStates[taskRun.taskId] = { state: final };
    this.changed();
    return final;
  }

  /** Records a task run's outputs; inside ForEach they are keyed by the loop values: `outputs.<id>.<v1>.<v2>`. */
  private setOutputs(task: TaskSpec, taskRun: TaskRun, scope: Scope, outputs: Record<string, unknown>): void {
    taskRun.outputs = outputs;
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
    const now = this.port.now().toISOString();
    for (const taskRun of this.execution.taskRuns) {
      if (isTerminated(taskRun.state)) continue;
      taskRun.state = 'KILLED';
      taskRun.endDate = now;
    }
    this.log('WARN', 'The execution was killed');
    this.finish('KILLED');
    return this.execution;
  }

  private finish(state: State): void {
    this.execution.state = state;
    this.execution.endDate = this.port.now().toISOString();
    if (state === 'FAILED' && !this.execution.error) {
      // The root cause: a flowable fails because a child did, and only the child carries the error.
      const failed = this.execution.taskRuns.find((r) => r.state === 'FAILED' && r.error) ?? this.execution.taskRuns.find((r) => r.state === 'FAILED');
      this.execution.error = failed ? `Task ${failed.taskId} failed: ${failed.error ?? 'unknown error'}` : 'The execution failed';
    }
    this.changed();
  }

  // ---------------------------------------------------------------------------------------------
  // Expression variables, logs

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
    if (scope.parents.length > 0) {
      // Kestra's `parents`: the enclosing flowable task runs, nearest first; `parent` is the nearest.
      const parents = scope.parents.map((p) => ({ taskrun: { id: p.id, ...(p.value !== undefined ? { value: p.value } : {}) }, outputs: p.outputs }));
      context.parents = parents;
      context.parent = parents[0];
    }
    return context;
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

function messageOf(error: unknown): string {
  if (error instanceof ExpressionError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
