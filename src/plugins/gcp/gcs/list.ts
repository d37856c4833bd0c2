import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { gcpConnectionProperties, storageClient } from '../connection';
import { LIST_FILTERS, listingProperties, listObjects } from './blobs';

/**
 * `io.kestra.plugin.gcp.gcs.List`: the objects (and, in a DIRECTORY listing, sub-directories) under
 * `from`. Outputs `blobs`, Kestra's Blob model (`uri`, `name`, `size`, `isDirectory`, …).
 */
export const gcsListTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.gcs.List',
  title: 'List Cloud Storage objects.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    ...listingProperties,
    filter: z.enum(LIST_FILTERS).default('BOTH'),
  }),
  async run(props, context) {
    const listing = await listObjects(await storageClient(props), { ...props, signal: context.signal });
    context.log('INFO', `Found ${listing.entries.length} entries under ${props.from}`);
    return { blobs: listing.entries.map((entry) => entry.blob) };
  },
});
