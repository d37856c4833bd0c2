/**
 * The internal-storage port: where task files live between tasks (`kestra:///…` URIs).
 *
 * Everything streams: a 700 MB taxi CSV goes through here without ever being held in memory.
 * The local-directory backend is the default; an S3-compatible backend can implement the same port
 * for workers on several hosts.
 */
import type { Readable } from 'node:stream';

export interface StoredFile {
  uri: string;
  /** Size in bytes. */
  size: number;
}

export interface InternalStorage {
  /** Writes `content` at `uri` (replacing any file there); the file appears only once complete. */
  put(uri: string, content: Readable | AsyncIterable<Uint8Array | string>): Promise<StoredFile>;
  /** Opens the file for reading; fails with StorageFileNotFound when there is none. */
  get(uri: string): Promise<Readable>;
  /** Size in bytes, or undefined when there is no such file. */
  stat(uri: string): Promise<number | undefined>;
  /** Every file under a folder URI (ending in `/`), sorted. */
  list(prefixUri: string): Promise<StoredFile[]>;
  /** Deletes one file; false when there was none. */
  delete(uri: string): Promise<boolean>;
  /** Deletes every file under a folder URI; returns the URIs of the deleted files. */
  deleteByPrefix(prefixUri: string): Promise<string[]>;
}

export class StorageFileNotFound extends Error {
  override name = 'StorageFileNotFound';
  constructor(readonly uri: string) {
    super(`File not found in internal storage: ${uri}`);
  }
}
