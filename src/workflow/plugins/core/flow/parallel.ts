import { z } from 'zod';
import { resolveState } from '../../../interpreter/execution';
import { defineFlowableTask } from '../../task-definition';
import { concurrencySchema, nonEmptyTaskListSchema } from './common';

/** `Parallel`: every child at once (at most `concurrent`, 0 = no limit); after a failure no new child starts. */
export const parallelTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.Parallel',
  aliases: ['io.kestra.core.tasks.flows.Parallel'],
  title: 'Run tasks concurrently.',
  properties: () => z.strictObject({ tasks: nonEmptyTaskListSchema(), concurrent: concurrencySchema().optional() }),
  childLists: ['tasks'],
  async execute(context) {
    const concurrent = Number(context.task.properties.concurrent ?? 0);
    const jobs = context.children('tasks').map((task) => () => context.runTasks([task]));
    return { state: resolveState(await context.runConcurrently(jobs, concurrent)) };
  },
});
