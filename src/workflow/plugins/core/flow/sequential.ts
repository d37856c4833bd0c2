import { z } from 'zod';
import { defineFlowableTask } from '../../task-definition';
import { nonEmptyTaskListSchema } from './common';

/** `Sequential`: children one after another; stops at the first failure. */
export const sequentialTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.Sequential',
  aliases: ['io.kestra.core.tasks.flows.Sequential'],
  title: 'Run tasks one after another.',
  properties: () => z.strictObject({ tasks: nonEmptyTaskListSchema() }),
  childLists: ['tasks'],
  async execute(context) {
    return { state: await context.runTasks(context.children('tasks')) };
  },
});
