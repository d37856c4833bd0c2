/**
 * What every internal-storage backend must do, as tasks see it: run against each backend
 * (local directory, S3, Cloud Storage) by its own test file, so the backends cannot drift apart.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { executionPrefix, type InternalStorage, StorageFileNotFound, taskRunFileUri } from '../../src/storage';
import { startTaxiStack, type TaxiStack } from './taxi-stack';

/** Declares the contract's tests inside the caller's `describe`; `storage()` is read when they run. */
export function itBehavesAsInternalStorage(storage: () => InternalStorage): void {
  const run = {
    namespace: 'company.team',
    flowId: 'taxi',
    executionId: `exec-${randomBytes(4).toString('hex')}`,
    taskId: 'extract',
    taskRunId: 'tr1',
  };

  it('streams a file in and out, and reports its size and listing', async () => {
    const uri = taskRunFileUri(run, 'data.csv');
    assert.deepEqual(await storage().put(uri, Readable.from(['a,b\n', '1,2\n'])), { uri, size: 8 });
    assert.equal(await text(await storage().get(uri)), 'a,b\n1,2\n');
    assert.equal(await storage().stat(uri), 8);
    await storage().put(taskRunFileUri(run, 'sub/ü é.txt'), Readable.from([Buffer.from('é')]));
    assert.deepEqual(await storage().list(executionPrefix(run)), [
      { uri, size: 8 },
      { uri: taskRunFileUri(run, 'sub/ü é.txt'), size: 2 },
    ]);
  });

  it('names the missing file, and stats it as absent', async () => {
    await assert.rejects(storage().get('kestra:///nope/missing.csv'), (error: unknown) => {
      assert.ok(error instanceof StorageFileNotFound);
      assert.equal((error as Error).message, 'File not found in internal storage: kestra:///nope/missing.csv');
      return true;
    });
    assert.equal(await storage().stat('kestra:///nope/missing.csv'), undefined);
    assert.deepEqual(await storage().list('kestra:///nope/'), []);
  });

  it('refuses URIs that climb out of the root', async () => {
    await assert.rejects(storage().get('kestra:///a/../../etc/passwd'), /Invalid internal-storage URI/);
    await assert.rejects(storage().put('kestra:///a/%2e%2e/x', Readable.from(['x'])), /Invalid internal-storage URI/);
  });

  it('leaves no file behind when the source stream fails half-way', async () => {
    const uri = taskRunFileUri(run, 'broken.csv');
    const failing = Readable.from(
      (async function* () {
        yield 'partial';
        throw new Error('network down');
      })(),
    );
    await assert.rejects(storage().put(uri, failing), /network down/);
    assert.equal(await storage().stat(uri), undefined);
  });

  it('moves a file larger than one upload part byte for byte', async () => {
    const uri = taskRunFileUri(run, 'big.bin');
    const chunk = randomBytes(1024 * 1024);
    const chunks = 20; // 20 MiB: several multipart parts on S3
    const written = createHash('sha256');
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < chunks; i++) {
          const part = Buffer.concat([chunk, Buffer.from([i])]);
          written.update(part);
          yield part;
        }
      })(),
    );
    assert.deepEqual(await storage().put(uri, source), { uri, size: chunks * (chunk.length + 1) });
    const read = createHash('sha256');
    for await (const part of await storage().get(uri)) read.update(part as Buffer);
    assert.equal(read.digest('hex'), written.digest('hex'));
  });

  it('deletes one file and nothing beside it, and says when there was none', async () => {
    const doomed = taskRunFileUri(run, 'doomed.txt');
    await storage().put(doomed, Readable.from(['x']));
    assert.equal(await storage().delete(doomed), true);
    assert.equal(await storage().stat(doomed), undefined);
    assert.equal(await storage().delete(doomed), false);
    assert.equal(await storage().stat(taskRunFileUri(run, 'data.csv')), 8);
  });

  it('deletes everything of one execution, and only that execution', async () => {
    const other = { ...run, executionId: `${run.executionId}-other` };
    await storage().put(taskRunFileUri(other, 'keep.csv'), Readable.from(['k']));
    const deleted = await storage().deleteByPrefix(executionPrefix(run));
    assert.deepEqual(deleted, [taskRunFileUri(run, 'big.bin'), taskRunFileUri(run, 'data.csv'), taskRunFileUri(run, 'sub/ü é.txt')]);
    assert.deepEqual(await storage().list(executionPrefix(run)), []);
    assert.equal(await storage().stat(taskRunFileUri(other, 'keep.csv')), 1);
    await storage().deleteByPrefix(executionPrefix(other));
  });
}

/**
 * The course's taxi flow with TFLOW_STORAGE=`setting`: the extracted CSV and the staging COPY's
 * source live in the bucket, and purge_files empties it. `objectsUnder` lists the bucket by the
 * store's own API, to see the objects themselves.
 */
export function describeTaxiFlowIn(setting: string, database: string, objectsUnder: (prefix: string) => Promise<string[]>): void {
  describe(`the course taxi flow with TFLOW_STORAGE=${setting}`, () => {
    let stack: TaxiStack;
    before(async () => {
      stack = await startTaxiStack({ flowFile: '02_postgres_taxi.yaml', database, storage: setting });
    });
    after(async () => stack?.close());

    it('extracts into the bucket, COPYs from it, merges every row, and purges the files', async () => {
      const execution = await stack.run({ taxi: 'green', year: '2019', month: '01' });
      assert.equal(execution.state, 'SUCCESS', execution.error);
      const extracted = execution.taskRuns.find((r) => r.taskId === 'extract')?.outputs as { outputFiles: Record<string, string> };
      assert.match(extracted.outputFiles['green_tripdata_2019-01.csv'], /^kestra:\/\/\/zoomcamp\/02_postgres_taxi\/executions\//);
      assert.deepEqual(execution.taskRuns.find((r) => r.taskId === 'green_copy_in_to_staging_table')?.outputs, {
        rowCount: stack.files.green01.rows,
      });
      assert.equal(await stack.count('public.green_tripdata'), stack.files.green01.rows);
      const files = executionPrefix({ namespace: 'zoomcamp', flowId: '02_postgres_taxi', executionId: execution.id });
      assert.deepEqual(await stack.storage.list(files), []);
      const prefix = setting.replace(/^[a-z0-9]+:\/\/[^/]+\/?/, '');
      assert.deepEqual(await objectsUnder(`${prefix}/zoomcamp/02_postgres_taxi/executions/${execution.id}/`), []);
    });
  });
}
