import { z } from 'zod';
import { executionPrefix } from '../../../storage';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';

/**
 * `io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles`: deletes every internal-storage file
 * of this execution (task outputs, input files). Outputs `uris`, the deleted files.
 */
export const purgeCurrentExecutionFilesTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles',
  aliases: ['io.kestra.core.tasks.storages.PurgeExecution', 'io.kestra.plugin.core.storage.PurgeExecution'],
  title: "Delete this execution's files from internal storage.",
  properties: z.strictObject({}),
  async run(_props, context) {
    const uris = await context.storage.deleteByPrefix(executionPrefix(context));
    context.log('INFO', `${uris.length} file(s) deleted from internal storage`);
    return { uris };
  },
});
