import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { gcpConnectionProperties, gsUri, parseGsUri, storageClient } from '../connection';

/**
 * `io.kestra.plugin.gcp.gcs.Copy`: copies `from` to `to` inside Cloud Storage (no data passes
 * through the worker); with `delete: true` the source is deleted afterwards (a move). Outputs `uri`.
 */
export const gcsCopyTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.gcs.Copy',
  title: 'Copy (or move) a Cloud Storage object.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    from: z.string().min(1),
    to: z.string().min(1),
    delete: z.boolean().default(false),
  }),
  async run(props, context) {
    const source = parseGsUri(props.from, 'from');
    const target = parseGsUri(props.to, 'to');
    if (source.name === '' || target.name === '') throw new Error('from and to must name objects (gs://bucket/name), not buckets');
    const storage = await storageClient(props);
    const sourceFile = storage.bucket(source.bucket).file(source.name);
    await sourceFile.copy(storage.bucket(target.bucket).file(target.name));
    if (props.delete) await sourceFile.delete();
    const uri = gsUri(target.bucket, target.name);
    context.log('INFO', `${props.delete ? 'Moved' : 'Copied'} ${gsUri(source.bucket, source.name)} to ${uri}`);
    return { uri };
  },
});
