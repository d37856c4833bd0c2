import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { uploadOutputFiles, writeInputFiles } from '../../scripts/script-task';

/**
 * `io.kestra.plugin.core.storage.LocalFiles` (deprecated since Kestra 0.17, for `inputFiles` and
 * `outputFiles`; `tflow validate` warns: src/compiler/deprecated-types.ts). Inside a WorkingDirectory
 * it works on the directory the group shares: `inputs` (file name → content or kestra:// URI) are
 * written there for the next tasks, and the files matching `outputs` (globs) are stored in internal
 * storage, their URIs output by path as `uris` (Kestra's output) and `outputFiles` (the name Kestra's
 * own examples read). Same helpers, same rules, as the script tasks' `inputFiles`/`outputFiles`.
 */
export const localFilesTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.storage.LocalFiles',
  aliases: ['io.kestra.core.tasks.storages.LocalFiles'],
  title: 'Deprecated: use `inputFiles`/`outputFiles`. Write files into the working directory and store files from it.',
  properties: z.strictObject({
    inputs: z
      .union([z.record(z.string(), z.unknown()), z.string()])
      .optional()
      .describe('Files to write: name → content or kestra:// URI (or that map as a JSON string).'),
    outputs: z.array(z.string()).optional().describe('Globs of files to store in internal storage (output `uris`).'),
  }),
  async run({ inputs, outputs }, context) {
    const dir = await context.workingDirectory();
    await writeInputFiles(inputs, dir, context);
    const uris = await uploadOutputFiles(outputs ?? [], dir, context);
    return { uris, outputFiles: uris };
  },
});
