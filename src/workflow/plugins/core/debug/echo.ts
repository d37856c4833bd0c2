import { z } from 'zod';
import { LOG_LEVELS } from '../../../flow/spec';
import { defineRunnableTask } from '../../task-definition';
import { logTask } from '../log/log';

/**
 * `io.kestra.plugin.core.debug.Echo`, deprecated in Kestra in favour of Log: logs `format` at
 * `level`. Accepted for old flows and run as a Log task (./../log/log.ts) with `message: format`.
 */
export const echoTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.debug.Echo',
  aliases: ['io.kestra.core.tasks.debugs.Echo'],
  title: 'Deprecated: log `format` at `level` (use io.kestra.plugin.core.log.Log).',
  properties: () =>
    z.strictObject({
      format: z.string(),
      level: z.enum(LOG_LEVELS).default('INFO'),
    }),
  run: ({ format, level }, context) => logTask.run({ message: format, level }, context),
});
