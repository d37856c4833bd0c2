/**
 * FILE inputs given on the command line as a local path (`-i data=./file.csv`, as Kestra's CLI takes
 * them, or `-i data=@file.csv`): the user's own file, uploaded into the execution's internal storage
 * before it starts or resumes (what the API's multipart upload does), so the input is a `kestra://`
 * URI like any upload. A URI (`kestra:///…`) and the values of other inputs pass through unchanged.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { InputSpec } from '../workflow/flow/spec';
import type { InternalStorage } from './internal-storage';
import { type ExecutionLocation, inputFileUri } from '../workflow/storage/storage-uri';

/** The local path a FILE input's command-line value names, or undefined for a URI. */
export function localFilePath(value: string): string | undefined {
  if (value.startsWith('@')) return value.slice(1);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? undefined : value;
}

export async function uploadLocalFileInputs(
  storage: InternalStorage,
  execution: ExecutionLocation,
  declared: readonly InputSpec[],
  inputs: Record<string, string>,
): Promise<Record<string, string>> {
  const result = { ...inputs };
  for (const input of declared) {
    const value = inputs[input.id];
    const path = input.type === 'FILE' && value ? localFilePath(value) : undefined;
    if (path === undefined) continue;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new Error(`Input \`${input.id}\`: ${path} is not a readable file`);
    const uri = inputFileUri(execution, input.id, path);
    await storage.put(uri, createReadStream(path));
    result[input.id] = uri;
  }
  return result;
}
