import { z } from 'zod';
import { LOG_LEVELS } from '../../../flow/spec';
import { defineRunnableTask } from '../../task-definition';

/** `io.kestra.plugin.core.log.Log`: logs a message (or each message of a list) at a level. */
export const logTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.log.Log',
  aliases: ['io.kestra.core.tasks.log.Log'],
  title: 'Log a message in the execution logs.',
  properties: () =>
    z.strictObject({
      message: z.union([z.string(), z.array(z.string())]),
      level: z.enum(LOG_LEVELS).default('INFO'),
    }),
  async run({ message, level }, context) {
    for (const line of Array.isArray(message) ? message : [message]) context.log(level, line);
    return {};
  },
});
