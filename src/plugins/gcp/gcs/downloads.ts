import { addAbortSignal } from 'node:stream';
import { z } from 'zod';
import { fileNameOf } from '../../../storage';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { gcpConnectionProperties, gsUri, parseGsUri, storageClient } from '../connection';
import { listingProperties, listObjects } from './blobs';

/**
 * `io.kestra.plugin.gcp.gcs.Downloads`: downloads the files the listing of `from` finds (at most
 * `maxFiles`) into internal storage, then MOVEs them to `moveDirectory`, DELETEs them, or leaves
 * them (NONE). Outputs `blobs` (each `uri` is the `kestra://` copy) and `outputFiles` (object name → `kestra://` URI).
 */
export const gcsDownloadsTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.gcs.Downloads',
  title: 'Download several Cloud Storage objects into internal storage.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    ...listingProperties,
    action: z.enum(['MOVE', 'DELETE', 'NONE']).default('NONE'),
    moveDirectory: z.string().optional(),
    maxFiles: z.number().int().min(1).max(10_000).default(25),
  }),
  async run(props, context) {
    if (props.action === 'MOVE' && !props.moveDirectory) throw new Error('moveDirectory is required when action is MOVE');
    const storage = await storageClient(props);
    const listing = await listObjects(storage, { ...props, filter: 'FILES', limit: props.maxFiles + 1, signal: context.signal });
    if (listing.entries.length > props.maxFiles) {
      context.log('WARN', `More than ${props.maxFiles} files under ${props.from}: only the first ${props.maxFiles} are downloaded (maxFiles)`);
      listing.entries.length = props.maxFiles;
    }
    const moveTo = props.action === 'MOVE' ? parseGsUri(props.moveDirectory ?? '', 'moveDirectory') : undefined;
    const blobs: Record<string, unknown>[] = [];
    const outputFiles: Record<string, string> = {};
    for (const { blob, file } of listing.entries) {
      if (!file) continue;
      context.signal.throwIfAborted();
      const stored = await context.putFile(fileNameOf(file.name) || 'download', addAbortSignal(context.signal, file.createReadStream()));
      blobs.push({ ...blob, uri: stored.uri });
      outputFiles[file.name] = stored.uri;
      if (moveTo) {
        const prefix = parseGsUri(props.from, 'from').name;
        const relative = file.name.startsWith(prefix) ? file.name.slice(prefix.length) : fileNameOf(file.name);
        const targetName = `${moveTo.name.replace(/\/?$/, '/')}${relative}`.replace(/^\//, '');
        await file.move(storage.bucket(moveTo.bucket).file(targetName));
      } else if (props.action === 'DELETE') {
        await file.delete();
      }
    }
    const done = { MOVE: ` and moved them to ${moveTo ? gsUri(moveTo.bucket, moveTo.name) : ''}`, DELETE: ' and deleted them', NONE: '' }[
      props.action
    ];
    context.log('INFO', `Downloaded ${blobs.length} files from ${props.from}${done}`);
    return { blobs, outputFiles };
  },
});
