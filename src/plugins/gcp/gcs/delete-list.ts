import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { gcpConnectionProperties, storageClient } from '../connection';
import { LIST_FILTERS, listingProperties, listObjects } from './blobs';
import { deleteObject } from './delete';

/** Deletions in flight at once when `concurrent` is not given. */
const DEFAULT_CONCURRENCY = 8;

/**
 * `io.kestra.plugin.gcp.gcs.DeleteList`: deletes every object the listing of `from` finds
 * (directories are never deleted themselves). Outputs `count` and `size` (bytes deleted).
 */
export const gcsDeleteListTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.gcs.DeleteList',
  title: 'Delete the Cloud Storage objects under a prefix.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    ...listingProperties,
    filter: z.enum(LIST_FILTERS).default('FILES'),
    concurrent: z.number().int().min(2).max(64).optional(),
    errorOnEmpty: z.boolean().default(false),
  }),
  async run(props, context) {
    const listing = await listObjects(await storageClient(props), { ...props, signal: context.signal });
    const files = listing.entries.flatMap((entry) => (entry.file ? [{ file: entry.file, size: entry.blob.size ?? 0 }] : []));
    if (files.length === 0 && props.errorOnEmpty) throw new Error(`No file found to delete under ${props.from}`);
    let count = 0;
    let size = 0;
    const queue = [...files];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        context.signal.throwIfAborted();
        const [deleted] = await deleteObject(next.file);
        if (deleted) {
          count += 1;
          size += next.size;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(props.concurrent ?? DEFAULT_CONCURRENCY, Math.max(files.length, 1)) }, worker));
    context.log('INFO', `Deleted ${count} files (${size} bytes) under ${props.from}`);
    return { count, size };
  },
});
