/**
 * Which internal-storage files an execution may use, as Kestra decides for `read()`:
 * - its own files (`kestra:///<ns>/<flow>/executions/<id>/…`: inputs, task outputs);
 * - its namespace's files (`kestra:///<ns>/_files/…`);
 * - the files of the execution that started it, when one did: a Subflow or ForEachItem parent, or
 *   the execution a Flow trigger reacted to (Kestra's `trigger.executionId`). That is how a parent
 *   hands a file to its child (a FILE input set to one of its own kestra:// URIs).
 * Anything else (another namespace, another execution) is refused, naming the URI and the rule.
 *
 * Pure and sandbox-safe (the workflow checks FILE inputs of Subflows with it).
 */
import { type ExecutionLocation, executionPrefix, STORAGE_SCHEME, storageKey } from './storage-uri';

export interface StorageScope {
  namespace: string;
  flowId: string;
  /** Unknown while an execution is being created (a Subflow's child): then only the others count. */
  executionId?: string;
  /** The execution that started this one (Subflow/ForEachItem parent, Flow trigger source). */
  parent?: ExecutionLocation;
}

export class StorageAccessDenied extends Error {
  override name = 'StorageAccessDenied';
}

/** The readable folders of a scope, as URIs ending in `/`. */
export function readableFolders(scope: StorageScope): string[] {
  const folders = [namespaceFilesFolder(scope.namespace)];
  if (scope.executionId) folders.unshift(executionPrefix({ namespace: scope.namespace, flowId: scope.flowId, executionId: scope.executionId }));
  if (scope.parent) folders.push(executionPrefix(scope.parent));
  return folders;
}

/**
 * The URI in its normal form (`kestra:///a/b`) when the scope may read it; throws otherwise, with a
 * message naming the URI and what may be read. Invalid URIs (`..`, `%2e%2e`, not kestra://) throw too.
 */
export function checkReadable(uri: string, scope: StorageScope, what = 'file'): string {
  const normal = normalUri(uri);
  if (readableFolders(scope).some((folder) => normal.startsWith(folder))) return normal;
  throw new StorageAccessDenied(`Access denied to ${what} ${uri}: ${whoMayRead(scope)}`);
}

/** The URI in its normal form when it is one of the execution's own files (where tasks write). */
export function checkWritable(uri: string, scope: StorageScope & { executionId: string }): string {
  const normal = normalUri(uri);
  const own = executionPrefix({ namespace: scope.namespace, flowId: scope.flowId, executionId: scope.executionId });
  if (normal.startsWith(own)) return normal;
  throw new StorageAccessDenied(`Access denied to ${uri}: execution ${scope.executionId} may only write its own files (${own})`);
}

function whoMayRead(scope: StorageScope): string {
  const execution = scope.executionId ? `execution ${scope.executionId}` : `an execution of ${scope.namespace}.${scope.flowId}`;
  const parent = scope.parent ? `, and the files of the execution that started it (${executionPrefix(scope.parent)})` : '';
  return `${execution} may only read its own files, its namespace's files (${namespaceFilesFolder(scope.namespace)})${parent}; this file belongs to another namespace or execution`;
}

/** `kestra:///a//b` and `kestra://a/b` both become `kestra:///a/b` (a folder keeps its `/`); escapes are refused by storageKey. */
function normalUri(uri: string): string {
  return `${STORAGE_SCHEME}/${storageKey(uri)}${uri.endsWith('/') ? '/' : ''}`;
}

/** Where a namespace's files live (src/storage/namespace-files.ts reads and lists them). */
export function namespaceFilesFolder(namespace: string): string {
  const segments = namespace.split('.');
  if (segments.some((s) => s === '' || s === '..' || /[/\\]/.test(s))) throw new Error(`Invalid namespace "${namespace}"`);
  return `${normalUri(`${STORAGE_SCHEME}/${segments.join('/')}/_files/`)}`;
}
