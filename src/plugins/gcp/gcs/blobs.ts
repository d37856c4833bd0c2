/**
 * GCS objects as Kestra's `Blob` output model, and the listing that List, Downloads and DeleteList
 * share (`from`, `listingType`, `filter`, `regExp`, `allVersions`).
 */
import type { Bucket, File, Storage } from '@google-cloud/storage';
import { z } from 'zod';
import { flowRegex } from '../../../workflow/expression';
import { gsUri, parseGsUri } from '../connection';

/** Kestra's `io.kestra.plugin.gcp.gcs.models.Blob`, as far as the JSON API gives it. */
export interface BlobOutput {
  uri: string;
  bucket: string;
  name: string;
  isDirectory: boolean;
  size?: number;
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  etag?: string;
  md5?: string;
  crc32c?: string;
  generatedId?: string;
  generation?: number;
  metaGeneration?: number;
  storageClass?: string;
  mediaLink?: string;
  selfLink?: string;
  createTime?: string;
  updateTime?: string;
  metadata?: Record<string, string>;
}

const asNumber = (value: unknown): number | undefined => (value === undefined || value === null || value === '' ? undefined : Number(value));
const asString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A file's metadata (as the JSON API returns it) as a Blob; absent fields are left out. */
export function blobOutput(file: File): BlobOutput {
  const m = file.metadata;
  const entries: Record<string, unknown> = {
    uri: gsUri(file.bucket.name, file.name),
    bucket: file.bucket.name,
    name: file.name,
    isDirectory: file.name.endsWith('/'),
    size: asNumber(m.size),
    contentType: asString(m.contentType),
    contentEncoding: asString(m.contentEncoding),
    contentDisposition: asString(m.contentDisposition),
    contentLanguage: asString(m.contentLanguage),
    cacheControl: asString(m.cacheControl),
    etag: asString(m.etag),
    md5: asString(m.md5Hash),
    crc32c: asString(m.crc32c),
    generatedId: asString(m.id),
    generation: asNumber(m.generation),
    metaGeneration: asNumber(m.metageneration),
    storageClass: asString(m.storageClass),
    mediaLink: asString(m.mediaLink),
    selfLink: asString(m.selfLink),
    createTime: asString(m.timeCreated),
    updateTime: asString(m.updated),
    metadata: m.metadata && Object.keys(m.metadata).length > 0 ? m.metadata : undefined,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as unknown as BlobOutput;
}

/** A "directory" of a DIRECTORY listing (a common prefix): no object behind it. */
function directoryOutput(bucket: string, prefix: string): BlobOutput {
  return { uri: gsUri(bucket, prefix), bucket, name: prefix, isDirectory: true };
}

export const LISTING_TYPES = ['DIRECTORY', 'RECURSIVE'] as const;
export const LIST_FILTERS = ['FILES', 'DIRECTORY', 'BOTH'] as const;

/** The listing properties of List, Downloads and DeleteList. */
export const listingProperties = {
  from: z.string().min(1),
  allVersions: z.boolean().optional(),
  listingType: z.enum(LISTING_TYPES).default('DIRECTORY'),
  /** Matched against the whole `gs://bucket/name` (Java's `String.matches`), on RE2. */
  regExp: z.string().optional(),
};

export interface ListingOptions {
  from: string;
  allVersions?: boolean;
  listingType: (typeof LISTING_TYPES)[number];
  filter?: (typeof LIST_FILTERS)[number];
  regExp?: string;
  /** Stop after this many matching entries. */
  limit?: number;
  signal?: AbortSignal;
}

export interface Listing {
  bucket: Bucket;
  /** Matching objects (with their File handles) and, in a DIRECTORY listing, sub-directories. */
  entries: { blob: BlobOutput; file?: File }[];
}

/**
 * Lists `from` (a `gs://bucket/prefix`): DIRECTORY lists the objects directly under the prefix and
 * its sub-directories, RECURSIVE every object under it. An object named exactly like a
 * `…/` prefix (a folder placeholder) is the folder itself, not part of its content.
 */
export async function listObjects(storage: Storage, options: ListingOptions): Promise<Listing> {
  const { bucket: bucketName, name: prefix } = parseGsUri(options.from, 'from');
  const bucket = storage.bucket(bucketName);
  const matches = options.regExp === undefined ? () => true : (uri: string) => flowRegex(options.regExp as string).testExact(uri);
  const wants = (isDirectory: boolean) =>
    options.filter === undefined || options.filter === 'BOTH' || (options.filter === 'DIRECTORY') === isDirectory;
  const entries: Listing['entries'] = [];
  const full = () => options.limit !== undefined && entries.length >= options.limit;

  let pageToken: string | undefined;
  do {
    options.signal?.throwIfAborted();
    const [files, next, response] = await bucket.getFiles({
      prefix,
      autoPaginate: false,
      maxResults: 1000,
      pageToken,
      ...(options.listingType === 'DIRECTORY' ? { delimiter: '/' } : {}),
      ...(options.allVersions ? { versions: true } : {}),
    });
    for (const file of files) {
      if (full()) break;
      if (file.name === prefix && prefix.endsWith('/')) continue;
      const blob = blobOutput(file);
      if (wants(blob.isDirectory) && matches(blob.uri)) entries.push({ blob, file });
    }
    for (const directory of ((response as { prefixes?: string[] } | undefined)?.prefixes ?? []).sort()) {
      if (full()) break;
      const blob = directoryOutput(bucketName, directory);
      if (wants(true) && matches(blob.uri)) entries.push({ blob });
    }
    pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
  } while (pageToken && !full());
  return { bucket, entries };
}
