/**
 * FILE inputs given on the command line as `-i data=@path/to/file.csv`: the user's own local file,
 * uploaded into the execution's internal storage before it starts or resumes (what the API's
 * multipart upload does), so the input is a `kestra://` URI like any upload. Other values pass
 * through unchanged.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { InputSpec } from '../workflow/flow/spec';
import type { InternalStorage } from './internal-storage';
import { type ExecutionLocation, inputFileUri } from '../workflow/storage/storage-uri';

export async function uploadLocalFileInputs(
  storage: InternalStorage,
  execution: ExecutionLocation,
  declared: readonly InputSpec[],
  inputs: Record<string, string>,
): Promise<Record<string, string>> {
  const result = { ...inputs };
  for (const input of declared) {
    const value = inputs[input.id];
    if (input.type !== 'FILE' || !value?.startsWith('@')) continue;
    const path = value.slice(1);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new Error(`Input \`${input.id}\`: ${path} is not a readable file`);
    const uri = inputFileUri(execution, input.id, path);
    await storage.put(uri, createReadStream(path));
    result[input.id] = uri;
  }
  return result;
}
