/**
 * The interpreter: runs one execution of a FlowSpec with Kestra's semantics.
 *
 * Pure and deterministic: every side effect (running a task's activity, timers, waiting for a
 * resume, ids, time, search attributes) goes through the `InterpreterPort`, which the workflow binds
 * to Temporal and unit tests bind to fakes. Flowable and inline task types live in their own modules
 * (src/workflow/plugins/); this class gives them a context and applies the rules common to
 * every task: runIf, disabled, errors, allowFailure/allowWarning, task runs and outputs.
 */
import type { LogLevel, TaskSpec } from '../flow/spec';
import {
  isTerminated,
  removeTaskRunsUnder,
  resolveState,
  withCorrelationId,
  type Execution,
  type LogEntry,
  type State,
  type TaskRun,
} from './execution';
import { isTruthy, render, renderingProperty, renderProperties, renderTyped } from '../expression';
import { messageOf } from '../error-message';
import { IN_WORKFLOW_TASK_TYPES } from '../plugins';
import { checkLogLevel, checksFailureMessage } from './checks';
import { ExecutionLogs } from './execution-logs';
import { ExecutionOutputs, renderFlowOutputs } from './execution-outputs';
import { type ConcurrencyHost, runWithinConcurrency } from './flow-concurrency';
import { type BatchHost, ForEachBatches } from './for-each-batches';
import {
  type FlowableContext,
  type FlowableOutcome,
  type InlineTaskContext,
  type InWorkflowTaskContext,
  type SubflowOptions,
  type SubflowOutcome,
  TaskError,
} from './in-workflow-task';
import type { ExecutionRequest, ForEachBatch, ForEachBatchResult, InterpreterPort } from './interpreter-port';
import { type RenderedTaskProperties, renderRunnableTaskProperties } from './io-functions';
import { type PauseHost, Pauses } from './pauses';
import { retryFailedRender, type RetriedRender } from './render-retries';
import { NewExecutionRetry, type RetryHost } from './new-execution-retry';
import { type Carried, hasChildren, PreviousAttempt, type PreviousTaskRun } from './restart';
import { runConcurrently } from './run-concurrently';
import { FlowTasks } from './flow-tasks';
import { FlowSlas, type SlaHost, type SlaStop } from './sla';
import { subflowRequest } from './subflow-request';
import { type EarlierAttempts, type TaskInvocation, TaskFailure, type TaskLogLine } from './task-invocation';
import { activityNames, ROOT_SCOPE, type Scope, type SharedDirectory, sharedDirectoryInvocation } from './task-scope';
import { executionVariables, parentExecution, taskVariables, type VariableSources } from './variables';
import { extractOutputs } from './extracted-outputs';

/** What the modules that run parts of an execution (SLAs, pauses, ForEach batches, variables) see of it. */
type RunHost = SlaHost & PauseHost & BatchHost & VariableSources & RetryHost & ConcurrencyHost;

const FLOWABLES = new Map(IN_WORKFLOW_TASK_TYPES.flatMap((d) => (d.kind === 'flowable' ? [[d.type, d] as const] : [])));
const INLINE = new Map(IN_WORKFLOW_TASK_TYPES.flatMap((d) => (d.kind === 'inline' ? [[d.type, d] as const] : [])));

