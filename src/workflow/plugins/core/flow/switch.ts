import { z } from 'zod';
import { defineFlowableTask } from '../../task-definition';
import { TaskError } from '../../../interpreter/in-workflow-task';
import { nonEmptyTaskListSchema, taskListSchema } from './common';

const CASE_PREFIX = 'cases.';

/** `Switch`: the tasks of the case whose key equals the rendered `value`, else `defaults`; neither is a failure. */
export const switchTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.Switch',
  aliases: ['io.kestra.core.tasks.flows.Switch'],
  title: 'Run the tasks of the case matching a value.',
  properties: () =>
    z.strictObject({
      value: z.union([z.string(), z.number(), z.boolean()]),
      cases: z.record(z.string(), nonEmptyTaskListSchema()).optional(),
      defaults: taskListSchema().optional(),
    }),
  childLists: ['cases', 'defaults'],
  // `cases` is a map of task lists: each case becomes the child list `cases.<key>`.
  locateChildren(declared) {
    const children: { list: string; path: (string | number)[] }[] = [];
    const cases = declared.cases;
    if (cases !== null && typeof cases === 'object' && !Array.isArray(cases)) {
      for (const [key, tasks] of Object.entries(cases)) {
        if (Array.isArray(tasks)) tasks.forEach((_, i) => children.push({ list: CASE_PREFIX + key, path: ['cases', key, i] }));
      }
    }
    if (Array.isArray(declared.defaults)) declared.defaults.forEach((_, i) => children.push({ list: 'defaults', path: ['defaults', i] }));
    return { children };
  },
  async execute(context) {
    const value = context.render(String(context.task.properties.value));
    const caseList = CASE_PREFIX + value;
    if (context.task.children && caseList in context.task.children) {
      return { state: await context.runTasks(context.children(caseList)), outputs: { value, defaults: false } };
    }
    if (context.children('defaults').length === 0) {
      throw new TaskError(`Switch task '${context.task.id}' has no case matching the value '${value}' and no defaults`);
    }
    return { state: await context.runTasks(context.children('defaults')), outputs: { value, defaults: true } };
  },
});
