/**
 * Tasks, wherever they appear (`tasks`, `errors`, `finally`, `afterExecution`, flowable children,
 * deprecated `listeners`): pluginDefaults applied, checked against their type's schema and rules,
 * built into TaskSpecs. Task ids are collected here: they must be unique across the whole flow.
 */
import type { z } from 'zod';
import { findTaskType, knownTypeNames } from '../plugins/registry';
import { commonTaskShape, type PluginDefault, type RetryDocument } from '../workflow/flow/schema';
import type { TaskSpec } from '../workflow/flow/spec';
import type { ChildrenLayout, TaskDefinition } from '../workflow/plugins/task-definition';
import { deprecationWarnings, findMappedTaskType, mappedTaskTypeNames } from './deprecated-types';
import { checkRetryBounds, normaliseRetry } from './flow-properties';
import { FLOWABLE_RULES } from './flowable-rules';
import type { FlowSource } from './flow-source';
import { applyPluginDefaults } from './plugin-defaults';
import { schemaFor } from './task-schema';
import { isPlainObject, isTemplate, valueAt, withoutEmptyProperties, type YamlMap, type YamlPath } from './yaml-values';

/** Properties of a flowable task that hold error handlers, compiled as tasks. */
const FLOWABLE_ERROR_LISTS = ['errors'];

const SUBFLOW_TYPE = 'io.kestra.plugin.core.flow.Subflow';

/** Kestra's message for `workerGroup` outside its Enterprise Edition (tasks and triggers). */
export const WORKER_GROUP_MESSAGE = 'Worker Group is an Enterprise Edition functionality';

/** The flow being compiled, when its `namespace` and `id` are plain strings. */
export interface FlowRef {
  namespace: string;
  id: string;
}

export class TaskCompiler {
  /** Every task id and where it appears. */
  readonly ids = new Map<string, YamlPath[]>();

  constructor(
    private readonly source: FlowSource,
    private readonly pluginDefaults: readonly PluginDefault[],
    private readonly flow?: FlowRef,
  ) {}

  /** Deprecated `listeners`: not run, but their task ids count for uniqueness, as in Kestra. */
  compileListeners(listeners: unknown): void {
    if (!Array.isArray(listeners)) return;
    listeners.forEach((listener, index) => {
      if (isPlainObject(listener)) this.compileTaskList(listener.tasks, ['listeners', index, 'tasks']);
    });
  }

  compileTaskList(items: unknown, path: YamlPath): TaskSpec[] {
    if (!Array.isArray(items)) return [];
    return items.flatMap((item, index) => {
      const task = this.compileTask(item, [...path, index]);
      return task ? [task] : [];
    });
  }

