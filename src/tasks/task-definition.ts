/**
 * What a task type is: its Kestra type name, its properties' schema, and how it runs.
 *
 * Runnable task types live in `src/activities/<name>.ts` and run as Temporal activities; flowable
 * types (`src/interpreter/flowables/`) and inline types (`src/interpreter/inline-tasks/`) run inside
 * the workflow. Each type is one module, listed once (`src/tasks/registry.ts` gathers the lists):
 * the compiler, the JSON Schema, the worker and the interpreter all read them.
 */
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { TflowConfig } from '../config';
import type { PropertyProblem } from '../flow/diagnostics';
import type { LogLevel } from '../flow/spec';
import type { FlowableContext, FlowableOutcome, InlineTaskContext } from '../interpreter/workflow-task';
import type { InternalStorage, StoredFile } from '../storage/internal-storage';

interface TaskDefinitionBase<Props extends z.ZodObject> {
  /** The canonical Kestra type, e.g. `io.kestra.plugin.core.log.Log`. */
  type: string;
  /** Older names of the same type (Kestra's `io.kestra.core.tasks.*`). */
  aliases?: string[];
  /** One line for docs and the JSON Schema. */
  title: string;
  /** Task-specific properties (the common ones — id, retry, runIf… — are the compiler's). */
  properties: Props;
  /**
   * Optional rules a schema cannot state (a Dag's `dependsOn` targets exist and have no cycle, a
   * Switch has cases…). The compiler calls it after the schema accepted the task, with the task as
   * written (pluginDefaults applied); paths are relative to the task, e.g. `['cases']`.
   */
  validate?(task: Record<string, unknown>): PropertyProblem[];
}

export interface RunnableTaskDefinition<Props extends z.ZodObject = z.ZodObject> extends TaskDefinitionBase<Props> {
  kind: 'runnable';
  /** Does the work, given properties already rendered and validated; returns the task's outputs. */
  run(properties: z.output<Props>, context: TaskContext): Promise<Record<string, unknown>>;
}

export interface FlowableTaskDefinition<Props extends z.ZodObject = z.ZodObject> extends TaskDefinitionBase<Props> {
  kind: 'flowable';
  /** Properties that hold child tasks (`tasks`, `then`, `else`…): compiled as tasks, left out of `properties`. */
  childLists: string[];
  /** Only runnable tasks may be children (WorkingDirectory): the compiler refuses others. */
  onlyRunnableChildren?: boolean;
  /**
   * Where the child tasks sit, for flowables whose children are not plain lists of tasks (Switch
   * `cases` is a map of lists, Dag `tasks` wraps each task as `{task, dependsOn}`). Default: task
   * `i` of property `name` goes to the child list `name`. `properties` are kept besides the
   * task's other properties (e.g. Dag's `dependsOn`). Gets the declared task as written: check shapes.
   */
  locateChildren?(declared: Record<string, unknown>): ChildrenLayout;
  /**
   * Runs the flowable inside the workflow (pure, deterministic): renders what it needs, runs child
   * lists through the context, and returns the state its children give it (before `allowFailure`).
   * Throwing fails the task run with the error's message.
   */
  execute(context: FlowableContext): Promise<FlowableOutcome>;
}

export interface ChildrenLayout {
  children: { list: string; path: (string | number)[] }[];
  properties?: Record<string, unknown>;
}

/**
 * A task that runs inside the workflow without children or activity: it updates the execution
 * (Labels) or computes outputs (OutputValues). Kestra's "execution-updating" tasks.
 */
export interface InlineTaskDefinition<Props extends z.ZodObject = z.ZodObject> extends TaskDefinitionBase<Props> {
  kind: 'inline';
  /** Returns the task's outputs; throwing fails the task run with the error's message. */
  execute(context: InlineTaskContext): Record<string, unknown>;
}

export type TaskDefinition = RunnableTaskDefinition | FlowableTaskDefinition | InlineTaskDefinition;

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
  /** Internal storage: read any `kestra:///…` file, write this task run's files. */
  storage: InternalStorage;
  /** Stores a file this task run produced, under its own folder; returns the `kestra:///…` URI. */
  putFile(fileName: string, content: Readable): Promise<StoredFile>;
  /** This attempt's private working directory: created on first call, deleted when the task ends. */
  workingDirectory(): Promise<string>;
  /**
   * Ends the task run WARNING instead of SUCCESS when it returns (Kestra's task-specific final
   * state, e.g. a script that wrote on stderr); `reason` is logged at WARN.
   */
  endInWarning(reason: string): void;
  /** Reports progress to Temporal (shown in the Web UI's pending activity); also proves liveness. */
  heartbeat(progress?: unknown): void;
  /** The worker's configuration (host aliases for connection URLs, …). */
  config: TflowConfig;
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

export function defineInlineTask<Props extends z.ZodObject>(
  definition: Omit<InlineTaskDefinition<Props>, 'kind'>,
): InlineTaskDefinition<Props> {
  return { kind: 'inline', ...definition };
}
