import { z } from 'zod';
import { defineFlowableTask } from '../../task-definition';
import { nonEmptyTaskListSchema } from './common';

/** `AllowFailure`: children one after another; a failure ends the flowable WARNING (after its `errors`), so the parent carries on. */
export const allowFailureTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.AllowFailure',
  aliases: ['io.kestra.core.tasks.flows.AllowFailure'],
  title: 'Run tasks; a failure among them only makes a warning.',
  properties: () => z.strictObject({ tasks: nonEmptyTaskListSchema() }),
  childLists: ['tasks'],
  async execute(context) {
    const state = await context.runTasks(context.children('tasks'));
    if (state !== 'FAILED') return { state };
    await context.runErrorHandlers();
    return { state: 'WARNING' };
  },
});
