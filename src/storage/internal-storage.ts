/**
 * The internal-storage port: where task files live between tasks (`kestra:///…` URIs).
 *
 * Everything streams: a 700 MB taxi CSV goes through here without ever being held in memory.
 * The local-directory backend is the default; an S3-compatible backend can implement the same port
 * for workers on several hosts.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

export interface StoredFile {
  uri: string;
  /** Size in bytes. */
  size: number;
}

export interface InternalStorage {
  /** Writes `content` at `uri` (replacing any file there); the file appears only once complete. */
  put(uri: string, content: Readable | AsyncIterable<Uint8Array | string>): Promise<StoredFile>;
  /**
   * Optional: stores the complete local file at `path` as `uri`, taking it over: the caller deletes
   * it afterwards anyway (a task's working directory). A backend on the same filesystem moves it
   * instead of copying its bytes; storeLocalFile() falls back to put() for the others.
   */
  putLocalFile?(uri: string, path: string): Promise<StoredFile>;
  /**
   * Opens the file for reading; fails with StorageFileNotFound when there is none. With `firstBytes`
   * (at least 1), only the file's start is sent: a preview reads its bound to the end instead of
   * hanging up on a download half-way.
   */
  get(uri: string, options?: ReadOptions): Promise<Readable>;
  /** Size in bytes, or undefined when there is no such file. */
  stat(uri: string): Promise<number | undefined>;
  /** Every file under a folder URI (ending in `/`), sorted. */
  list(prefixUri: string): Promise<StoredFile[]>;
  /** Deletes one file; false when there was none. */
  delete(uri: string): Promise<boolean>;
  /** Deletes every file under a folder URI; returns the URIs of the deleted files. */
  deleteByPrefix(prefixUri: string): Promise<string[]>;
}

/** Stores a local file its caller is done with: moved when the backend can, streamed otherwise. */
export function storeLocalFile(storage: InternalStorage, uri: string, path: string): Promise<StoredFile> {
  return storage.putLocalFile ? storage.putLocalFile(uri, path) : storage.put(uri, createReadStream(path));
}

export interface ReadOptions {
  firstBytes?: number;
}

export class StorageFileNotFound extends Error {
  override name = 'StorageFileNotFound';
  constructor(readonly uri: string) {
    super(`File not found in internal storage: ${uri}`);
  }
}
