import { Readable } from 'node:stream';
import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';

/**
 * `io.kestra.plugin.core.storage.Write`: writes `content` to a new internal-storage file of this
 * task run and outputs its `uri` (Kestra names the file itself; `extension` picks its suffix).
 */
export const writeTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.storage.Write',
  title: 'Write content to a file in internal storage.',
  properties: z.strictObject({
    content: z.string(),
    extension: z
      .string()
      .regex(/^\.?[A-Za-z0-9_-]{1,16}(\.[A-Za-z0-9_-]{1,16})?$/, 'a file extension such as .txt or .csv.gz')
      .optional(),
  }),
  async run({ content, extension }, context) {
    const suffix = extension ? (extension.startsWith('.') ? extension : `.${extension}`) : '';
    const { uri, size } = await context.putFile(`${context.taskId}${suffix}`, Readable.from([content]));
    context.log('DEBUG', `${size} bytes written to ${uri}`);
    return { uri };
  },
});