  private compileTask(value: unknown, path: YamlPath): TaskSpec | undefined {
    if (!isPlainObject(value)) return this.source.reportAndSkip(path, 'a task must be a mapping with at least `id` and `type`');
    const item = withoutEmptyProperties(value);
    if (typeof item.id === 'string') this.ids.set(item.id, [...(this.ids.get(item.id) ?? []), path]);
    if (!this.source.checkTypeName(item.type, [...knownTypeNames(), ...mappedTaskTypeNames()], path, 'io.kestra.plugin.core.log.Log'))
      return undefined;
    const written = item.type as string;
    // A deprecated type with a replacement is checked as written, then compiled as its replacement.
    const mapped = findMappedTaskType(written);
    const declared = mapped ?? (findTaskType(written) as TaskDefinition);
    const schema = schemaFor(declared);
    const declaredTask = applyPluginDefaults(
      this.pluginDefaults,
      item,
      [written, declared.type, ...(declared.aliases ?? [])],
      Object.keys(schema.shape),
    );
    const parsed = schema.safeParse(declaredTask);
    // A task's own property holding an expression is checked when the task runs, once rendered
    // (src/activities/runtime.ts); the task is compiled from its parts the schema could check.
    const runTimeChecked = !parsed.success && this.onlyExpressionsFailed(parsed.error.issues, declaredTask, path);
    if (!parsed.success && !runTimeChecked) this.source.reportZodIssues(path, declaredTask, parsed.error.issues, schema);
    else {
      const rules = declared.validate ?? FLOWABLE_RULES[declared.type];
      this.source.reportProblems(path, rules?.(declaredTask) ?? []);
      const retry = declaredTask.retry as RetryDocument | undefined;
      if (retry) checkRetryBounds(this.source, retry, [...path, 'retry']);
      this.checkKestraRestrictions(declared.type, declaredTask, path);
    }
    for (const warning of deprecationWarnings(written, declared.type, declaredTask)) {
      this.source.warn([...path, ...warning.path], warning.message, warning.hint);
    }
    const definition = mapped ? mapped.replacement : (declared as TaskDefinition);
    const task = mapped ? mapped.toReplacement(declaredTask) : declaredTask;

    const childLists = definition.kind === 'flowable' ? definition.childLists : [];
    const children: Record<string, TaskSpec[]> = {};
    let layoutProperties: YamlMap = {};
    if (definition.kind === 'flowable') {
      // Child lists are compiled as tasks; `locateChildren` places them when they are not plain lists (Switch, Dag).
      for (const key of childLists) children[key] = [];
      const layout = definition.locateChildren?.(task) ?? defaultChildrenLayout(childLists, task);
      for (const { list, path: childPath } of layout.children) {
        const child = this.compileTask(valueAt(task, childPath), [...path, ...childPath]);
        children[list] ??= [];
        if (child) children[list].push(child);
      }
      layoutProperties = layout.properties ?? {};
      const notRunnable = definition.onlyRunnableChildren
        ? Object.values(children)
            .flat()
            .filter((child) => child.kind !== 'runnable')
        : [];
      if (notRunnable.length > 0) {
        // Kestra's message, at the WorkingDirectory as Kestra reports it; the hint names the children to move out.
        this.source.report(
          path,
          `Only runnable tasks are allowed as children of a ${definition.type.split('.').pop()} task`,
          `${notRunnable.map((child) => `\`${child.id}\` (${child.type})`).join(', ')} cannot run in a shared working directory`,
        );
      }
    }
    const errors = definition.kind === 'flowable' ? this.compileTaskList(task.errors, [...path, 'errors']) : [];

    const properties: YamlMap = {};
    for (const [key, value] of Object.entries(task)) {
      if (!(key in commonTaskShape) && !childLists.includes(key) && !FLOWABLE_ERROR_LISTS.includes(key)) properties[key] = value;
    }
    Object.assign(properties, layoutProperties, mapped?.compiledProperties);
    this.source.checkExpressions(properties, path);
    if (typeof task.runIf === 'string') this.source.checkExpressions(task.runIf, [...path, 'runIf']);
    if (!parsed.success && !runTimeChecked) return undefined;

    const common = (parsed.success ? parsed.data : task) as z.output<z.ZodObject<typeof commonTaskShape>>;
    return {
      id: common.id,
      type: definition.type,
      kind: definition.kind,
      properties,
      ...(definition.kind === 'flowable' ? { children } : {}),
      ...(errors.length > 0 ? { errors } : {}),
      description: common.description,
      disabled: common.disabled,
      allowFailure: common.allowFailure,
      allowWarning: common.allowWarning,
      runIf: common.runIf === undefined ? undefined : String(common.runIf),
      timeout: common.timeout,
      retry: common.retry ? normaliseRetry(common.retry) : undefined,
      logLevel: common.logLevel,
      position: this.source.positionOf(path),
    };
  }

  /** What Kestra refuses when validating a flow: a Subflow that starts its own flow, a `workerGroup` (Enterprise Edition). */
  private checkKestraRestrictions(type: string, task: YamlMap, path: YamlPath): void {
    if (task.workerGroup !== undefined) this.source.report([...path, 'workerGroup'], WORKER_GROUP_MESSAGE);
    const callsItsOwnFlow = type === SUBFLOW_TYPE && this.flow && task.namespace === this.flow.namespace && task.flowId === this.flow.id;
    if (callsItsOwnFlow) this.source.report(path, `Recursive call to flow [${this.flow.namespace}.${this.flow.id}]`);
  }

  /**
   * True when every schema issue is an expression in one of the task type's own properties (checked
   * at run time). An expression where tflow needs a plain value (`timeout`, `retry`, `disabled`…)
   * is reported here, as nothing later would check it.
   */
  private onlyExpressionsFailed(issues: readonly z.core.$ZodIssue[], task: YamlMap, path: YamlPath): boolean {
    let onlyExpressions = true;
    for (const issue of issues) {
      const field = issue.path[0];
      if (issue.code === 'unrecognized_keys' || !isTemplate(valueAt(task, issue.path as YamlPath))) onlyExpressions = false;
      else if (typeof field === 'string' && field in commonTaskShape) {
        this.source.report([...path, ...(issue.path as YamlPath)], `\`${field}\` must be a plain value: tflow does not render expressions in it`);
        onlyExpressions = false;
      }
    }
    return onlyExpressions;
  }
}

/** Task `i` of child list property `name` goes to the child list `name`. */
function defaultChildrenLayout(childLists: readonly string[], task: YamlMap): ChildrenLayout {
  return { children: childLists.flatMap((list) => (Array.isArray(task[list]) ? task[list].map((_, i) => ({ list, path: [list, i] })) : [])) };
}
