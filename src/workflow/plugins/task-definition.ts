/**
 * What a task type is: its Kestra type name, its properties' schema, and how it runs.
 *
 * Runnable task types live in `src/plugins/<kestra package>/` and run as Temporal activities;
 * flowable and inline types live in `src/workflow/plugins/<kestra package>/` and run inside the
 * workflow. Each type is one module, listed once (src/plugins/registry.ts, which includes
 * src/workflow/plugins/index.ts): the compiler, the JSON Schema, the worker and the interpreter all
 * read those lists. docs/architecture.md walks through adding one.
 */
import type { z } from 'zod';
import type { PropertyProblem } from '../../compiler/diagnostics';
import type { FlowableContext, FlowableOutcome, InlineTaskContext } from '../interpreter/in-workflow-task';
import type { TaskContext } from '../../activities/task-context';

export type { TaskContext };

interface TaskDefinitionBase<Props extends z.ZodObject> {
  /** The canonical Kestra type, e.g. `io.kestra.plugin.core.log.Log`. */
  type: string;
  /** Older names of the same type (Kestra's `io.kestra.core.tasks.*`). */
  aliases?: string[];
  /**
   * A step another task type runs (ForEachItem's split and merge), never written in a flow: the
   * compiler and the JSON Schema do not know it; the worker and the interpreter do.
   */
  internal?: boolean;
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

/**
 * What a `define*Task` helper takes: the definition, its `properties` either a schema or a function
 * building it. Workflow-side task types pass a function: the Temporal SDK gives every execution its
 * own instance of every workflow module, so a schema built at module load is built again for every
 * execution and replay, for all task types, though a flow uses a few (docs/performance.md, Bursts).
 */
export type TaskDeclaration<Definition extends { properties: z.ZodObject }> = Omit<Definition, 'kind' | 'properties'> & {
  properties: Definition['properties'] | (() => Definition['properties']);
};

/** The definition with `properties` built on first read, then kept (spreading it would build it). */
function withLazyProperties<Definition extends { properties: z.ZodObject }>(
  declaration: Omit<Definition, 'properties'> & { properties: Definition['properties'] | (() => Definition['properties']) },
): Definition {
  const { properties, ...rest } = declaration;
  if (typeof properties !== 'function') return { ...rest, properties } as unknown as Definition;
  let built: Definition['properties'] | undefined;
  return Object.defineProperty(rest, 'properties', { enumerable: true, get: () => (built ??= properties()) }) as unknown as Definition;
}

export function defineRunnableTask<Props extends z.ZodObject>(
  declaration: TaskDeclaration<RunnableTaskDefinition<Props>>,
): RunnableTaskDefinition<Props> {
  return withLazyProperties<RunnableTaskDefinition<Props>>({ kind: 'runnable', ...declaration });
}

export function defineFlowableTask<Props extends z.ZodObject>(
  declaration: TaskDeclaration<FlowableTaskDefinition<Props>>,
): FlowableTaskDefinition<Props> {
  return withLazyProperties<FlowableTaskDefinition<Props>>({ kind: 'flowable', ...declaration });
}

export function defineInlineTask<Props extends z.ZodObject>(declaration: TaskDeclaration<InlineTaskDefinition<Props>>): InlineTaskDefinition<Props> {
  return withLazyProperties<InlineTaskDefinition<Props>>({ kind: 'inline', ...declaration });
}
