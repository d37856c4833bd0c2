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
import { StorageFileNotFound, type InternalStorage, type ReadOptions, type StoredFile } from './internal-storage';
import { byteCounter } from './object-keys';
import { ObjectStore } from './object-store';

/** Deletes in flight at once when clearing a folder (Cloud Storage has no batch delete in this client). */
const DELETES_IN_FLIGHT = 16;

export class GcsStorage extends ObjectStore<Bucket> implements InternalStorage {
  /** The variables that choose where the client connects and as whom (Google's library reads the credential one itself). */
  static readonly environment = ['STORAGE_EMULATOR_HOST', 'GOOGLE_APPLICATION_CREDENTIALS'];

  async put(uri: string, content: Readable | AsyncIterable<Uint8Array | string>): Promise<StoredFile> {
    const file = (await this.client()).file(this.keys.keyOf(uri));
    const counter = byteCounter();
    const source = content instanceof ReadableStream ? content : ReadableStream.from(content);
    await pipeline(source, counter, file.createWriteStream({ resumable: true, contentType: 'application/octet-stream' }));
    return { uri, size: counter.bytes };
  }

  async get(uri: string, options: ReadOptions = {}): Promise<Readable> {
    const file = (await this.client()).file(this.keys.keyOf(uri));
    if (options.firstBytes === undefined) return answered(file.createReadStream({ validation: false }), uri);
    // A partial read is small (a preview's first bytes): it is downloaded whole, so a reader that stops
    // early never aborts an HTTP response (in CI, the next request on the aborted response's connection
    // failed with ECONNRESET). The size first: a range beyond an empty object is refused.
    const size = await this.stat(uri);
    if (size === undefined) throw new StorageFileNotFound(uri);
    if (size === 0 || options.firstBytes <= 0) return ReadableStream.from([]);
    const [bytes] = await file.download({ validation: false, start: 0, end: Math.min(size, options.firstBytes) - 1 });
    return ReadableStream.from([bytes]);
  }

  async stat(uri: string): Promise<number | undefined> {
    try {
      const [metadata] = await (await this.client()).file(this.keys.keyOf(uri)).getMetadata();
      return Number(metadata.size ?? 0);
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async list(prefixUri: string): Promise<StoredFile[]> {
    const [objects] = await (await this.client()).getFiles({ prefix: this.keys.folderKeyOf(prefixUri), autoPaginate: true });
    return objects
      .filter((object) => !object.name.endsWith('/'))
      .map((object) => ({ uri: this.keys.uriOf(object.name), size: Number(object.metadata.size ?? 0) }))
      .sort((a, b) => a.uri.localeCompare(b.uri));
  }

  async delete(uri: string): Promise<boolean> {
    if ((await this.stat(uri)) === undefined) return false;
    await (await this.client()).file(this.keys.keyOf(uri)).delete({ ignoreNotFound: true });
    return true;
  }

  async deleteByPrefix(prefixUri: string): Promise<string[]> {
    if (!prefixUri.endsWith('/')) throw new Error(`A folder URI must end with "/": ${prefixUri}`);
    const bucket = await this.client();
    const files = await this.list(prefixUri);
    for (let start = 0; start < files.length; start += DELETES_IN_FLIGHT) {
      await Promise.all(
        files.slice(start, start + DELETES_IN_FLIGHT).map((file) => bucket.file(this.keys.keyOf(file.uri)).delete({ ignoreNotFound: true })),
      );
    }
    return files.map((file) => file.uri);
  }

  protected async openClient(): Promise<Bucket> {
    return (await storageClient({ scopes: [CLOUD_PLATFORM_SCOPE] }, this.env)).bucket(this.location.bucket);
  }
}

/**
 * The read stream once the store has answered its request, so that a missing file fails in get()
 * (as the storage contract says) with one request rather than a metadata lookup before each read.
 * The client sends the request on the first read: read(0) starts it without taking any data.
 */
function answered(stream: Readable, uri: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const onResponse = (response: { statusCode?: number }) => {
      // An error status is followed by the stream's error, which carries the API's message.
      if ((response.statusCode ?? 0) >= 400) return;
      stream.off('error', onError);
      resolve(stream);
    };
    const onError = (error: unknown) => {
      stream.off('response', onResponse);
      reject((error as { code?: number }).code === 404 ? new StorageFileNotFound(uri) : error);
    };
    stream.on('response', onResponse);
    stream.once('error', onError);
    stream.read(0);
  });
}
