import { z } from 'zod';
import { isTruthy } from '../../../expression';
import { defineRunnableTask } from '../../task-definition';

/** `io.kestra.plugin.core.execution.Fail`: fails the task (when its rendered `condition` is truthy, if given). */
export const failTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.execution.Fail',
  aliases: ['io.kestra.core.tasks.executions.Fail'],
  title: 'Fail the execution, always or when a condition holds.',
  properties: () =>
    z.strictObject({
      condition: z.union([z.string(), z.boolean()]).optional(),
      errorMessage: z.string().default('Task failure'),
    }),
  async run({ condition, errorMessage }) {
    if (condition !== undefined && !isTruthy(condition)) return {};
    throw new Error(errorMessage);
  },
});
