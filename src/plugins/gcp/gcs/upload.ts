import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { isStorageUri } from '../../../storage';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { gcpConnectionProperties, gsUri, parseGsUri, storageClient } from '../connection';

/**
 * `io.kestra.plugin.gcp.gcs.Upload`: streams a file of internal storage (`from`, a `kestra://` URI)
 * to `to` (`gs://bucket/name`). Outputs `uri` (the gs:// URI).
 */
export const gcsUploadTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.gcs.Upload',
  title: 'Upload a file of internal storage to Cloud Storage.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    from: z.string().min(1),
    to: z.string().min(1),
    contentType: z.string().optional(),
    contentEncoding: z.string().optional(),
    contentDisposition: z.string().optional(),
    cacheControl: z.string().optional(),
  }),
  async run(props, context) {
    if (!isStorageUri(props.from)) throw new Error(`from must be a file of internal storage (kestra:///…), got '${props.from}'`);
    const target = parseGsUri(props.to, 'to');
    if (target.name === '' || target.name.endsWith('/')) throw new Error(`to must name an object, not a folder: '${props.to}'`);
    const storage = await storageClient(props);
    const file = storage.bucket(target.bucket).file(target.name);
    const size = await context.storage.stat(props.from);
    const source = await context.storage.get(props.from);
    await pipeline(
      source,
      file.createWriteStream({
        // A resumable upload survives a dropped connection on large files; small ones go in one request.
        resumable: (size ?? 0) > 8 * 1024 * 1024,
        metadata: {
          ...(props.contentType ? { contentType: props.contentType } : {}),
          ...(props.contentEncoding ? { contentEncoding: props.contentEncoding } : {}),
          ...(props.contentDisposition ? { contentDisposition: props.contentDisposition } : {}),
          ...(props.cacheControl ? { cacheControl: props.cacheControl } : {}),
        },
      }),
      { signal: context.signal },
    );
    const uri = gsUri(target.bucket, target.name);
    context.log('INFO', `Uploaded ${size ?? '?'} bytes from ${props.from} to ${uri}`);
    return { uri };
  },
});
