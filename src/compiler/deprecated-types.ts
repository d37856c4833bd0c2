/**
 * Kestra's deprecated task types and forms, which flows written for older Kestra versions still use.
 * They are accepted with a warning (`file:line:col: warning: … is deprecated; use …`), never refused.
 *
 * - A deprecated type with a current equivalent (EachSequential, EachParallel → ForEach) is checked
 *   against its own properties, as written, then compiled as its replacement: it runs on the
 *   replacement's code (MAPPED_TASK_TYPES).
 * - A deprecated type with no equivalent (LocalFiles) is a task type of its own, in the registry;
 *   a deprecated property (Pause `tasks`) is one of its type's properties. Only the warning is here
 *   (DEPRECATED_TYPES, DEPRECATED_PROPERTIES).
 *
 * Old names of current types (`io.kestra.core.tasks.flows.If`) are not deprecations but aliases,
 * listed by each type's module (`aliases`), as Kestra does.
 */
import { z } from 'zod';
import type { FlowableTaskDefinition, TaskDefinition } from '../workflow/plugins/task-definition';
import { concurrencySchema, nonEmptyTaskListSchema } from '../workflow/plugins/core/flow/common';
import { EACH_TASK_IN_PARALLEL, forEachTask } from '../workflow/plugins/core/flow/for-each';
import { pauseTask } from '../workflow/plugins/core/flow/pause';
import { localFilesTask } from '../plugins/core/storage/local-files';
import type { PropertyProblem } from './diagnostics';
import type { YamlMap } from './yaml-values';

/** A deprecated type compiled as the current type that replaced it. */
export interface MappedTaskType extends Omit<FlowableTaskDefinition, 'execute'> {
  replacement: TaskDefinition;
  /** The task (as written, pluginDefaults applied, checked) as a task of the replacement type. */
  toReplacement(task: YamlMap): YamlMap;
  /** Set in the compiled task's properties besides the replacement's own (never written by a flow). */
  compiledProperties?: Record<string, unknown>;
}

/** Kestra's `value` of EachSequential/EachParallel: a JSON array string, an expression, or a list (ForEach's `values`). */
const eachValue = z.union([z.string(), z.array(z.unknown())]).describe('The values: a list, or a JSON array (or an expression rendering one).');

const eachSequential: MappedTaskType = {
  kind: 'flowable',
  type: 'io.kestra.plugin.core.flow.EachSequential',
  aliases: ['io.kestra.core.tasks.flows.EachSequential'],
  title: `Deprecated: use ${forEachTask.type}. Run tasks for each value, one value after another.`,
  properties: z.strictObject({ value: eachValue, tasks: nonEmptyTaskListSchema() }),
  childLists: ['tasks'],
  replacement: forEachTask,
  toReplacement: ({ value, ...task }) => ({ ...task, type: forEachTask.type, values: value, concurrencyLimit: 1 }),
};

const eachParallel: MappedTaskType = {
  kind: 'flowable',
  type: 'io.kestra.plugin.core.flow.EachParallel',
  aliases: ['io.kestra.core.tasks.flows.EachParallel'],
  title: `Deprecated: use ${forEachTask.type}. Run every task of every value in parallel, \`concurrent\` at a time (0: no limit).`,
  properties: z.strictObject({ value: eachValue, concurrent: concurrencySchema().optional(), tasks: nonEmptyTaskListSchema() }),
  childLists: ['tasks'],
  replacement: forEachTask,
  // Kestra's default `concurrent` is 0: no limit.
  toReplacement: ({ value, concurrent, ...task }) => ({ ...task, type: forEachTask.type, values: value, concurrencyLimit: concurrent ?? 0 }),
  compiledProperties: { [EACH_TASK_IN_PARALLEL]: true },
};

export const MAPPED_TASK_TYPES: readonly MappedTaskType[] = [eachSequential, eachParallel];

/** Deprecated types that run as themselves, and what to use instead. */
const DEPRECATED_TYPES: ReadonlyMap<string, string> = new Map([
  [localFilesTask.type, '`inputFiles` and `outputFiles` of the WorkingDirectory or of the script task'],
]);

/** Deprecated properties, by canonical type, and what to do instead. */
const DEPRECATED_PROPERTIES: Readonly<Record<string, Record<string, string>>> = {
  [pauseTask.type]: {
    tasks: 'put these tasks after the Pause',
    delay: 'use `pauseDuration`',
  },
};

const mappedByName = new Map(MAPPED_TASK_TYPES.flatMap((mapped) => [mapped.type, ...(mapped.aliases ?? [])].map((name) => [name, mapped])));

/** The mapped deprecated type a type name (or old name) is, if any. */
export function findMappedTaskType(name: string): MappedTaskType | undefined {
  return mappedByName.get(name);
}

export function mappedTaskTypeNames(): string[] {
  return [...mappedByName.keys()];
}

/**
 * The warnings for a task of type `written` (as the flow names it) whose canonical (or mapped) type
 * is `type`, paths relative to the task.
 */
export function deprecationWarnings(written: string, type: string, task: YamlMap): PropertyProblem[] {
  const mapped = findMappedTaskType(written);
  const instead = mapped ? `use ${mapped.replacement.type}` : DEPRECATED_TYPES.has(type) ? `use ${DEPRECATED_TYPES.get(type)}` : undefined;
  const warnings: PropertyProblem[] = instead ? [{ path: ['type'], message: `${written} is deprecated; ${instead}` }] : [];
  for (const [property, advice] of Object.entries(DEPRECATED_PROPERTIES[type] ?? {})) {
    if (task[property] !== undefined) warnings.push({ path: [property], message: `\`${property}\` of ${type} is deprecated; ${advice}` });
  }
  return warnings;
}
