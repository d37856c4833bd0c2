import type { Bucket, CreateBucketRequest } from '@google-cloud/storage';
import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { gcpConnectionProperties, storageClient } from '../connection';

const STORAGE_CLASSES = ['REGIONAL', 'MULTI_REGIONAL', 'NEARLINE', 'COLDLINE', 'STANDARD', 'ARCHIVE', 'DURABLE_REDUCED_AVAILABILITY'] as const;

/** Bucket names as Cloud Storage accepts them (the dotted form may be longer, per dot-separated part). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/**
 * `io.kestra.plugin.gcp.gcs.CreateBucket`: creates a bucket; when it exists, `ifExists` says
 * whether that fails the task (ERROR, Kestra's default), updates its settings (UPDATE) or is
 * accepted as it is (SKIP). Outputs `bucket` (its metadata), `bucketUri`, `created`, `updated`.
 */
export const gcsCreateBucketTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.gcs.CreateBucket',
  title: 'Create a Cloud Storage bucket.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    // Checked in run(), once rendered: the course gives it as "{{kv('GCP_BUCKET_NAME')}}".
    name: z.string().min(1),
    ifExists: z.enum(['ERROR', 'UPDATE', 'SKIP']).default('ERROR'),
    storageClass: z.enum(STORAGE_CLASSES).optional(),
    location: z.string().min(1).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    versioningEnabled: z.boolean().optional(),
    requesterPays: z.boolean().optional(),
    defaultEventBasedHold: z.boolean().optional(),
    defaultKmsKeyName: z.string().optional(),
    indexPage: z.string().optional(),
    notFoundPage: z.string().optional(),
  }),
  async run(props, context) {
    if (!BUCKET_NAME.test(props.name)) {
      throw new Error(`name must be a valid bucket name (3 to 222 lower-case letters, digits, -, _ and .), got '${props.name}'`);
    }
    const storage = await storageClient(props);
    const bucket = storage.bucket(props.name);
    const settings: CreateBucketRequest = {
      ...(props.storageClass ? { storageClass: props.storageClass } : {}),
      ...(props.location ? { location: props.location } : {}),
      ...(props.labels ? { labels: props.labels } : {}),
      ...(props.versioningEnabled !== undefined ? { versioning: { enabled: props.versioningEnabled } } : {}),
      ...(props.requesterPays !== undefined ? { billing: { requesterPays: props.requesterPays } } : {}),
      ...(props.defaultEventBasedHold !== undefined ? { defaultEventBasedHold: props.defaultEventBasedHold } : {}),
      ...(props.defaultKmsKeyName ? { encryption: { defaultKmsKeyName: props.defaultKmsKeyName } } : {}),
      ...(props.indexPage || props.notFoundPage
        ? {
            website: {
              ...(props.indexPage ? { mainPageSuffix: props.indexPage } : {}),
              ...(props.notFoundPage ? { notFoundPage: props.notFoundPage } : {}),
            },
          }
        : {}),
    };
    const [exists] = await bucket.exists();
    if (!exists) {
      const [created] = await storage.createBucket(props.name, settings);
      context.log('INFO', `Created bucket gs://${props.name}`);
      return bucketOutputs(created, { created: true, updated: false });
    }
    if (props.ifExists === 'ERROR') throw new Error(`Bucket '${props.name}' already exists (set ifExists: SKIP or UPDATE to accept it)`);
    if (props.ifExists === 'UPDATE') {
      // Location and storage class are fixed at creation in Cloud Storage: only the other settings change.
      const { location: _location, ...changes } = settings;
      await bucket.setMetadata(changes);
      context.log('INFO', `Bucket gs://${props.name} exists: updated its settings`);
      return bucketOutputs(bucket, { created: false, updated: true });
    }
    context.log('INFO', `Bucket gs://${props.name} exists: skipped`);
    return bucketOutputs(bucket, { created: false, updated: false });
  },
});

async function bucketOutputs(bucket: Bucket, flags: { created: boolean; updated: boolean }): Promise<Record<string, unknown>> {
  const [metadata] = await bucket.getMetadata();
  const described = {
    name: metadata.name,
    location: metadata.location,
    storageClass: metadata.storageClass,
    labels: metadata.labels,
    versioningEnabled: metadata.versioning?.enabled ?? false,
    requesterPays: metadata.billing?.requesterPays ?? false,
    createTime: metadata.timeCreated,
    updateTime: metadata.updated,
    selfLink: metadata.selfLink,
  };
  const bucketOutput = Object.fromEntries(Object.entries(described).filter(([, value]) => value !== undefined));
  return { bucket: bucketOutput, bucketUri: `gs://${bucket.name}`, ...flags };
}
