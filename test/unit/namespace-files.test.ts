import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { redactUrlPasswords } from '../../src/plugins/jdbc/postgresql/connection';
import { listNamespaceFiles, LocalDirectoryStorage, namespaceFileFilter, namespaceFilesPrefix, putNamespaceFile } from '../../src/storage';

describe('namespace files', () => {
  it('live where Kestra keeps them: kestra:///<namespace as path>/_files/', async () => {
    assert.equal(namespaceFilesPrefix('company.team'), 'kestra:///company/team/_files/');
    assert.throws(() => namespaceFilesPrefix('company..team'), /Invalid namespace "company\.\.team"/);
    const root = await mkdtemp(join(tmpdir(), 'tflow-ns-files-'));
    try {
      const storage = new LocalDirectoryStorage(root);
      await putNamespaceFile(storage, 'company.team', 'queries/q.sql', Readable.from(['SELECT 1']));
      await putNamespaceFile(storage, 'company.team.child', 'other.sql', Readable.from(['SELECT 2']));
      assert.throws(() => putNamespaceFile(storage, 'company.team', '../escape.sql', Readable.from([''])), /Invalid file name/);
      assert.equal(storage.pathOf('kestra:///company/team/_files/queries/q.sql'), join(root, 'company', 'team', '_files', 'queries', 'q.sql'));
      assert.deepEqual(await listNamespaceFiles(storage, 'company.team'), [
        { path: 'queries/q.sql', uri: 'kestra:///company/team/_files/queries/q.sql', size: 8 },
      ]);
      assert.deepEqual(await listNamespaceFiles(storage, 'nobody.here'), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('filter with include/exclude globs as Kestra does', () => {
    const paths = ['a.sql', 'queries/q.sql', 'queries/old/legacy.sql', 'scripts/run.sh', '.env'];
    const kept = (include?: string[], exclude?: string[]) => paths.filter(namespaceFileFilter(include, exclude));
    assert.deepEqual(kept(), paths);
    assert.deepEqual(kept(['*.sql']), ['a.sql'], 'a pattern starting with a wildcard matches from the top');
    assert.deepEqual(kept(['**/*.sql']), ['a.sql', 'queries/q.sql', 'queries/old/legacy.sql']);
    assert.deepEqual(kept(['old/*.sql']), ['queries/old/legacy.sql'], 'a pattern starting with a name matches at any depth');
    assert.deepEqual(kept(['/queries/*']), ['queries/q.sql'], 'a leading slash anchors at the top');
    assert.deepEqual(kept(undefined, ['queries/**', '.env']), ['a.sql', 'scripts/run.sh']);
    assert.deepEqual(kept(['regex:.*\\.(sh|sql)'], ['regex:queries/.*']), ['a.sql', 'scripts/run.sh']);
  });
});

describe('PostgreSQL urls in messages', () => {
  it('hide passwords, keep everything else', () => {
    assert.equal(redactUrlPasswords('jdbc:postgresql://loader:s3cr@t@db:5432/ny_taxi'), 'jdbc:postgresql://loader:***@db:5432/ny_taxi');
    assert.equal(
      redactUrlPasswords('jdbc:postgresql://db:5432/ny_taxi?user=a&password=s3cret&ssl=true'),
      'jdbc:postgresql://db:5432/ny_taxi?user=a&password=***&ssl=true',
    );
    assert.equal(redactUrlPasswords('jdbc:postgresql://db:5432/ny_taxi'), 'jdbc:postgresql://db:5432/ny_taxi');
  });
});
