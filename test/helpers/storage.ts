/**
 * Internal storage of a test file's own, in a temporary folder.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDirectoryStorage } from '../../src/storage';

export interface TemporaryStorage {
  /** The storage folder: `storage` inside a fresh folder that holds nothing else (see `useTemporaryStorage`). */
  root: string;
  storage: LocalDirectoryStorage;
  remove(): Promise<void>;
}

/**
 * Creates the folder and points TFLOW_STORAGE at it, so that the worker of a fixture started
 * afterwards stores there. `remove()` it in `after`.
 *
 * The folder is made one level down in a fresh folder of its own, so that a test can check that
 * nothing escaped the storage (`root/../x`) without depending on what the machine's temporary
 * folder happens to hold.
 */
export async function useTemporaryStorage(prefix: string): Promise<TemporaryStorage> {
  const parent = await mkdtemp(join(tmpdir(), prefix));
  const root = join(parent, 'storage');
  await mkdir(root);
  process.env.TFLOW_STORAGE = root;
  return { root, storage: new LocalDirectoryStorage(root), remove: () => rm(parent, { recursive: true, force: true }) };
}
