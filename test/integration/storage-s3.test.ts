/**
 * Internal storage in S3 (TFLOW_STORAGE=s3://bucket/prefix) against gofakes3, an S3-compatible
 * server built from its Go module: the storage contract, then the course's taxi flow with every
 * file (the extracted CSV, the staging COPY's source) in the bucket.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { S3Storage } from '../../src/storage';
import { GOFAKES3, s3Keys, startGoTestServer, type RunningTestServer } from '../helpers/go-test-servers';
import { describeTaxiFlowIn, itBehavesAsInternalStorage } from '../helpers/storage-contract';

const BUCKET = 'tflow-test';

const bucketKeys = (server: RunningTestServer, prefix: string) => s3Keys(server, BUCKET, prefix);

describe('internal storage in S3 (gofakes3)', { timeout: 300_000 }, () => {
  let server: RunningTestServer;
  let storage: S3Storage;
  before(async () => {
    server = await startGoTestServer(GOFAKES3);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: server.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    });
    storage = new S3Storage({ bucket: BUCKET, prefix: 'contract/' });
  });
  after(async () => server?.stop());

  itBehavesAsInternalStorage(() => storage);

  it('keeps kestra:/// files under the prefix, at the path Kestra uses', async () => {
    await storage.put('kestra:///company/team/f/executions/e1/tasks/t/r/x.csv', Readable.from(['x']));
    assert.deepEqual(await bucketKeys(server, 'contract/company/'), ['contract/company/team/f/executions/e1/tasks/t/r/x.csv']);
  });

  describeTaxiFlowIn(`s3://${BUCKET}/taxi`, 'tflow_taxi_s3', (prefix) => bucketKeys(server, prefix));
});
