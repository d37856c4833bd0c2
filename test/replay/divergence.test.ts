import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { replayHistory } from '../../src/client/replay';
import { divergingHistoryJson } from '../helpers/histories';

// The replay test is only worth something if a change to the commands a flow issues makes it
// fail. Here the recorded flow itself is altered (the Sleep and the Labels task swap places), which
// changes the command order exactly as an unguarded interpreter change would.
describe('replay catches a change of command order', { timeout: 120_000 }, () => {
  it('fails with a determinism error when the history no longer matches the code', async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const outcome = await replayHistory(historyFromJSON(divergingHistoryJson()), 'altered');
    assert.match(outcome.divergence ?? 'replayed without error', /[Nn]ondeterminism/);
  });
});
