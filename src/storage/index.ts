/**
 * Picks the internal-storage backend from the configuration (TFLOW_STORAGE): `s3://bucket/prefix`,
 * `gs://bucket/prefix`, or a local directory (a path or `file://` URL, the default).
 */
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

/** One backend per setting, so that its client and connections are shared by every caller. */
const backends = new Map<string, InternalStorage>();

export function storageFromConfig(config: Pick<TflowConfig, 'storage'>): InternalStorage {
  let backend = backends.get(config.storage);
  if (!backend) {
    backend = openStorage(config.storage);
    backends.set(config.storage, backend);
  }
  return backend;
}

function openStorage(setting: string): InternalStorage {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(setting)?.[1]?.toLowerCase();
  if (scheme === 's3') return new S3Storage(parseObjectLocation(setting, 's3'));
  if (scheme === 'gs') return new GcsStorage(parseObjectLocation(setting, 'gs'));
  if (scheme === undefined || scheme === 'file') return new LocalDirectoryStorage(setting.replace(/^file:\/\//i, ''));
  throw new Error(`TFLOW_STORAGE=${setting}: internal storage is a local directory, s3://bucket[/prefix] or gs://bucket[/prefix]`);
}
