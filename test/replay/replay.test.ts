import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { readHistoryFile } from '../../src/client/replay';
import { workflowCodeOptions } from '../../src/worker/workflow-bundle';
import { HISTORIES } from '../helpers/histories';

// Histories recorded from real runs (npm run record-histories) must replay against today's workflow
// code: a failure here means a change would break executions that are running now.
describe('replay of recorded histories', { timeout: 120_000 }, () => {
  const dir = HISTORIES;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has histories to replay', () => assert.ok(files.length >= 2));

  it('replays every history without a determinism error', async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const histories = files.map((file) => ({
      workflowId: file,
      history: readHistoryFile(join(dir, file)),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(workflowCodeOptions(), histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.deepEqual(failures, []);
  });
});
