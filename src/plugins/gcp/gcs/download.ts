import { addAbortSignal } from 'node:stream';
import { z } from 'zod';
import { fileNameOf } from '../../../storage';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { gcpConnectionProperties, gsUri, parseGsUri, storageClient } from '../connection';

/**
 * `io.kestra.plugin.gcp.gcs.Download`: streams one object (`from`, `gs://bucket/name`) into
 * internal storage. Outputs `bucket`, `path` (the object name) and `uri` (the `kestra://` file).
 */
export const gcsDownloadTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.gcs.Download',
  title: 'Download a Cloud Storage object into internal storage.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    from: z.string().min(1),
  }),
  async run(props, context) {
    const source = parseGsUri(props.from, 'from');
    if (source.name === '') throw new Error(`from must name an object, not a bucket: '${props.from}'`);
    const storage = await storageClient(props);
    const file = storage.bucket(source.bucket).file(source.name);
    const [exists] = await file.exists();
    if (!exists) throw new Error(`No such object: ${gsUri(source.bucket, source.name)}`);
    // Tied to the task's signal: a kill ends a download the server has stopped sending (it would wait for the timeout).
    const stored = await context.putFile(fileNameOf(source.name) || 'download', addAbortSignal(context.signal, file.createReadStream()));
    context.log('INFO', `Downloaded ${stored.size} bytes from ${props.from} to ${stored.uri}`);
    return { bucket: source.bucket, path: source.name, uri: stored.uri };
  },
});
