/**
 * Internal storage in a Cloud Storage bucket (`TFLOW_STORAGE=gs://bucket/prefix`), for workers on
 * several hosts. Credentials are Google's Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the metadata server); with STORAGE_EMULATOR_HOST set the
 * client talks to that emulator without credentials (src/plugins/gcp/connection.ts builds the client
 * the GCS tasks use too). Uploads stream; an object appears only once its upload completes.
 */
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Bucket } from '@google-cloud/storage';
import { CLOUD_PLATFORM_SCOPE, storageClient } from '../plugins/gcp/connection';
import { StorageFileNotFound, type InternalStorage, type StoredFile } from './internal-storage';
import { byteCounter, ObjectKeys, type ObjectLocation } from './object-keys';

/** Deletes in flight at once when clearing a folder (Cloud Storage has no batch delete in this client). */
const DELETES_IN_FLIGHT = 16;

export class GcsStorage implements InternalStorage {
  private readonly keys: ObjectKeys;
  private client?: Promise<Bucket>;

  constructor(
    readonly location: ObjectLocation,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.keys = new ObjectKeys(location.prefix);
  }

  async put(uri: string, content: Readable | AsyncIterable<Uint8Array | string>): Promise<StoredFile> {
    const file = (await this.bucket()).file(this.keys.keyOf(uri));
    const counter = byteCounter();
    const source = content instanceof ReadableStream ? content : ReadableStream.from(content);
    await pipeline(source, counter, file.createWriteStream({ resumable: true, contentType: 'application/octet-stream' }));
    return { uri, size: counter.bytes };
  }

  async get(uri: string): Promise<Readable> {
    // Asked first so that a missing file fails here, not later inside the returned stream.
    if ((await this.stat(uri)) === undefined) throw new StorageFileNotFound(uri);
    return (await this.bucket()).file(this.keys.keyOf(uri)).createReadStream({ validation: false });
  }

  async stat(uri: string): Promise<number | undefined> {
    try {
      const [metadata] = await (await this.bucket()).file(this.keys.keyOf(uri)).getMetadata();
      return Number(metadata.size ?? 0);
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async list(prefixUri: string): Promise<StoredFile[]> {
    const [objects] = await (await this.bucket()).getFiles({ prefix: this.keys.folderKeyOf(prefixUri), autoPaginate: true });
    return objects
      .filter((object) => !object.name.endsWith('/'))
      .map((object) => ({ uri: this.keys.uriOf(object.name), size: Number(object.metadata.size ?? 0) }))
      .sort((a, b) => a.uri.localeCompare(b.uri));
  }

  async delete(uri: string): Promise<boolean> {
    if ((await this.stat(uri)) === undefined) return false;
    await (await this.bucket()).file(this.keys.keyOf(uri)).delete({ ignoreNotFound: true });
    return true;
  }

  async deleteByPrefix(prefixUri: string): Promise<string[]> {
    if (!prefixUri.endsWith('/')) throw new Error(`A folder URI must end with "/": ${prefixUri}`);
    const bucket = await this.bucket();
    const files = await this.list(prefixUri);
    for (let start = 0; start < files.length; start += DELETES_IN_FLIGHT) {
      await Promise.all(
        files.slice(start, start + DELETES_IN_FLIGHT).map((file) => bucket.file(this.keys.keyOf(file.uri)).delete({ ignoreNotFound: true })),
      );
    }
    return files.map((file) => file.uri);
  }

  /** The bucket, its client built on first use: workers on local storage never load Google's library. */
  private bucket(): Promise<Bucket> {
    this.client ??= storageClient({ scopes: [CLOUD_PLATFORM_SCOPE] }, this.env).then((storage) => storage.bucket(this.location.bucket));
    return this.client;
  }
}
