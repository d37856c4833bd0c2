/**
 * Picks the internal-storage backend from the configuration (TFLOW_STORAGE): `s3://bucket/prefix`,
 * `gs://bucket/prefix`, or a local directory (a path or `file://` URL, the default).
 */
import { createHash } from 'node:crypto';
import type { TflowConfig } from '../config';
import { GcsStorage } from './gcs-storage';
import type { InternalStorage } from './internal-storage';
import { LocalDirectoryStorage } from './local-storage';
import { parseObjectLocation } from './object-keys';
import { S3Storage } from './s3-storage';

export * from './internal-storage';
export * from '../workflow/storage/storage-uri';
export * from './namespace-files';
export * from '../workflow/storage/storage-scope';
export { scopedStorage } from './scoped-storage';
export { localFilePath, uploadLocalFileInputs } from './input-files';
export { LocalDirectoryStorage } from './local-storage';
export { S3Storage } from './s3-storage';
export { GcsStorage } from './gcs-storage';

/**
 * One backend per setting and environment, so that its client and connections are shared by every
 * caller. The configuration holds only the setting: an object store's endpoint (or emulator),
 * region and credentials come from the environment, so those variables are part of the key too, and
 * a process that changes them (a test pointing at a fresh emulator) gets a backend that uses them.
 * The key is a digest: credentials are not kept in another place in clear.
 */
const backends = new Map<string, InternalStorage>();

export function storageFromConfig(config: Pick<TflowConfig, 'storage'>, env: NodeJS.ProcessEnv = process.env): InternalStorage {
  const scheme = schemeOf(config.storage);
  const variables = scheme === 's3' ? S3Storage.environment : scheme === 'gs' ? GcsStorage.environment : [];
  const clientEnv = Object.fromEntries(variables.map((name) => [name, env[name]]));
  const key = createHash('sha256')
    .update(JSON.stringify([config.storage, clientEnv]))
    .digest('hex');
  let backend = backends.get(key);
  if (!backend) {
    backend = openStorage(config.storage, scheme, clientEnv);
    backends.set(key, backend);
  }
  return backend;
}

function schemeOf(setting: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(setting)?.[1]?.toLowerCase();
}

function openStorage(setting: string, scheme: string | undefined, clientEnv: NodeJS.ProcessEnv): InternalStorage {
  if (scheme === 's3') return new S3Storage(parseObjectLocation(setting, 's3'), clientEnv);
  if (scheme === 'gs') return new GcsStorage(parseObjectLocation(setting, 'gs'), clientEnv);
  if (scheme === undefined || scheme === 'file') return new LocalDirectoryStorage(setting.replace(/^file:\/\//i, ''));
  throw new Error(`TFLOW_STORAGE=${setting}: internal storage is a local directory, s3://bucket[/prefix] or gs://bucket[/prefix]`);
}
