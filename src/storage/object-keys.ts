/**
 * What the object-store backends (S3, Cloud Storage) share: the mapping between `kestra:///…` URIs
 * and object keys under a prefix, and a byte count of what a stream carried.
 *
 * `TFLOW_STORAGE=s3://bucket/tflow` keeps `kestra:///company/team/f/x.csv` at the key
 * `tflow/company/team/f/x.csv`. storageKey() has already refused `..` and other escapes, so a URI
 * never names a key outside the prefix.
 */
import { Transform } from 'node:stream';
import { STORAGE_SCHEME, storageKey } from '../workflow/storage/storage-uri';

export interface ObjectLocation {
  bucket: string;
  /** '' or a folder ending in '/'. */
  prefix: string;
}

/**
 * Cloud Storage's bucket-name rule (3 to 222 characters of lowercase letters, digits, `.`, `_`, `-`,
 * starting and ending with a letter or digit). Every S3 bucket name passes it too: the store itself
 * refuses the names its own stricter rule forbids.
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** `gs://bucket/rest` (or `s3://…`) → { bucket, path: 'rest' or '' }; undefined unless the URI has that shape and a valid bucket name. */
export function parseBucketUri(uri: string, scheme: 's3' | 'gs'): { bucket: string; path: string } | undefined {
  const match = new RegExp(`^${scheme}://([^/]+)(?:/(.*))?$`, 's').exec(uri.trim());
  if (!match || !BUCKET_NAME.test(match[1])) return undefined;
  return { bucket: match[1], path: match[2] ?? '' };
}

/** `s3://bucket/some/prefix` → { bucket, prefix: 'some/prefix/' } for the given scheme. */
export function parseObjectLocation(setting: string, scheme: 's3' | 'gs'): ObjectLocation {
  const parsed = parseBucketUri(setting, scheme);
  if (!parsed) throw new Error(`TFLOW_STORAGE=${setting}: expected ${scheme}://<bucket>[/<prefix>] with a valid bucket name`);
  const folders = parsed.path.split('/').filter((part) => part !== '');
  if (folders.some((part) => part === '.' || part === '..')) throw new Error(`TFLOW_STORAGE=${setting}: the prefix may not hold "." or ".."`);
  return { bucket: parsed.bucket, prefix: folders.length ? `${folders.join('/')}/` : '' };
}

export class ObjectKeys {
  constructor(readonly prefix: string) {}

  /** The object key of a file URI. */
  keyOf(uri: string): string {
    return `${this.prefix}${storageKey(uri)}`;
  }

  /** The key prefix of a folder URI (ending in '/'), for listing and deleting. */
  folderKeyOf(prefixUri: string): string {
    return `${this.keyOf(prefixUri)}/`.replace(/\/+$/, '/');
  }

  uriOf(key: string): string {
    return `${STORAGE_SCHEME}/${key.slice(this.prefix.length)}`;
  }
}

/** A pass-through stream that counts the bytes it carries (the stored file's size, without a second request). */
export function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      counter.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}
