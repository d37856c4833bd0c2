/**
 * Internal storage in an S3 bucket (`TFLOW_STORAGE=s3://bucket/prefix`), for workers on several
 * hosts: every worker and the API read and write the same files.
 *
 * Credentials and region come from the AWS SDK's standard chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE,
 * instance roles; AWS_REGION). `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` points it at an
 * S3-compatible store (path-style addressing then, as those stores expect). Uploads stream in
 * multipart parts, so memory stays flat whatever the file size; an object appears only once the
 * upload completes, and a failed upload leaves no part behind.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { StorageFileNotFound, type InternalStorage, type StoredFile } from './internal-storage';
import { byteCounter, ObjectKeys, type ObjectLocation } from './object-keys';

/** Parts of 8 MiB, 4 in flight: at most ~32 MiB of a file in memory. */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
/** DeleteObjects takes at most 1,000 keys per request. */
const DELETE_BATCH = 1000;

export class S3Storage implements InternalStorage {
  private readonly keys: ObjectKeys;
  private client?: Promise<S3Client>;

  constructor(
    readonly location: ObjectLocation,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.keys = new ObjectKeys(location.prefix);
  }

  async put(uri: string, content: Readable | AsyncIterable<Uint8Array | string>): Promise<StoredFile> {
    const key = this.keys.keyOf(uri);
    const { Upload } = await import('@aws-sdk/lib-storage');
    const counter = byteCounter();
    // A failing source destroys the counter, which fails the upload (and aborts its parts).
    pipeline(content instanceof Readable ? content : Readable.from(content), counter, () => undefined);
    const upload = new Upload({
      client: await this.s3(),
      params: { Bucket: this.location.bucket, Key: key, Body: counter },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    await upload.done();
    return { uri, size: counter.bytes };
  }

  async get(uri: string): Promise<Readable> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const object = await (await this.s3()).send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.keys.keyOf(uri) }));
      // In Node the body is the HTTP response stream itself.
      return object.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new StorageFileNotFound(uri);
      throw error;
    }
  }

  async stat(uri: string): Promise<number | undefined> {
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const head = await (await this.s3()).send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.keys.keyOf(uri) }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(prefixUri: string): Promise<StoredFile[]> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const client = await this.s3();
    const files: StoredFile[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.keys.folderKeyOf(prefixUri), ContinuationToken: continuationToken }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key && !object.Key.endsWith('/')) files.push({ uri: this.keys.uriOf(object.Key), size: object.Size ?? 0 });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return files.sort((a, b) => a.uri.localeCompare(b.uri));
  }

  async delete(uri: string): Promise<boolean> {
    if ((await this.stat(uri)) === undefined) return false;
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await (await this.s3()).send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.keys.keyOf(uri) }));
    return true;
  }

  async deleteByPrefix(prefixUri: string): Promise<string[]> {
    if (!prefixUri.endsWith('/')) throw new Error(`A folder URI must end with "/": ${prefixUri}`);
    const { DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
    const client = await this.s3();
    const files = await this.list(prefixUri);
    for (let start = 0; start < files.length; start += DELETE_BATCH) {
      const batch = files.slice(start, start + DELETE_BATCH).map((file) => ({ Key: this.keys.keyOf(file.uri) }));
      const result = await client.send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch, Quiet: true } }));
      const failed = result.Errors?.[0];
      if (failed) throw new Error(`Could not delete s3://${this.location.bucket}/${failed.Key}: ${failed.Code} ${failed.Message}`);
    }
    return files.map((file) => file.uri);
  }

  /** The client, built on first use: workers on local storage never load the AWS SDK. */
  private s3(): Promise<S3Client> {
    this.client ??= import('@aws-sdk/client-s3').then(({ S3Client }) => {
      const endpoint = this.env.AWS_ENDPOINT_URL_S3 || this.env.AWS_ENDPOINT_URL;
      const region = this.env.AWS_REGION || this.env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined);
      return new S3Client({
        ...(region ? { region } : {}),
        ...(endpoint
          ? {
              endpoint,
              forcePathStyle: true,
              // S3-compatible stores do not all know the newer checksum headers: send them only where S3 requires one.
              requestChecksumCalculation: 'WHEN_REQUIRED',
              responseChecksumValidation: 'WHEN_REQUIRED',
            }
          : {}),
      });
    });
    return this.client;
  }
}

function isNotFound(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure?.name === 'NoSuchKey' || failure?.name === 'NotFound' || failure?.$metadata?.httpStatusCode === 404;
}
