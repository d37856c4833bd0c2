/**
 * Internal-storage URIs, laid out as Kestra lays them out:
 * `kestra:///<namespace as path>/<flowId>/executions/<executionId>/tasks/<taskId>/<taskRunId>/<file>`.
 *
 * The namespace `company.team` becomes the folders `company/team`. A URI names a file relative to
 * the storage root; backends map it onto their own keys.
 */

export const STORAGE_SCHEME = 'kestra://';

export interface ExecutionLocation {
  namespace: string;
  flowId: string;
  executionId: string;
}

export interface TaskRunLocation extends ExecutionLocation {
  taskId: string;
  taskRunId: string;
}

export function isStorageUri(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(STORAGE_SCHEME);
}

/** The folder holding every file of one execution (what PurgeCurrentExecutionFiles deletes). */
export function executionPrefix(location: ExecutionLocation): string {
  return `${STORAGE_SCHEME}/${namespacePath(location.namespace)}/${segment(location.flowId)}/executions/${segment(location.executionId)}/`;
}

/** The URI of a file a task run produces; `fileName` may hold sub-folders (`out/data.csv`). */
export function taskRunFileUri(location: TaskRunLocation, fileName: string): string {
  const relative = relativeFilePath(fileName);
  return `${executionPrefix(location)}tasks/${segment(location.taskId)}/${segment(location.taskRunId)}/${relative}`;
}

/**
 * Where an uploaded FILE input is kept: `<execution>/inputs/<input id>/<file name>`. Only the last
 * segment of the name the client gave is kept (`../../x` becomes `x`), so it stays in that folder.
 */
export function inputFileUri(location: ExecutionLocation, inputId: string, clientName: string): string {
  const lastSegment = fileNameOf(clientName);
  const name = lastSegment === '' || lastSegment === '.' || lastSegment === '..' ? inputId : lastSegment;
  return `${executionPrefix(location)}inputs/${encodeURIComponent(inputId)}/${encodeURIComponent(name)}`;
}

/**
 * The path of a URI below the storage root, as `/`-separated segments. Refuses anything that is not
 * a `kestra:///` URI or that tries to climb out of the root.
 */
export function storageKey(uri: string): string {
  if (!isStorageUri(uri)) throw new Error(`Not an internal-storage URI (expected kestra:///…): ${uri}`);
  const path = uri.slice(STORAGE_SCHEME.length).replace(/^\/+/, '');
  const parts = path.split('/');
  // Segments are file names as they are (no percent-decoding), but a `%2e%2e` or a backslash is
  // refused all the same: a URI that means "go up" to any reader never names a file.
  if (path === '' || parts.some(climbsOut))
    throw new Error(`Invalid internal-storage URI: ${uri}: it must name a file below the storage root, without "..", "." or "\\"`);
  return parts.filter((p) => p !== '').join('/');
}

function climbsOut(segment: string): boolean {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Not percent-encoded text: judged as written.
  }
  return [segment, decoded].some((s) => s === '.' || s.split('/').includes('..') || s.includes('\\') || s.includes('\0'));
}

/** The last segment of a URI or path: the file's own name. */
export function fileNameOf(uriOrPath: string): string {
  const parts = uriOrPath.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? '';
}

/** A relative path inside a working directory or task-run folder: no absolute paths, no `..`. */
export function relativeFilePath(fileName: string): string {
  const parts = fileName
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || fileName.startsWith('/') || parts.some((p) => p === '..')) {
    throw new Error(`Invalid file name "${fileName}": expected a relative path without ".."`);
  }
  return parts.join('/');
}

function namespacePath(namespace: string): string {
  return namespace.split('.').map(segment).join('/');
}

/** Ids become folder names: keep them readable, but never let one hold a `/`. */
function segment(id: string): string {
  if (id === '' || id === '.' || id === '..') throw new Error(`Invalid storage path segment "${id}"`);
  return id.replace(/[/\\]/g, '_');
}
