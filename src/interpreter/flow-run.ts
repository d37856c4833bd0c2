/**
 * The interpreter: runs one execution of a FlowSpec with Kestra's semantics.
 *
 * Pure and deterministic: every side effect (running a task's activity, ids, time) goes through the
 * `InterpreterPort`, which the workflow binds to Temporal and unit tests bind to fakes.
 */
import type { FlowSpec, LogLevel, RetrySpec, TaskSpec } from '../flow/spec';
import { type Execution, type LogEntry, resolveState, type State, type TaskRun } from './execution';
import { type Context, ExpressionError, isTruthy, renderProperties, renderTyped } from './expression';

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
  logLevel?: LogLevel;
}

export interface TaskInvocationOptions {
  /** Shown in the Web UI as the activity's summary. */
  summary: string;
  /** Deterministic and readable: the task id (plus the loop value inside ForEach). */
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
  /** A fresh, deterministic id. */
  newId(): string;
  /** Workflow time. */
  now(): Date;
  /** Called after every change a user could see (task run started or ended, logs). */
  onChange?(run: FlowRun): void;
}

export interface ExecutionRequest {
  executionId: string;
  flow: FlowSpec;
  /** Typed inputs, already resolved and validated by the client. */
  inputs: Record<string, unknown>;
  labels: Record<string, string>;
  trigger?: Record<string, unknown>;
}

/** The most log lines kept in workflow state (older ones are dropped, their count kept). */
const MAX_KEPT_LOGS = 1000;

export class FlowRun {
  readonly execution: Execution;
  readonly logs: LogEntry[] = [];
  droppedLogs = 0;
  private readonly outputs: Record<string, Record<string, unknown>> = {};

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
    const { flow } = this.request;
    this.execution.state = 'RUNNING';
    this.changed();

    const mainState = await this.runSequence(flow.tasks);
    if (mainState === 'FAILED' && flow.errors.length > 0) await this.runSequence(flow.errors);
    if (flow.finally.length > 0) await this.runSequence(flow.finally);

    const topLevelIds = new Set([...flow.tasks, ...flow.finally].map((t) => t.id));
    let state = resolveState(this.execution.taskRuns.filter((r) => topLevelIds.has(r.taskId)).map((r) => r.state));
    if (state !== 'FAILED' && flow.outputs.length > 0) state = this.renderFlowOutputs() ? state : 'FAILED';
    this.finish(state);
    return this.execution;
  }

  /** Runs tasks one after another; stops at the first FAILED one. Returns the resolved state. */
  private async runSequence(tasks: readonly TaskSpec[], parent?: TaskRun): Promise<State> {
    const states: State[] = [];
    for (const task of tasks) {
      if (task.disabled) continue;
      const state = await this.runTask(task, parent);
      states.push(state);
      if (state === 'FAILED' || state === 'KILLED') break;
    }
    return resolveState(states);
  }

  private async runTask(task: TaskSpec, parent?: TaskRun): Promise<State> {
    const taskRun = this.startTaskRun(task, parent);
    const context = this.contextFor(task, taskRun);
    if (task.runIf !== undefined) {
      try {
        if (!isTruthy(renderTyped(task.runIf, context))) return this.endTaskRun(taskRun, 'SKIPPED');
      } catch (error) {
        return this.failTaskRun(task, taskRun, `Unable to evaluate the runIf condition for task ${task.id}: ${messageOf(error)}`);
      }
    }
    if (task.kind === 'flowable') {
      return this.failTaskRun(task, taskRun, `The flowable task type ${task.type} is not supported by this version of tflow`);
    }

    let properties: Record<string, unknown>;
    try {
      properties = renderProperties(task.properties, context) as Record<string, unknown>;
    } catch (error) {
      return this.failTaskRun(task, taskRun, messageOf(error));
    }
    try {
      const result = await this.port.runTask(
        {
          executionId: this.execution.id,
          namespace: this.execution.namespace,
          flowId: this.execution.flowId,
          taskRunId: taskRun.id,
          taskId: task.id,
          type: task.type,
          properties,
          logLevel: task.logLevel,
        },
        { summary: task.id, activityId: task.id, retry: task.retry ?? this.request.flow.retry, timeout: task.timeout },
      );
      taskRun.attempts = result.attempts;
      taskRun.outputs = result.outputs;
      this.outputs[task.id] = result.outputs;
      this.appendLogs(task, taskRun, result.logs);
      const retried = result.attempts > 1 && (task.retry ?? this.request.flow.retry)?.warningOnRetry;
      return this.endTaskRun(taskRun, retried ? 'WARNING' : 'SUCCESS', task);
    } catch (error) {
      if (!(error instanceof TaskFailure)) throw error;
      taskRun.attempts = error.attempts;
      this.appendLogs(task, taskRun, error.logs);
      return this.failTaskRun(task, taskRun, error.message);
    }
  }

  private startTaskRun(task: TaskSpec, parent?: TaskRun): TaskRun {
    const taskRun: TaskRun = {
      id: this.port.newId(),
      taskId: task.id,
      ...(parent ? { parentTaskRunId: parent.id } : {}),
      state: 'RUNNING',
      attempts: 0,
      outputs: {},
      startDate: this.port.now().toISOString(),
    };
    this.execution.taskRuns.push(taskRun);
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
    this.changed();
    return final;
  }

  /** Flow `outputs`: rendered at the end; a failure to render fails the execution. */
  private renderFlowOutputs(): boolean {
    const context = this.baseContext();
    try {
      for (const output of this.request.flow.outputs) {
        this.execution.outputs[output.id] =
          typeof output.value === 'string' ? renderTyped(output.value, context) : renderProperties(output.value, context);
      }
      return true;
    } catch (error) {
      this.execution.outputs = {};
      this.execution.error = `Failed to render output values: ${messageOf(error)}`;
      this.log('ERROR', this.execution.error);
      return false;
    }
  }

  private finish(state: State): void {
    this.execution.state = state;
    this.execution.endDate = this.port.now().toISOString();
    if (state === 'FAILED' && !this.execution.error) {
      const failed = this.execution.taskRuns.find((r) => r.state === 'FAILED');
      this.execution.error = failed ? `Task ${failed.taskId} failed: ${failed.error ?? 'unknown error'}` : 'The execution failed';
    }
    this.changed();
  }

  /** The variables an expression sees (Kestra's RunVariables). */
  private baseContext(): Context {
    const { flow } = this.request;
    const context: Context = {
      flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision },
      execution: { id: this.execution.id, startDate: this.execution.startDate, originalId: this.execution.id },
      outputs: this.outputs,
      vars: flow.variables,
      labels: this.execution.labels,
      tasks: Object.fromEntries(this.execution.taskRuns.map((r) => [r.taskId, { state: r.state }])),
    };
    // A flow without inputs has no `inputs` root, as in Kestra.
    if (flow.inputs.length > 0) context.inputs = this.execution.inputs;
    if (this.request.trigger) context.trigger = this.request.trigger;
    return context;
  }

  private contextFor(task: TaskSpec, taskRun: TaskRun): Context {
    return {
      ...this.baseContext(),
      task: { id: task.id, type: task.type },
      taskrun: { id: taskRun.id, startDate: taskRun.startDate, attemptsCount: Math.max(0, taskRun.attempts - 1) },
    };
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

function messageOf(error: unknown): string {
  if (error instanceof ExpressionError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
