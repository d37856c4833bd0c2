import { z } from 'zod';
import { resolveState } from '../../../interpreter/execution';
import { defineFlowableTask } from '../../task-definition';
import { type FlowableContext, TaskError } from '../../../interpreter/in-workflow-task';
import { concurrencySchema, nonEmptyTaskListSchema } from './common';
import { LARGE_FOREACH_PATCH, NESTED_FOREACH_BATCHES_PATCH } from '../../../patches';

/**
 * Above this many values, a ForEach runs its iterations in child workflows (batches of
 * FOREACH_BATCH_SIZE, src/workflow/interpreter/for-each-batches.ts), so that the execution's history and state stay small: a history holds at most
 * 51,200 events and a result 2 MB, which a few thousand iterations of activities would exceed.
 * The price: iteration outputs (`outputs.<child>['<value>']`) are not kept in the parent, only a
 * count of iterations per state (`outputs.<id>.iterations`) and the children's ids (`batches`).
 */
export const LARGE_FOREACH_ITERATIONS = 1000;

/**
 * A compiled-only property (no flow can write it: the schema refuses it): set on the ForEach that
 * Kestra's deprecated `EachParallel` compiles to (src/compiler/deprecated-types.ts). Each child task
 * of each value is then a branch of its own, as in Kestra's EachParallel, rather than the tasks of
 * one value running one after another. No patch: EachParallel was refused before, so no running
 * execution holds a ForEach with it.
 */
export const EACH_TASK_IN_PARALLEL = 'eachTaskInParallel';

/**
 * `ForEach`: runs `tasks` (one after another) once per distinct value, at most `concurrencyLimit`
 * iterations at a time (default 1, 0 = no limit). Each child task run carries its value, and child
 * outputs are keyed by it: `outputs.<childId>['<value>'].<field>`.
 */
export const forEachTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.ForEach',
  aliases: ['io.kestra.core.tasks.flows.ForEach'],
  title: 'Run tasks for each value of a list.',
  properties: () =>
    z.strictObject({
      values: z.union([z.string(), z.array(z.unknown())]),
      concurrencyLimit: concurrencySchema().optional(),
      tasks: nonEmptyTaskListSchema(),
    }),
  childLists: ['tasks'],
  async execute(context) {
    const values = loopValues(context);
    const limit = Number(context.task.properties.concurrencyLimit ?? 1);
    // Executions recorded before batching (of loops inside loops: before nested batching) ran every
    // iteration in their own history: they replay so.
    if (
      values.length > LARGE_FOREACH_ITERATIONS &&
      context.runIterationsInBatches &&
      context.patched(LARGE_FOREACH_PATCH) &&
      (!context.insideLoop || context.patched(NESTED_FOREACH_BATCHES_PATCH))
    ) {
      return context.runIterationsInBatches(values, limit);
    }
    const tasks = context.children('tasks');
    const jobs = context.task.properties[EACH_TASK_IN_PARALLEL]
      ? values.flatMap((value, iteration) =>
          tasks.filter((task) => !task.disabled).map((task) => () => context.runTasks([task], { value, iteration })),
        )
      : values.map((value, iteration) => () => context.runTasks(tasks, { value, iteration }));
    return { state: resolveState(await context.runConcurrently(jobs, limit)) };
  },
});

/**
 * The iteration values, as Kestra computes them: a string is rendered and parsed as a JSON array;
 * a list has its string items rendered. Non-string values are JSON-serialised; duplicates dropped.
 */
function loopValues(context: FlowableContext): string[] {
  const declared = context.task.properties.values;
  let items: unknown[];
  if (typeof declared === 'string') {
    const rendered = context.renderTyped(declared);
    items = Array.isArray(rendered) ? rendered : parseJsonArray(String(rendered));
  } else if (Array.isArray(declared)) {
    items = declared.map((item) => (typeof item === 'string' ? context.render(item) : context.renderProperties(item)));
  } else {
    throw new TaskError('`values` must be a list or a JSON array');
  }
  const nulls = items.filter((item) => item === null || item === undefined).length;
  if (nulls > 0) {
    const shown = items.map((item) => (item === null || item === undefined ? 'null' : typeof item === 'string' ? item : JSON.stringify(item)));
    throw new TaskError(`Found '${nulls}' null values on Each, with values=[${shown.join(', ')}]`);
  }
  const values = items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  return [...new Set(values)];
}

function parseJsonArray(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TaskError(`\`values\` must render to a JSON array, got: ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(parsed)) throw new TaskError(`\`values\` must render to a JSON array, got: ${text.slice(0, 200)}`);
  return parsed;
}
