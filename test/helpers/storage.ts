/**
 * Internal storage of a test file's own, in a temporary folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDirectoryStorage } from '../../src/storage';

export interface TemporaryStorage {
  root: string;
  storage: LocalDirectoryStorage;
  remove(): Promise<void>;
}

/**
 * Creates the folder and points TFLOW_STORAGE at it, so that the worker of a fixture started
 * afterwards stores there. `remove()` it in `after`.
 */
export async function useTemporaryStorage(prefix: string): Promise<TemporaryStorage> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  process.env.TFLOW_STORAGE = root;
  return { root, storage: new LocalDirectoryStorage(root), remove: () => rm(root, { recursive: true, force: true }) };
}
