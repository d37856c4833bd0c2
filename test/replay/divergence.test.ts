import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { PROJECT_ROOT } from '../helpers/paths';

// The replay test is only worth something if a change to the commands a flow issues makes it
// fail. Here the recorded flow itself is altered (the Sleep and the Labels task swap places), which
// changes the command order exactly as an unguarded interpreter change would.
describe('replay catches a change of command order', { timeout: 120_000 }, () => {
  it('fails with a determinism error when the history no longer matches the code', async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const json = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'histories', 'flowables.json'), 'utf8'));
    const input = json.events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
    const request = JSON.parse(Buffer.from(input.data, 'base64').toString('utf8'));
    const tasks: { id: string }[] = request.flow.tasks;
    const nap = tasks.findIndex((t) => t.id === 'nap');
    const tag = tasks.findIndex((t) => t.id === 'tag');
    assert.ok(nap >= 0 && tag >= 0, 'the fixture has a Sleep `nap` and a Labels `tag`');
    [tasks[nap], tasks[tag]] = [tasks[tag], tasks[nap]];
    input.data = Buffer.from(JSON.stringify(request)).toString('base64');

    await assert.rejects(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, historyFromJSON(json), 'altered'),
      (error: Error) => error.name === 'DeterminismViolationError' || /[Nn]ondeterminism/.test(error.message),
    );
  });
});
