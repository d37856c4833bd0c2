/**
 * Picks the internal-storage backend from the configuration (TFLOW_STORAGE): a local directory
 * unless it is an `s3://` URL (not implemented yet: refused with a clear message).
 */
import type { TflowConfig } from '../config';
import type { InternalStorage } from './internal-storage';
import { LocalDirectoryStorage } from './local-storage';

export * from './internal-storage';
export * from '../workflow/storage/storage-uri';
export * from './namespace-files';
export * from '../workflow/storage/storage-scope';
export { scopedStorage } from './scoped-storage';
export { localFilePath, uploadLocalFileInputs } from './input-files';
export { LocalDirectoryStorage } from './local-storage';

export function storageFromConfig(config: Pick<TflowConfig, 'storage'>): InternalStorage {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(config.storage) && !config.storage.startsWith('file://')) {
    throw new Error(`TFLOW_STORAGE=${config.storage}: only a local directory is supported for internal storage so far`);
  }
  return new LocalDirectoryStorage(config.storage.replace(/^file:\/\//, ''));
}
