/**
 * Every task of a flow by id (tasks, errors, finally, afterExecution, nested children), and
 * Kestra's retry lookup, which reads the enclosing flowables' `retry`.
 */
import type { FlowSpec, RetrySpec, TaskSpec } from '../flow/spec';
import type { TaskRun } from './execution';
import { ANCESTOR_RETRY_PATCH } from '../patches';

export class FlowTasks {
  /** Built on first use: the retry lookup asks for every runnable task. */
  private byId: Map<string, TaskSpec> | undefined;

  constructor(
    private readonly flow: FlowSpec,
    /** Temporal's `patched(id)`, or undefined when the port has none. */
    private readonly patched: (id: string) => boolean | undefined,
  ) {}

  /** A task anywhere in the flow; the first of an id wins. */
  find(taskId: string): TaskSpec | undefined {
    this.byId ??= indexTasks(this.flow);
    return this.byId.get(taskId);
  }

  /** Kestra's retry lookup (runnable tasks and Subflow): the task's own, the nearest enclosing flowable's, the flow's. */
  retryFor(task: TaskSpec, parents: readonly TaskRun[]): RetrySpec | undefined {
    return task.retry ?? this.ancestorRetry(parents) ?? this.flow.retry;
  }

  /**
   * The retry a task run makes within the execution: none under behavior CREATE_NEW_EXECUTION, whose
   * retry is a new execution (./new-execution-retry.ts). FlowSpecs compiled before that behavior was
   * run never carry it, so executions recorded before keep their retries: no patch needed here.
   */
  inExecutionRetryFor(task: TaskSpec, parents: readonly TaskRun[]): RetrySpec | undefined {
    const retry = this.retryFor(task, parents);
    return retry?.behavior === 'CREATE_NEW_EXECUTION' ? undefined : retry;
  }

  /** Kestra's retry lookup after the task's own: the nearest enclosing flowable that has a `retry`. */
  private ancestorRetry(parents: readonly TaskRun[]): RetrySpec | undefined {
    const retry = parents.map((parent) => this.find(parent.taskId)?.retry).find((r) => r !== undefined);
    // Histories recorded before this lookup scheduled such tasks with the flow's retry.
    return retry && (this.patched(ANCESTOR_RETRY_PATCH) ?? true) ? retry : undefined;
  }
}

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
