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

/** One entry of a namespace-files folder, as Kestra's FileAttributes: a file with its size, or a folder. */
export interface NamespaceEntry {
  fileName: string;
  type: 'File' | 'Directory';
  size: number;
}

/** The folder URI of `path` among a namespace's files (`''` or `/` is the top). */
function namespaceFolderUri(namespace: string, path: string): string {
  return path.replace(/^\/+|\/+$/g, '') === '' ? namespaceFilesPrefix(namespace) : `${namespaceFileUri(namespace, path)}/`;
}

/**
 * What a folder of a namespace's files holds, folders first then files, each sorted by name; undefined
 * when nothing is stored under it (internal storage has no empty folders). The top always exists.
 */
export async function namespaceDirectory(storage: InternalStorage, namespace: string, path: string): Promise<NamespaceEntry[] | undefined> {
  const folder = namespaceFolderUri(namespace, path);
  const files = await storage.list(folder);
  if (files.length === 0 && folder !== namespaceFilesPrefix(namespace)) return undefined;
  const folders = new Map<string, number>();
  const entries: NamespaceEntry[] = [];
  for (const file of files) {
    const [name, ...rest] = file.uri.slice(folder.length).split('/');
    if (rest.length === 0) entries.push({ fileName: name, type: 'File', size: file.size });
    else folders.set(name, (folders.get(name) ?? 0) + file.size);
  }
  const directories = [...folders].map(([fileName, size]): NamespaceEntry => ({ fileName, type: 'Directory', size }));
  return [...directories.sort(byName), ...entries.sort(byName)];
}

function byName(a: NamespaceEntry, b: NamespaceEntry): number {
  return a.fileName.localeCompare(b.fileName);
}

/** A file's or folder's entry; undefined when neither exists. */
export async function namespaceEntry(storage: InternalStorage, namespace: string, path: string): Promise<NamespaceEntry | undefined> {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed !== '') {
    const size = await storage.stat(namespaceFileUri(namespace, trimmed));
    if (size !== undefined) return { fileName: trimmed.split('/').pop()!, type: 'File', size };
  }
  const files = await storage.list(namespaceFolderUri(namespace, trimmed));
  if (files.length === 0 && trimmed !== '') return undefined;
  return { fileName: trimmed.split('/').pop() ?? '', type: 'Directory', size: files.reduce((sum, file) => sum + file.size, 0) };
}

/**
 * Moves a file, or every file of a folder, to `to` (a new name: nothing may exist there). Returns
 * how many files moved; 0 when `from` does not exist.
 */
export async function moveNamespaceFiles(storage: InternalStorage, namespace: string, from: string, to: string): Promise<number> {
  const source = await namespaceEntry(storage, namespace, from);
  if (!source) return 0;
  if (await namespaceEntry(storage, namespace, to)) throw new NamespaceFileConflict(`${to} already exists`);
  if (source.type === 'File') {
    await copyThenDelete(storage, namespaceFileUri(namespace, from), namespaceFileUri(namespace, to));
    return 1;
  }
  const fromFolder = namespaceFolderUri(namespace, from);
  const toFolder = namespaceFolderUri(namespace, to);
  if (toFolder.startsWith(fromFolder)) throw new NamespaceFileConflict(`Cannot move ${from} into itself (${to})`);
  const files = await storage.list(fromFolder);
  for (const file of files) await copyThenDelete(storage, file.uri, `${toFolder}${file.uri.slice(fromFolder.length)}`);
  return files.length;
}

async function copyThenDelete(storage: InternalStorage, from: string, to: string): Promise<void> {
  await storage.put(to, await storage.get(from));
  await storage.delete(from);
}

/** Deletes a file, or a folder with everything under it. Returns the paths deleted (relative to the namespace's files). */
export async function deleteNamespaceFiles(storage: InternalStorage, namespace: string, path: string): Promise<string[]> {
  const prefix = namespaceFilesPrefix(namespace);
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') throw new Error('Refusing to delete every file of the namespace: name a file or folder');
  const uri = namespaceFileUri(namespace, trimmed);
  if (await storage.delete(uri)) return [uri.slice(prefix.length)];
  return (await storage.deleteByPrefix(`${uri}/`)).map((deleted) => deleted.slice(prefix.length));
}

export class NamespaceFileConflict extends Error {
  override name = 'NamespaceFileConflict';
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
