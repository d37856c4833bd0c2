import { z } from 'zod';
import { defineRunnableTask } from '../../task-definition';

/** `io.kestra.plugin.core.debug.Return`: renders `format` into the output `value`. */
export const returnTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.debug.Return',
  aliases: ['io.kestra.core.tasks.debugs.Return'],
  title: 'Return a rendered value as the task output `value`.',
  properties: () =>
    z.strictObject({
      format: z.string().optional(),
    }),
  async run({ format }, context) {
    context.log('DEBUG', `Returning: ${format ?? ''}`);
    return { value: format ?? null };
  },
});
