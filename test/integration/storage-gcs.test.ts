/**
 * Internal storage in Cloud Storage (TFLOW_STORAGE=gs://bucket/prefix) against fake-gcs-server:
 * the storage contract, then the course's taxi flow with every file in the bucket.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GcsStorage } from '../../src/storage';
import { startFakeGcsServer, type FakeGcsServer } from '../helpers/fake-gcs-server';
import { describeTaxiFlowIn, itBehavesAsInternalStorage } from '../helpers/storage-contract';

const BUCKET = 'tflow-test';

/** The object names in the bucket, as the JSON API lists them. */
async function bucketNames(server: FakeGcsServer, prefix: string): Promise<string[]> {
  const listing = (await (await fetch(`${server.url}/storage/v1/b/${BUCKET}/o?prefix=${encodeURIComponent(prefix)}`)).json()) as {
    items?: { name: string }[];
  };
  return (listing.items ?? []).map((item) => item.name);
}

describe('internal storage in Cloud Storage (fake-gcs-server)', { timeout: 300_000 }, () => {
  let server: FakeGcsServer;
  let storage: GcsStorage;
  before(async () => {
    server = await startFakeGcsServer();
    process.env.STORAGE_EMULATOR_HOST = server.url;
    const created = await fetch(`${server.url}/storage/v1/b?project=test`, {
      method: 'POST',
      body: JSON.stringify({ name: BUCKET }),
      headers: { 'content-type': 'application/json' },
    });
    assert.ok(created.ok, await created.text());
    storage = new GcsStorage({ bucket: BUCKET, prefix: 'contract/' });
  });
  after(async () => server?.stop());

  itBehavesAsInternalStorage(() => storage);

  it('keeps kestra:/// files under the prefix, at the path Kestra uses', async () => {
    await storage.put('kestra:///company/team/f/executions/e1/tasks/t/r/x.csv', Readable.from(['x']));
    assert.deepEqual(await bucketNames(server, 'contract/company/'), ['contract/company/team/f/executions/e1/tasks/t/r/x.csv']);
  });

  describeTaxiFlowIn(`gs://${BUCKET}/taxi`, 'tflow_taxi_gcs', (prefix) => bucketNames(server, prefix));
});
