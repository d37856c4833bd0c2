import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { executionPrefix, LocalDirectoryStorage, StorageFileNotFound, storageKey, taskRunFileUri } from '../../src/storage';

describe('internal storage (local directory)', () => {
  let root: string;
  let storage: LocalDirectoryStorage;
  const run = { namespace: 'company.team', flowId: 'taxi', executionId: 'exec-1', taskId: 'extract', taskRunId: 'tr1' };
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tflow-storage-test-'));
    storage = new LocalDirectoryStorage(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('lays URIs out as Kestra does: namespace as folders, then flow, execution, task, task run, file', () => {
    assert.equal(taskRunFileUri(run, 'green.csv'), 'kestra:///company/team/taxi/executions/exec-1/tasks/extract/tr1/green.csv');
    assert.equal(taskRunFileUri(run, 'out/sub/a.csv'), 'kestra:///company/team/taxi/executions/exec-1/tasks/extract/tr1/out/sub/a.csv');
    assert.equal(executionPrefix(run), 'kestra:///company/team/taxi/executions/exec-1/');
  });

  it('refuses URIs that are not kestra:/// or that climb out of the root', () => {
    assert.throws(() => storageKey('file:///etc/passwd'), /Not an internal-storage URI/);
    assert.throws(() => storageKey('kestra:///a/../../etc/passwd'), /Invalid internal-storage URI/);
    assert.throws(() => taskRunFileUri(run, '../escape.csv'), /Invalid file name/);
  });

  it('streams a file in and out, and reports its size', async () => {
    const uri = taskRunFileUri(run, 'data.csv');
    const stored = await storage.put(uri, Readable.from(['a,b\n', '1,2\n']));
    assert.deepEqual(stored, { uri, size: 8 });
    assert.equal(await text(await storage.get(uri)), 'a,b\n1,2\n');
    assert.equal(await storage.stat(uri), 8);
    assert.equal(await readFile(join(root, 'company/team/taxi/executions/exec-1/tasks/extract/tr1/data.csv'), 'utf8'), 'a,b\n1,2\n');
  });

  it('names the missing file', async () => {
    await assert.rejects(storage.get('kestra:///nope/missing.csv'), (error: unknown) => {
      assert.ok(error instanceof StorageFileNotFound);
      assert.equal((error as Error).message, 'File not found in internal storage: kestra:///nope/missing.csv');
      return true;
    });
  });

  it('leaves no file behind when the source stream fails half-way', async () => {
    const uri = taskRunFileUri(run, 'broken.csv');
    const failing = Readable.from(
      (async function* () {
        yield 'partial';
        throw new Error('network down');
      })(),
    );
    await assert.rejects(storage.put(uri, failing), /network down/);
    assert.equal(await storage.stat(uri), undefined);
    assert.deepEqual((await storage.list(executionPrefix(run))).map((f) => f.uri).filter((u) => u.includes('broken')), []);
  });

  it('deletes everything of one execution, and only that execution', async () => {
    const other = { ...run, executionId: 'exec-2' };
    await storage.put(taskRunFileUri(run, 'x/y.csv'), Readable.from(['y']));
    await storage.put(taskRunFileUri(other, 'keep.csv'), Readable.from(['k']));
    const deleted = await storage.deleteByPrefix(executionPrefix(run));
    assert.deepEqual(deleted, [taskRunFileUri(run, 'data.csv'), taskRunFileUri(run, 'x/y.csv')]);
    assert.deepEqual(await storage.list(executionPrefix(run)), []);
    assert.equal(await storage.stat(taskRunFileUri(other, 'keep.csv')), 1);
  });
});
