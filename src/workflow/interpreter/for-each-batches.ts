/**
 * A ForEach over many values runs its iterations in batches, each a child workflow, so that
 * neither the parent's history nor its execution state grows with the number of iterations
 * (src/workflow/plugins/core/flow/for-each.ts decides when; src/workflow/index.ts starts the
 * children). The parent runs `runIterationsInBatches`; each child's FlowRun runs `runBatch`.
 */
import type { LogLevel, TaskSpec } from '../flow/spec';
import { resolveState, type Execution, type State, type TaskRun } from './execution';
import type { FlowableOutcome } from './in-workflow-task';
import type { ExecutionRequest, ForEachBatch, ForEachBatchResult, InterpreterPort } from './interpreter-port';
import { runConcurrently } from './run-concurrently';
import type { Scope } from './task-scope';

/**
 * Iterations per child workflow of a large ForEach: at most this many, fewer when an iteration has
 * many tasks, so that a batch's history stays near BATCH_TASK_RUNS task runs (a few events each),
 * well under Temporal's limits.
 */
export const FOREACH_BATCH_SIZE = 500;
const BATCH_TASK_RUNS = 2500;

function batchSizeFor(forEach: TaskSpec): number {
  const count = (tasks: readonly TaskSpec[]): number => tasks.reduce((n, t) => n + 1 + count(Object.values(t.children ?? {}).flat()), 0);
  return Math.max(10, Math.min(FOREACH_BATCH_SIZE, Math.floor(BATCH_TASK_RUNS / Math.max(1, count(forEach.children?.tasks ?? [])))));
}

/** What batches see of the running execution (FlowRun provides it). */
export interface BatchHost {
  readonly port: InterpreterPort;
  readonly request: ExecutionRequest;
  readonly execution: Execution;
  /** Task outputs as expressions see them, and `tasks.<id>.state`: a batch starts from the parent's. */
  readonly outputs: Record<string, Record<string, unknown>>;
  readonly taskStates: Record<string, { state: State }>;
  log(level: LogLevel, message: string, task?: TaskSpec, taskRun?: TaskRun): void;
  changed(): void;
  findTask(taskId: string): TaskSpec | undefined;
  /** Runs `tasks` as one iteration: `place` has the ForEach task run first among its parents, the iteration last among its loops. */
  runIteration(tasks: readonly TaskSpec[], place: Pick<Scope, 'parents' | 'loops'>): Promise<State>;
  kill(): void;
  finish(state: State): void;
}

/** The ids of the tasks under `task`, at any depth. */
function descendantIds(task: TaskSpec): string[] {
  return Object.values(task.children ?? {})
    .flat()
    .flatMap((child) => [child.id, ...descendantIds(child)]);
}

export class ForEachBatches {
  /** Tasks whose iterations ran in batches, so that their outputs are not in this execution: task id → the ForEach's. */
  private readonly outputsInBatches = new Map<string, string>();

  constructor(private readonly host: BatchHost) {}

