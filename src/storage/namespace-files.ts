/**
 * Namespace files: files attached to a namespace (SQL, scripts, configs) that script tasks copy into
 * their working directory with `namespaceFiles: {enabled, include, exclude}`.
 *
 * They live in internal storage where Kestra keeps them: `kestra:///<namespace as path>/_files/<path>`
 * (so with the local backend, `<TFLOW_STORAGE>/company/team/_files/queries/q.sql` for the
 * namespace `company.team`). Put files there with any tool; `putNamespaceFile` does it from code.
 */
import type { Readable } from 'node:stream';
import picomatch from 'picomatch';
import { flowRegex } from '../workflow/expression';
import type { InternalStorage, StoredFile } from './internal-storage';
import { namespaceFilesFolder } from '../workflow/storage/storage-scope';
import { relativeFilePath } from '../workflow/storage/storage-uri';

/** The folder URI of a namespace's files, e.g. `kestra:///company/team/_files/`. */
export function namespaceFilesPrefix(namespace: string): string {
  return namespaceFilesFolder(namespace);
}

export interface NamespaceFile {
  /** Path relative to the namespace's files, `/`-separated (`queries/q.sql`). */
  path: string;
  uri: string;
  size: number;
}

/** Every file of a namespace, sorted by path. */
export async function listNamespaceFiles(storage: InternalStorage, namespace: string): Promise<NamespaceFile[]> {
  const prefix = namespaceFilesPrefix(namespace);
  return (await storage.list(prefix)).map((file) => ({ path: file.uri.slice(prefix.length), uri: file.uri, size: file.size }));
}

/** The URI of a namespace file; `path` is relative to the namespace's files (a leading `/` is allowed). */
export function namespaceFileUri(namespace: string, path: string): string {
  return `${namespaceFilesPrefix(namespace)}${relativeFilePath(path.replace(/^\/+/, ''))}`;
}

export function putNamespaceFile(
  storage: InternalStorage,
  namespace: string,
  path: string,
  content: Readable | AsyncIterable<Uint8Array | string>,
): Promise<StoredFile> {
  return storage.put(namespaceFileUri(namespace, path), content);
}

/**
 * Kestra's include/exclude rules for namespace files: a file is kept when it matches an `include`
 * pattern (all files when there is none) and no `exclude` pattern. Patterns are globs on the path
 * relative to the namespace's files. One that starts with a name (`queries/*.sql`) matches at any
 * depth (Kestra prefixes it with a `**` folder); others (`*.sql`, `/queries/*`) match from the top.
 * `regex:` patterns must match the whole path; `glob:` is the default.
 */
export function namespaceFileFilter(include: string[] = [], exclude: string[] = []): (path: string) => boolean {
  const included = include.length > 0 ? anyOf(include) : () => true;
  const excluded = exclude.length > 0 ? anyOf(exclude) : () => false;
  return (path) => included(path) && !excluded(path);
}

function anyOf(patterns: string[]): (path: string) => boolean {
  const matchers = patterns.map((pattern): ((path: string) => boolean) => {
    if (pattern.startsWith('regex:')) {
      const regex = flowRegex(`^(?:${pattern.slice('regex:'.length)})$`);
      return (path) => regex.test(path) || regex.test(`/${path}`);
    }
    let glob = pattern.replace(/^glob:/, '');
    if (/^\w/.test(glob)) glob = `**/${glob}`;
    return picomatch(glob.replace(/^\/+/, ''), { dot: true });
  });
  return (path) => matchers.some((matches) => matches(path));
}
