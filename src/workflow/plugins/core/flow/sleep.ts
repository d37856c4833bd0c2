import { z } from 'zod';
import { defineFlowableTask } from '../../task-definition';
import { durationProperty } from './common';

/** `Sleep`: a durable timer (it survives worker and server restarts). */
export const sleepTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.Sleep',
  aliases: ['io.kestra.core.tasks.flows.Sleep'],
  title: 'Wait for a duration.',
  properties: () => z.strictObject({ duration: z.string() }),
  childLists: [],
  async execute(context) {
    await context.sleep(durationProperty('duration', context.render(String(context.task.properties.duration))));
    return { state: 'SUCCESS' };
  },
});
