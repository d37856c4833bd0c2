/**
 * Internal storage as one execution's tasks see it: reads limited to what the execution may read
 * (./storage-scope.ts), writes and deletes to its own files. Every task (read(), inputFiles, CopyIn
 * `from`, HTTP upload sources, the storage tasks) gets this view, so the rule lives in one place.
 */
import type { Readable } from 'node:stream';
import { storeLocalFile, type InternalStorage, type ReadOptions, type StoredFile } from './internal-storage';
import { checkReadable, checkWritable, type StorageScope } from '../workflow/storage/storage-scope';

export function scopedStorage(storage: InternalStorage, scope: StorageScope & { executionId: string }): InternalStorage {
  return {
    put: async (uri: string, content: Readable | AsyncIterable<Uint8Array | string>): Promise<StoredFile> =>
      storage.put(checkWritable(uri, scope), content),
    putLocalFile: async (uri: string, path: string): Promise<StoredFile> => storeLocalFile(storage, checkWritable(uri, scope), path),
    get: async (uri: string, options?: ReadOptions) => storage.get(checkReadable(uri, scope), options),
    stat: async (uri: string) => storage.stat(checkReadable(uri, scope)),
    list: async (prefixUri: string) => storage.list(checkReadable(prefixUri, scope, 'folder')),
    delete: async (uri: string) => storage.delete(checkWritable(uri, scope)),
    deleteByPrefix: async (prefixUri: string) => storage.deleteByPrefix(checkWritable(prefixUri, scope)),
  };
}
