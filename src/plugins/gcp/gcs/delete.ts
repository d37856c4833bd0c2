import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { gcpConnectionProperties, gsUri, parseGsUri, storageClient } from '../connection';

/**
 * `io.kestra.plugin.gcp.gcs.Delete`: deletes one object (`uri`). A missing object is fine unless
 * `errorOnMissing`. Outputs `uri` and `deleted`.
 */
export const gcsDeleteTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.gcs.Delete',
  title: 'Delete a Cloud Storage object.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    uri: z.string().min(1),
    errorOnMissing: z.boolean().default(false),
  }),
  async run(props, context) {
    const target = parseGsUri(props.uri, 'uri');
    if (target.name === '') throw new Error(`uri must name an object, not a bucket: '${props.uri}'`);
    const storage = await storageClient(props);
    const [deleted] = await deleteObject(storage.bucket(target.bucket).file(target.name));
    const uri = gsUri(target.bucket, target.name);
    if (!deleted && props.errorOnMissing) throw new Error(`Unable to find file '${uri}'`);
    context.log('INFO', deleted ? `Deleted ${uri}` : `${uri} did not exist`);
    return { uri, deleted };
  },
});

/** Deletes the file; [false] when there was none. */
export async function deleteObject(file: { delete(): Promise<unknown> }): Promise<[boolean]> {
  try {
    await file.delete();
    return [true];
  } catch (error) {
    if ((error as { code?: number }).code === 404) return [false];
    throw error;
  }
}
