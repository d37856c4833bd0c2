/**
 * What a task type is: its Kestra type name, its properties' schema, and how it runs.
 *
 * Runnable task types live in `src/activities/<name>.ts` and run as Temporal activities; flowable
 * types are interpreted inside the workflow. Each type is one module, listed once in
 * `src/tasks/registry.ts`: the compiler, the JSON Schema and the worker all read that list.
 */
import type { z } from 'zod';
import type { LogLevel } from '../flow/spec';

interface TaskDefinitionBase<Props extends z.ZodObject> {
  /** The canonical Kestra type, e.g. `io.kestra.plugin.core.log.Log`. */
  type: string;
  /** Older names of the same type (Kestra's `io.kestra.core.tasks.*`). */
  aliases?: string[];
  /** One line for docs and the JSON Schema. */
  title: string;
  /** Task-specific properties (the common ones — id, retry, runIf… — are the compiler's). */
  properties: Props;
}

export interface RunnableTaskDefinition<Props extends z.ZodObject = z.ZodObject> extends TaskDefinitionBase<Props> {
  kind: 'runnable';
  /** Does the work, given properties already rendered and validated; returns the task's outputs. */
  run(properties: z.output<Props>, context: TaskContext): Promise<Record<string, unknown>>;
}

export interface FlowableTaskDefinition<Props extends z.ZodObject = z.ZodObject> extends TaskDefinitionBase<Props> {
  kind: 'flowable';
  /** Properties that hold child task lists (`tasks`, `then`, `else`…): compiled as tasks. */
  childLists: string[];
}

export type TaskDefinition = RunnableTaskDefinition | FlowableTaskDefinition;

/** What a runnable task sees of its execution while it runs (inside an activity). */
export interface TaskContext {
  executionId: string;
  namespace: string;
  flowId: string;
  taskId: string;
  taskRunId: string;
  /** 1 on the first attempt. */
  attempt: number;
  log(level: LogLevel, message: string): void;
  /** Aborted when Temporal cancels the activity (kill, timeout, worker shutdown). */
  signal: AbortSignal;
}

export function defineRunnableTask<Props extends z.ZodObject>(
  definition: Omit<RunnableTaskDefinition<Props>, 'kind'>,
): RunnableTaskDefinition<Props> {
  return { kind: 'runnable', ...definition };
}

export function defineFlowableTask<Props extends z.ZodObject>(
  definition: Omit<FlowableTaskDefinition<Props>, 'kind'>,
): FlowableTaskDefinition<Props> {
  return { kind: 'flowable', ...definition };
}