  /**
   * A failure message that names an undefined variable (`Unable to find \`echo\``) which is a task
   * whose outputs stayed in a large ForEach's batches: with why, and what the ForEach keeps instead.
   */
  explainMissingOutputs(message: string): string {
    const missing = [...message.matchAll(/Unable to find `([^`]+)`/g)].map((m) => m[1]).find((id) => this.outputsInBatches.has(id));
    if (missing === undefined) return message;
    const forEach = this.outputsInBatches.get(missing);
    return (
      `${message}: task ${missing} ran in the batches (child workflows) of ForEach ${forEach}, a loop too large to run in the execution, ` +
      `whose per-iteration outputs are not kept in the execution; read outputs.${forEach}.iterations (a count per state), ` +
      `or write what later tasks need to the KV store or to files`
    );
  }

  /**
   * A large ForEach: batches of iterations (batchSizeFor), each a child workflow, one after the
   * other (each runs `limit` iterations at a time), so that neither this history nor this execution's
   * state grows with the number of iterations. After a failed batch, no new batch starts.
   */
  async runIterationsInBatches(
    task: TaskSpec,
    taskRun: TaskRun,
    values: readonly string[],
    limit: number,
    scope: Pick<Scope, 'parents' | 'loops'>,
  ): Promise<FlowableOutcome> {
    // A batch's iterations are not in this execution's task runs: a restart runs them all again.
    const { failedChecks: _checks, restart: _restart, ...request } = this.host.request;
    const iterations: Partial<Record<State, number>> = {};
    const batches: string[] = [];
    // How many task runs each batch ended with: the API and CLI page through them (src/client/task-run-pages.ts).
    const batchTaskRuns: number[] = [];
    const states: State[] = [];
    const size = batchSizeFor(task);
    // Inside other loops (nested batching), the batch ids also name the enclosing iterations: `…inner@0.3.batch-1`.
    const within = scope.loops.length > 0 ? `@${scope.loops.map((l) => l.iteration).join('.')}` : '';
    for (let first = 0; first < values.length; first += size) {
      const batchId = `${this.host.execution.id}.${task.id}${within}.batch-${batches.length + 1}`;
      batches.push(batchId);
      const result = await this.host.port.runForEachBatch!({
        batchId,
        request,
        taskId: task.id,
        taskRunId: taskRun.id,
        values: values.slice(first, first + size),
        firstIteration: first,
        limit,
        outputs: this.host.outputs,
        taskStates: this.host.taskStates,
        labels: this.host.execution.labels,
        ...(scope.loops.length > 0
          ? { loops: scope.loops, parents: scope.parents.map(({ id, taskId, value }) => ({ id, taskId, ...(value !== undefined ? { value } : {}) })) }
          : {}),
      });
      for (const [state, count] of Object.entries(result.iterations)) iterations[state as State] = (iterations[state as State] ?? 0) + count;
      states.push(result.state);
      batchTaskRuns.push(result.taskRuns);
      if (result.error && !taskRun.error) taskRun.error = `${result.error} (batch ${batchId})`;
      this.host.changed();
      if (result.state === 'FAILED' || result.state === 'KILLED') break;
    }
    for (const id of descendantIds(task)) this.outputsInBatches.set(id, task.id);
    this.host.log(
      'INFO',
      `${values.length} iterations ran in child workflows of up to ${size} (their task runs are there): ${batches.join(', ')}`,
      task,
      taskRun,
    );
    return { state: resolveState(states), outputs: { iterations, batches, batchTaskRuns } };
  }

  /** Runs one batch of a large ForEach (the FlowRun of the batch's child workflow calls it). */
  async runBatch(batch: ForEachBatch): Promise<ForEachBatchResult> {
    Object.assign(this.host.outputs, batch.outputs);
    Object.assign(this.host.taskStates, batch.taskStates);
    this.host.execution.labels = { ...batch.labels };
    this.host.execution.state = 'RUNNING';
    this.host.changed();
    const task = this.host.findTask(batch.taskId);
    if (!task) throw new Error(`No task ${batch.taskId} in flow ${this.host.execution.namespace}.${this.host.execution.flowId}`);
    // The ForEach task run (and those enclosing it) live in the parent: here they are only the iterations' `parents`.
    const outerLoops = batch.loops ?? [];
    const standIn = (run: { id: string; taskId: string; value?: string }): TaskRun => ({ ...run, state: 'RUNNING', attempts: 1, outputs: {} });
    const forEachRun = standIn({
      id: batch.taskRunId,
      taskId: task.id,
      ...(outerLoops.length > 0 ? { value: outerLoops[outerLoops.length - 1].value } : {}),
    });
    const parents = [forEachRun, ...(batch.parents ?? []).map(standIn)];
    const tasks = task.children?.tasks ?? [];
    const iterations: Partial<Record<State, number>> = {};
    const jobs = batch.values.map((value, index) => async () => {
      const state = await this.host.runIteration(tasks, { parents, loops: [...outerLoops, { value, iteration: batch.firstIteration + index }] });
      iterations[state] = (iterations[state] ?? 0) + 1;
      return state;
    });
    let states: State[];
    try {
      states = await runConcurrently(jobs, batch.limit);
    } catch (error) {
      if (this.host.port.isCancellation(error)) this.host.kill();
      throw error;
    }
    const state = resolveState(states);
    this.host.finish(state);
    const failed = this.host.execution.taskRuns.find((r) => r.state === 'FAILED' && r.error);
    return {
      state,
      iterations,
      taskRuns: this.host.execution.taskRuns.length,
      ...(failed ? { error: `${failed.taskId} [${failed.value}]: ${failed.error}` } : {}),
    };
  }
}