export class FlowRun {
  readonly execution: Execution;
  private readonly executionLogs = new ExecutionLogs();
  private readonly outputs: ExecutionOutputs;
  /** `tasks.<taskId>.state` for expressions (the latest task run of each task). */
  private readonly taskStates: Record<string, { state: State }> = {};
  private readonly pauses: Pauses;
  private readonly batches: ForEachBatches;
  private readonly host: RunHost;
  /** True once the execution was killed (cancelled from outside), as opposed to ending KILLED by itself. */
  killed = false;
  /** A restart: the previous attempt's task runs, reused or counted (./restart.ts). */
  private readonly previousAttempt: PreviousAttempt | undefined;
  /** Attempts the previous attempts made, by task run id: added to the task run's own when it ends. */
  private readonly priorAttempts = new Map<string, number>();
  private readonly tasks: FlowTasks;
  /** Retry behavior CREATE_NEW_EXECUTION: a failed task ends this execution RETRIED (./new-execution-retry.ts). */
  private readonly newExecutionRetry: NewExecutionRetry;

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
      labels: withCorrelationId({ ...flow.labels, ...request.labels }, request.executionId),
      taskRuns: [],
      startDate: port.now().toISOString(),
      ...(request.restart ? { attemptNumber: request.restart.attempt } : {}),
      ...(request.retryOf ? { attemptNumber: request.retryOf.attemptNumber, originalId: request.retryOf.originalId } : {}),
    };
    this.previousAttempt = request.restart ? new PreviousAttempt(flow, request.restart, (id) => port.patched?.(id) ?? true) : undefined;
    this.outputs = new ExecutionOutputs((id) => port.patched?.(id));
    this.tasks = new FlowTasks(flow, (id) => port.patched?.(id));
    this.host = {
      port,
      request,
      execution: this.execution,
      outputs: this.outputs.byTask,
      taskStates: this.taskStates,
      logs: this.executionLogs.entries,
      log: (level: LogLevel, message: string, task?: TaskSpec, taskRun?: TaskRun) => this.log(level, message, task, taskRun),
      changed: () => this.changed(),
      variables: () => executionVariables(this.host),
      findTask: (taskId) => this.tasks.find(taskId),
      runIteration: (tasks, place) => this.runTasks(tasks, place),
      kill: () => this.kill(),
      finish: (state) => this.finish(state),
    };
    this.newExecutionRetry = new NewExecutionRetry(this.host);
    this.pauses = new Pauses(this.host);
    this.batches = new ForEachBatches(this.host);
  }

  /** The execution's log lines kept in memory (the most recent ones). */
  get logs(): readonly LogEntry[] {
    return this.executionLogs.entries;
  }

  /** Log lines from absolute index `from` (0 = the first line ever logged). */
  logsSince(from: number): { logs: LogEntry[]; next: number } {
    return this.executionLogs.since(from);
  }

  /** Throws ResumeRefused (./pauses.ts), with the reason, when `resume(inputs)` would be refused. Changes nothing. */
  validateResume(inputs: Record<string, unknown>): void {
    this.pauses.validateResume(inputs);
  }

  /** Resumes every waiting Pause with the given `onResume` inputs; returns the resumed task ids. */
  resume(inputs: Record<string, unknown>): string[] {
    return this.pauses.resume(inputs);
  }

  /** Runs one batch of a large ForEach (this FlowRun belongs to the batch's child workflow). */
  runBatch(batch: ForEachBatch): Promise<ForEachBatchResult> {
    this.newExecutionRetry.disabled = true;
    return this.batches.runBatch(batch);
  }

  /** Runs the flow to its final state and returns the execution. */
  async run(): Promise<Execution> {
    if (this.request.restart) {
      this.log(
        'INFO',
        `Restarted (attempt ${this.request.restart.attempt}): task runs that ended SUCCESS, WARNING or SKIPPED keep their outputs and do not run again`,
      );
    }
    if (this.request.retryOf) {
      const { previousId, attemptNumber } = this.request.retryOf;
      this.log('INFO', `Created by the retry of execution ${previousId} (behavior CREATE_NEW_EXECUTION): attempt ${attemptNumber}, same inputs`);
    }
    if (this.failByChecks()) return this.execution;
    return runWithinConcurrency(this.request.flow.concurrency, this.host, () => this.runToEnd());
  }

  private async runToEnd(): Promise<Execution> {
    const { flow } = this.request;
    this.execution.state = 'RUNNING';
    this.changed();
    const slas = new FlowSlas(flow, this.host);
    try {
      await slas.runWithinMaxDurations(async () => {
        const mainState = await this.runTasks(flow.tasks, ROOT_SCOPE);
        if (mainState === 'FAILED' && flow.errors.length > 0) await this.runTasks(flow.errors, ROOT_SCOPE);
        if (flow.finally.length > 0) await this.runTasks(flow.finally, ROOT_SCOPE);
      });
    } catch (error) {
      if (!this.port.isCancellation(error)) throw error;
      return slas.stop ? this.stopBySla(slas.stop) : this.kill();
    }
    if (this.newExecutionRetry.next) return this.newExecutionRetry.endRetried();

    // Kestra's final-state rule looks at the top-level `tasks` (and `finally`) only, not `errors`.
    const topLevelIds = new Set([...flow.tasks, ...flow.finally].map((t) => t.id));
    let state = resolveState(this.execution.taskRuns.filter((r) => r.parentTaskRunId === undefined && topLevelIds.has(r.taskId)).map((r) => r.state));
    if (state !== 'FAILED' && state !== 'KILLED' && flow.outputs.length > 0) state = this.renderFlowOutputs() ? state : 'FAILED';
    state = slas.assert(state);
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
    const { extractOutputs: templates } = this.request;
    if (templates) this.execution.extractedOutputs = extractOutputs(templates, executionVariables(this.host));
    return this.execution;
  }

  // ---------------------------------------------------------------------------------------------
  // Flow checks, SLAs (./sla.ts)

  /**
   * Flow `checks` that failed when the execution was created: each is logged; a FAIL_EXECUTION one
   * (or a BLOCK_EXECUTION one its creator did not enforce) ends the execution FAILED before any task.
   */
  private failByChecks(): boolean {
    const failed = this.request.failedChecks ?? [];
    for (const check of failed) this.log(checkLogLevel(check), `Flow check failed: ${check.message}`);
    const error = checksFailureMessage(failed);
    if (error === undefined) return false;
    this.execution.error = error;
    this.finish('FAILED');
    return true;
  }

  /** A MAX_DURATION violation stopped the tasks: those still going end KILLED, the execution FAILED or CANCELLED. */
  private stopBySla(stop: SlaStop): Execution {
    this.killRunningTaskRuns();
    if (stop.state === 'FAILED') this.execution.error = stop.message;
    this.finish(stop.state);
    return this.execution;
  }

  // ---------------------------------------------------------------------------------------------
  // Running tasks

  /** Runs tasks one after another; stops at the first FAILED (or KILLED) one. Returns the resolved state. */
  private async runTasks(tasks: readonly TaskSpec[], scope: Scope): Promise<State> {
    const states: State[] = [];
    for (const task of tasks) {
      if (this.newExecutionRetry.next) break; // the execution ends RETRIED: nothing more starts
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
        if (!isTruthy(renderTyped(task.runIf, taskVariables(this.host, task, taskRun, scope)))) return this.endTaskRun(taskRun, 'SKIPPED');
      } catch (error) {
        return this.failTaskRun(task, taskRun, `Unable to evaluate the runIf condition for task ${task.id}: ${messageOf(error)}`);
      }
    }
    const state = await this.runByKind(task, taskRun, scope);
    // Kestra retries runnable tasks and Subflow (here: inline and runnable tasks, leaf flowables), not flowables with children.
    if (state === 'FAILED' && !hasChildren(task)) this.newExecutionRetry.taskFailed(this.tasks.retryFor(task, scope.parents), taskRun);
    return state;
  }

  private runByKind(task: TaskSpec, taskRun: TaskRun, scope: Scope): Promise<State> | State {
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
    this.outputs.set(task, taskRun, scope.loops, previous.outputs ?? {});
    const childScope: Scope = { ...scope, parents: [taskRun, ...scope.parents] };
    for (const child of Object.values(task.children ?? {}).flat()) {
      const carried = child.disabled ? undefined : this.carriedFromPreviousAttempt(child, childScope);
      if (carried?.reuse) this.reuseTaskRun(child, this.startTaskRun(child, childScope), childScope, carried.previous);
    }
    this.log('INFO', `Not run again: it ended ${previous.state} in the previous attempt (task run ${previous.id})`, task, taskRun);
    return this.endTaskRun(taskRun, previous.state);
  }

  private async runActivity(task: TaskSpec, taskRun: TaskRun, scope: Scope): Promise<State> {
    const render = () => renderRunnableTaskProperties(task.type, task.properties, taskVariables(this.host, task, taskRun, scope));
    let rendered: RenderedTaskProperties;
    let earlier: EarlierAttempts | undefined;
    try {
      rendered = render();
    } catch (error) {
      // As in Kestra, where rendering is part of the task's attempt: with `retry`, rendered again.
      const retrying = this.renderAgain(task, taskRun, scope, render, error);
      const retried = retrying && (await retrying);
      if (!retried || retried.failed !== undefined) {
        taskRun.attempts = retried?.attempts ?? 1;
        return this.failTaskRun(task, taskRun, retried?.failed ?? messageOf(error));
      }
      ({ rendered, earlier } = retried);
    }
    const retry = this.tasks.inExecutionRetryFor(task, scope.parents);
    const shared = scope.sharedDirectory;
    const parent = parentExecution(this.request);
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
      ...(parent ? { parentExecution: parent } : {}),
    };
    const inputTooLarge = this.outputs.inputTooLarge(task, invocation);
    if (inputTooLarge) {
      taskRun.attempts = (earlier?.attempts ?? 0) + 1;
      return this.failTaskRun(task, taskRun, inputTooLarge);
    }
    try {
      const options = { ...activityNames(task, scope.loops), retry, timeout: task.timeout, ...(earlier ? { earlier } : {}) };
      const result = await this.port.runTask(invocation, options);
      taskRun.attempts = result.attempts;
      const oversize = this.outputs.tooLarge(task, result.outputs);
      if (oversize) return this.failTaskRun(task, taskRun, oversize);
      if (shared && result.workingDirectory) {
        shared.restoreFrom = taskRun.id;
        if (result.workingDirectory.outputFiles) shared.storedOutputFiles = result.workingDirectory.outputFiles;
      }
      this.outputs.set(task, taskRun, scope.loops, result.outputs);
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
      ...this.inWorkflowTaskContext(task, taskRun, scope),
      children: (list) => task.children?.[list] ?? [],
      runTasks: (tasks, loop) => this.runTasks(tasks, loop ? { ...childScope, loops: [...scope.loops, loop] } : childScope),
      runIteration: (tasks, iteration) => {
        for (const removed of removeTaskRunsUnder(this.execution, taskRun.id)) this.outputs.forget(removed);
        taskRun.iteration = iteration;
        return this.runTasks(tasks, { ...childScope, iteration });
      },
      setOutputs: (outputs) => this.outputs.set(task, taskRun, scope.loops, outputs),
      runConcurrently,
      publishOutputs: (outputs) => {
        const oversize = this.outputs.tooLarge(task, outputs);
        if (oversize) throw new TaskError(oversize);
        this.outputs.set(task, taskRun, scope.loops, outputs);
      },
      ...(this.port.runForEachBatch
        ? {
            runIterationsInBatches: (values: readonly string[], limit: number) =>
              this.batches.runIterationsInBatches(task, taskRun, values, limit, scope),
          }
        : {}),
      insideLoop: scope.loops.length > 0,
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
      retry: () => this.tasks.inExecutionRetryFor(task, scope.parents),
      pause: (options) => this.pauses.pause(task, taskRun, options),
      loadFlow: (namespace, flowId, revision) => {
        if (!this.port.loadFlow) throw new TaskError('Subflow tasks need the flow store, which this runner has not');
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
    const oversize = outcome.outputs && this.outputs.tooLarge(task, outcome.outputs);
    if (oversize) {
      taskRun.error = oversize;
      this.log('ERROR', oversize, task, taskRun);
      outcome = { state: 'FAILED' };
    }
    if (outcome.outputs) this.outputs.set(task, taskRun, scope.loops, outcome.outputs);
    if (outcome.state === 'FAILED') await runErrorHandlers();
    return this.endTaskRun(taskRun, outcome.state, task);
  }

  /**
   * A child execution for a Subflow task: id `<execution id>.<task id>` (plus the loop values inside
   * ForEach), so a replay asks for the same child; Kestra's `trigger` variables and correlation label.
   */
  private async startSubflow(task: TaskSpec, scope: Scope, options: SubflowOptions): Promise<SubflowOutcome> {
    if (!this.port.startSubflow) throw new TaskError('Subflow tasks need child executions, which this runner has not');
    const start = subflowRequest(this.execution, task, scope, options);
    const end = await this.port.startSubflow(start);
    const { executionId } = start.request;
    return end ? { executionId, end } : { executionId };
  }

  /** Synchronous unless the task failed and is retried: then its next attempts wait for the retry delay. */
  private runInline(task: TaskSpec, taskRun: TaskRun, scope: Scope): State | Promise<State> {
    const definition = INLINE.get(task.type);
    if (!definition) return this.failTaskRun(task, taskRun, `The task type ${task.type} is not supported by this version of tflow`);
    taskRun.attempts = 1;
    const context: InlineTaskContext = {
      ...this.inWorkflowTaskContext(task, taskRun, scope),
      mergeLabels: (labels) => {
        Object.assign(this.execution.labels, labels);
        this.port.labelsChanged?.({ ...this.execution.labels });
      },
    };
    const execute = () => definition.execute(context);
    let outputs: Record<string, unknown>;
    try {
      outputs = execute();
    } catch (error) {
      const retrying = this.renderAgain(task, taskRun, scope, execute, error);
      if (!retrying) return this.failTaskRun(task, taskRun, messageOf(error));
      return retrying.then((retried) => {
        if (retried.failed !== undefined) return this.failTaskRun(task, taskRun, retried.failed);
        const warning = this.tasks.inExecutionRetryFor(task, scope.parents)?.warningOnRetry;
        return this.endInline(task, taskRun, scope, retried.rendered, warning ? 'WARNING' : 'SUCCESS');
      });
    }
    return this.endInline(task, taskRun, scope, outputs, 'SUCCESS');
  }

  private endInline(task: TaskSpec, taskRun: TaskRun, scope: Scope, outputs: Record<string, unknown>, state: State): State {
    const oversize = this.outputs.tooLarge(task, outputs);
    if (oversize) return this.failTaskRun(task, taskRun, oversize);
    this.outputs.set(task, taskRun, scope.loops, outputs);
    return this.endTaskRun(taskRun, state, task);
  }

  /** A task whose properties failed to render (an inline task whose attempt failed): retried under its `retry`, or undefined. */
  private renderAgain<T>(task: TaskSpec, taskRun: TaskRun, scope: Scope, render: () => T, error: unknown): Promise<RetriedRender<T>> | undefined {
    return retryFailedRender(render, error, this.tasks.inExecutionRetryFor(task, scope.parents), taskRun, {
      patched: (id) => this.port.patched?.(id) ?? true,
      sleep: (ms) => this.port.sleep(ms, task.id),
      nowMs: () => this.port.now().getTime(),
      warn: (message) => this.log('WARN', message, task, taskRun),
    });
  }

  /** What flowable and inline tasks share: their task run, rendering against their variables, logging. */
  private inWorkflowTaskContext(task: TaskSpec, taskRun: TaskRun, scope: Scope): InWorkflowTaskContext {
    // Rendered against the variables as they are now: outputs of tasks that ended meanwhile included.
    return {
      task,
      taskRun,
      // Errors name the property the template came from.
      renderTyped: (template) =>
        renderingProperty(task.properties, template, () => renderTyped(template, taskVariables(this.host, task, taskRun, scope))),
      render: (template) => renderingProperty(task.properties, template, () => render(template, taskVariables(this.host, task, taskRun, scope))),
      renderProperties: (value, taskrun) =>
        renderingProperty(task.properties, value, () => renderProperties(value, taskVariables(this.host, task, taskRun, scope, taskrun))),
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
      ...(scope.iteration !== undefined ? { iteration: scope.iteration } : {}),
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

  private failTaskRun(task: TaskSpec, taskRun: TaskRun, failure: string): State {
    const message = this.batches.explainMissingOutputs(failure);
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

  // ---------------------------------------------------------------------------------------------
  // The end of an execution

  /** Flow `outputs` (./execution-outputs.ts); a failure fails the execution. */
  private renderFlowOutputs(): boolean {
    const rendered = renderFlowOutputs(this.request.flow.outputs, executionVariables(this.host), this.outputs);
    this.execution.outputs = rendered.outputs ?? {};
    if (rendered.error === undefined) return true;
    this.execution.error = rendered.error;
    this.log('ERROR', rendered.error);
    return false;
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
  // Logs

  private appendLogs(task: TaskSpec, taskRun: TaskRun, lines: readonly TaskLogLine[]): void {
    for (const line of lines) this.executionLogs.push({ ...line, taskId: task.id, taskRunId: taskRun.id });
  }

  private log(level: LogLevel, message: string, task?: TaskSpec, taskRun?: TaskRun): void {
    this.executionLogs.push({ timestamp: this.port.now().toISOString(), level, message, taskId: task?.id, taskRunId: taskRun?.id });
  }

  private changed(): void {
    this.port.onChange?.(this);
  }
}
