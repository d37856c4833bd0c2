import { z } from 'zod';
import { isTruthy } from '../../../expression';
import { defineFlowableTask } from '../../task-definition';
import { nonEmptyTaskListSchema, taskListSchema } from './common';

/** `If`: evaluates `condition` once, then runs `then` or `else`; false without `else` is a plain SUCCESS. */
export const ifTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.If',
  aliases: ['io.kestra.core.tasks.flows.If'],
  title: 'Run `then` when the condition is truthy, `else` otherwise.',
  properties: () =>
    z.strictObject({
      condition: z.union([z.string(), z.boolean()]),
      then: nonEmptyTaskListSchema(),
      else: taskListSchema().optional(),
    }),
  childLists: ['then', 'else'],
  async execute(context) {
    const condition = context.task.properties.condition;
    const evaluationResult = isTruthy(typeof condition === 'string' ? context.renderTyped(condition) : condition);
    const state = await context.runTasks(context.children(evaluationResult ? 'then' : 'else'));
    return { state, outputs: { evaluationResult } };
  },
});
