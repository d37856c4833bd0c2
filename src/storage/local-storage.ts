/**
 * Internal storage in a local directory (TFLOW_STORAGE, by default `.tflow/storage`): the URI
 * `kestra:///a/b/c.csv` is the file `<root>/a/b/c.csv`. Writes go to a temporary name first and are
 * renamed into place, so a reader never sees half a file, even after a crash.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageFileNotFound, type InternalStorage, type ReadOptions, type StoredFile } from './internal-storage';
import { STORAGE_SCHEME, storageKey } from '../workflow/storage/storage-uri';

const PARTIAL_SUFFIX = '.tflow-partial';

export class LocalDirectoryStorage implements InternalStorage {
  constructor(readonly root: string) {}

  async put(uri: string, content: Readable | AsyncIterable<Uint8Array | string>): Promise<StoredFile> {
    const path = await this.prepareFolder(uri);
    const partial = `${path}.${randomBytes(4).toString('hex')}${PARTIAL_SUFFIX}`;
    try {
      const source = content instanceof Readable ? content : Readable.from(content);
      await pipeline(source, createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { uri, size: (await stat(path)).size };
  }

  /**
   * A task's finished output file (a 100 MB CSV) is renamed into place, not copied, when it is on
   * this filesystem. Only a plain file with no other name is moved: a symbolic link, or a hard link
   * to a file outside the task's directory, is copied as put() would.
   */
  async putLocalFile(uri: string, localPath: string): Promise<StoredFile> {
    const info = await lstat(localPath);
    if (info.isFile() && info.nlink === 1) {
      const path = await this.prepareFolder(uri);
      try {
        await rename(localPath, path);
        return { uri, size: info.size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      }
    }
    return this.put(uri, createReadStream(localPath));
  }

  async get(uri: string, options: ReadOptions = {}): Promise<Readable> {
    const size = await this.stat(uri);
    if (size === undefined) throw new StorageFileNotFound(uri);
    const range = options.firstBytes !== undefined ? { end: options.firstBytes - 1 } : {};
    return createReadStream(await this.confineExisting(uri, this.pathOf(uri)), range);
  }

  async stat(uri: string): Promise<number | undefined> {
    try {
      const info = await stat(await this.confineExisting(uri, this.pathOf(uri)));
      return info.isFile() ? info.size : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(prefixUri: string): Promise<StoredFile[]> {
    const folder = this.pathOf(prefixUri);
    await this.confineExisting(prefixUri, folder);
    const files: StoredFile[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile() && !entry.name.endsWith(PARTIAL_SUFFIX)) {
          files.push({ uri: this.uriOf(path), size: (await stat(path)).size });
        }
      }
    };
    await walk(folder);
    return files.sort((a, b) => a.uri.localeCompare(b.uri));
  }

  async delete(uri: string): Promise<boolean> {
    if ((await this.stat(uri)) === undefined) return false;
    await rm(await this.confineExisting(uri, this.pathOf(uri)), { force: true });
    return true;
  }

  async deleteByPrefix(prefixUri: string): Promise<string[]> {
    if (!prefixUri.endsWith('/')) throw new Error(`A folder URI must end with "/": ${prefixUri}`);
    const files = await this.list(prefixUri);
    await rm(this.pathOf(prefixUri), { recursive: true, force: true });
    return files.map((f) => f.uri);
  }

  /** The local path of `uri`, its folder created: only below a real folder of the root, checked again once it exists. */
  private async prepareFolder(uri: string): Promise<string> {
    const path = this.pathOf(uri);
    await this.confineExisting(uri, dirname(path));
    await mkdir(dirname(path), { recursive: true });
    await this.confineExisting(uri, dirname(path));
    return path;
  }

  /** The local path of a URI; storageKey() has already refused `..` and other escapes. */
  pathOf(uri: string): string {
    return join(this.root, ...storageKey(uri).split('/'));
  }

  /**
   * `path` with its symbolic links resolved (its nearest existing ancestor's, when it does not exist
   * yet), refused when that leads out of the root: a link inside the storage folder never lets a
   * task read or write elsewhere. (`list` does not follow links below the folder it lists.)
   */
  private async confineExisting(uri: string, path: string): Promise<string> {
    let root: string;
    try {
      root = await realpath(this.root);
    } catch (error) {
      if (isMissing(error)) return path; // no storage folder yet: nothing to escape through
      throw error;
    }
    let existing = path;
    for (;;) {
      let real: string;
      try {
        real = await realpath(existing);
      } catch (error) {
        if (!isMissing(error) || existing === this.root) throw error;
        existing = dirname(existing);
        continue;
      }
      const inside = relative(root, real);
      if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
        throw new Error(`Access denied to ${uri}: it leads out of the internal storage folder (through a symbolic link)`);
      }
      return existing === path ? real : path;
    }
  }

  private uriOf(path: string): string {
    return `${STORAGE_SCHEME}/${relative(this.root, path).split(sep).join('/')}`;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
