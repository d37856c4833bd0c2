import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { itBehavesAsInternalStorage } from '../helpers/storage-contract';
import { parseGsUri } from '../../src/plugins/gcp/connection';
import {
  checkReadable,
  executionPrefix,
  GcsStorage,
  LocalDirectoryStorage,
  S3Storage,
  scopedStorage,
  storageFromConfig,
  storageKey,
  storeLocalFile,
  taskRunFileUri,
} from '../../src/storage';

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
    assert.throws(() => storageKey('kestra:///../../etc/passwd'), /Invalid internal-storage URI/);
    assert.throws(() => storageKey('kestra:///a/%2e%2e/%2E%2E/etc/passwd'), /Invalid internal-storage URI/);
    assert.throws(() => storageKey('kestra:///a/..%2F..%2Fetc/passwd'), /Invalid internal-storage URI/);
    assert.throws(() => storageKey('kestra:///a/..\\..\\etc'), /Invalid internal-storage URI/);
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

  it("moves a task's finished local file into place (no copy), and copies a link instead of moving it", async () => {
    const work = await mkdtemp(join(tmpdir(), 'tflow-storage-work-'));
    try {
      const plain = join(work, 'green.csv');
      await writeFile(plain, 'a,b\n1,2\n');
      const uri = taskRunFileUri(run, 'moved/green.csv');
      assert.deepEqual(await storeLocalFile(storage, uri, plain), { uri, size: 8 });
      assert.equal(await text(await storage.get(uri)), 'a,b\n1,2\n');
      assert.equal(existsSync(plain), false, 'a plain file is moved: nothing left behind');

      // A file with another name elsewhere (hard link) or a symbolic link stays where it is; the stored file is a copy.
      const outside = join(work, 'outside.csv');
      await writeFile(outside, 'x\n');
      await link(outside, join(work, 'hard.csv'));
      await symlink(outside, join(work, 'soft.csv'));
      for (const name of ['hard.csv', 'soft.csv']) {
        const copied = taskRunFileUri(run, `moved/${name}`);
        assert.deepEqual(await storeLocalFile(storage, copied, join(work, name)), { uri: copied, size: 2 });
        assert.equal(existsSync(join(work, name)), true, `${name} stays`);
        await writeFile(outside, 'changed\n');
        assert.equal(await text(await storage.get(copied)), 'x\n', `${name}: the stored file is its own copy`);
        await writeFile(outside, 'x\n');
      }
      // Through an execution's view, a move lands only in the execution's own files.
      const view = scopedStorage(storage, run);
      await writeFile(plain, 'again\n');
      await assert.rejects(storeLocalFile(view, 'kestra:///company/team/taxi/executions/other/x.csv', plain), /Access denied/);
      assert.equal(existsSync(plain), true, 'a refused move leaves the file');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  itBehavesAsInternalStorage(() => storage);

  it('refuses a path that leads out of the root through a symbolic link, for reading and for writing', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'tflow-outside-'));
    try {
      await writeFile(join(outside, 'secret.txt'), 'outside the root');
      await mkdir(join(root, 'links'), { recursive: true });
      await symlink(outside, join(root, 'links', 'out'));
      await symlink(join(outside, 'secret.txt'), join(root, 'links', 'secret.txt'));
      await assert.rejects(
        storage.get('kestra:///links/out/secret.txt'),
        /Access denied to kestra:\/\/\/links\/out\/secret.txt: it leads out of the internal storage folder/,
      );
      await assert.rejects(storage.get('kestra:///links/secret.txt'), /leads out of the internal storage folder/);
      await assert.rejects(storage.stat('kestra:///links/secret.txt'), /leads out of the internal storage folder/);
      await assert.rejects(storage.put('kestra:///links/out/new/written.txt', Readable.from(['x'])), /leads out of the internal storage folder/);
      await assert.rejects(readFile(join(outside, 'new', 'written.txt')), /ENOENT/);
      // Listing a folder does not follow the links inside it.
      assert.deepEqual(await storage.list('kestra:///links/'), []);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('storage scope (what an execution may read and write)', () => {
  let root: string;
  let storage: LocalDirectoryStorage;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tflow-scope-test-'));
    storage = new LocalDirectoryStorage(root);
  });
  after(() => rm(root, { recursive: true, force: true }));
  const scope = {
    namespace: 'company.team',
    flowId: 'taxi',
    executionId: 'exec-1',
    parent: { namespace: 'company.parent', flowId: 'p', executionId: 'exec-0' },
  };

  it('reads its own files, its namespace files and its parent execution files', () => {
    assert.equal(
      checkReadable('kestra:///company/team/taxi/executions/exec-1/inputs/f/a.csv', scope),
      'kestra:///company/team/taxi/executions/exec-1/inputs/f/a.csv',
    );
    assert.equal(checkReadable('kestra:///company/team/_files/q.sql', scope), 'kestra:///company/team/_files/q.sql');
    assert.equal(
      checkReadable('kestra:///company/parent/p/executions/exec-0/tasks/t/r/out.csv', scope),
      'kestra:///company/parent/p/executions/exec-0/tasks/t/r/out.csv',
    );
  });

  it('refuses another namespace, another execution, a sibling namespace with the same prefix, and escapes, naming the URI', () => {
    assert.throws(
      () => checkReadable('kestra:///other/ns/f/executions/e/tasks/t/r/x.csv', scope),
      /^StorageAccessDenied: Access denied to file kestra:\/\/\/other\/ns\/f\/executions\/e\/tasks\/t\/r\/x.csv: execution exec-1 may only read its own files/,
    );
    assert.throws(() => checkReadable('kestra:///company/team/taxi/executions/exec-2/x.csv', scope), /Access denied/);
    assert.throws(() => checkReadable('kestra:///company/team/taxi/executions/exec-10/x.csv', scope), /Access denied/);
    assert.throws(() => checkReadable('kestra:///company/team2/_files/q.sql', scope), /Access denied/);
    assert.throws(
      () => checkReadable('kestra:///company/team/taxi/executions/exec-1/../../../../../../etc/passwd', scope),
      /Invalid internal-storage URI/,
    );
  });

  it("a task's view of storage writes only its own execution's files", async () => {
    const scoped = scopedStorage(storage, scope);
    await assert.rejects(scoped.put('kestra:///company/team/_files/evil.sql', Readable.from(['x'])), /may only write its own files/);
    await assert.rejects(scoped.deleteByPrefix('kestra:///company/'), /may only write its own files/);
    await assert.rejects(scoped.get('kestra:///other/f/executions/e/x.csv'), /Access denied to file kestra:\/\/\/other/);
    const uri = taskRunFileUri({ ...scope, taskId: 't', taskRunId: 'r' }, 'ok.txt');
    await scoped.put(uri, Readable.from(['ok']));
    assert.equal(await scoped.stat(uri), 2);
  });
});

describe('object-store settings (TFLOW_STORAGE=s3://… or gs://…)', () => {
  it('takes the bucket and prefix, and refuses a bad bucket name the same way in TFLOW_STORAGE and in gs:// task properties', () => {
    const s3 = storageFromConfig({ storage: 's3://tflow-files/runs//prod/' }, {});
    assert.ok(s3 instanceof S3Storage);
    assert.deepEqual(s3.location, { bucket: 'tflow-files', prefix: 'runs/prod/' });
    assert.deepEqual(parseGsUri('gs://tflow_files.eu/a/b.csv', 'from'), { bucket: 'tflow_files.eu', name: 'a/b.csv' });
    assert.deepEqual((storageFromConfig({ storage: 'gs://tflow_files.eu' }, {}) as GcsStorage).location, { bucket: 'tflow_files.eu', prefix: '' });
    assert.equal(parseGsUri(`gs://${'x'.repeat(222)}`, 'to').bucket.length, 222);
    for (const bucket of ['Upper', 'ab', '-dash-first', 'dot-last.', 'sp ace', 'x'.repeat(223)]) {
      assert.throws(() => storageFromConfig({ storage: `gs://${bucket}/p` }, {}), /expected gs:\/\/<bucket>\[\/<prefix>\] with a valid bucket name/);
      assert.throws(() => storageFromConfig({ storage: `s3://${bucket}/p` }, {}), /expected s3:\/\/<bucket>\[\/<prefix>\] with a valid bucket name/);
      assert.throws(() => parseGsUri(`gs://${bucket}/p`, 'from'), /from must be a gs:\/\/bucket\/path URI/);
    }
    assert.throws(() => storageFromConfig({ storage: 's3://bucket/a/../b' }, {}), /the prefix may not hold "." or ".."/);
  });

  it('shares one backend per setting and endpoint, and opens another when the endpoint or the credentials change', () => {
    const setting = { storage: 's3://tflow-memo/p' };
    const first = storageFromConfig(setting, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9001', AWS_ACCESS_KEY_ID: 'a' });
    assert.equal(storageFromConfig(setting, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9001', AWS_ACCESS_KEY_ID: 'a', HOME: '/elsewhere' }), first);
    assert.notEqual(storageFromConfig(setting, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9002', AWS_ACCESS_KEY_ID: 'a' }), first);
    assert.notEqual(storageFromConfig(setting, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9001', AWS_ACCESS_KEY_ID: 'b' }), first);
    const gs = storageFromConfig({ storage: 'gs://tflow-memo' }, { STORAGE_EMULATOR_HOST: '127.0.0.1:4443' });
    assert.notEqual(storageFromConfig({ storage: 'gs://tflow-memo' }, { STORAGE_EMULATOR_HOST: '127.0.0.1:4444' }), gs);
  });
});
