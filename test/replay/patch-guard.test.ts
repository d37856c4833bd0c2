import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { NormalModuleReplacementPlugin } from 'webpack';
import { PROJECT_ROOT } from '../helpers/paths';

// Pure tasks (Log, Return, Fail) now run inside the workflow, behind patched(). This shows the
// guard is what keeps executions started before the change replayable: with it swapped for
// "always the new path", the history recorded with activities (hello_world.json) diverges.
describe('the pure-tasks patch guard', { timeout: 120_000 }, () => {
  const history = (file: string) => historyFromJSON(JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'histories', file), 'utf8')));

  it('without it, a history recorded before the change fails replay', async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const unguarded = require.resolve('./unguarded-pure-tasks-patch');
    await assert.rejects(
      Worker.runReplayHistory(
        {
          workflowsPath: require.resolve('../../src/workflow'),
          bundlerOptions: {
            webpackConfigHook: (config) => ({
              ...config,
              plugins: [...(config.plugins ?? []), new NormalModuleReplacementPlugin(/[\\/]pure-tasks-patch(\.js)?$/, unguarded)],
            }),
          },
        },
        history('hello_world.json'),
        'unguarded',
      ),
      (error: Error) => error.name === 'DeterminismViolationError' || /[Nn]ondeterminism/.test(error.message),
    );
  });

  it('with it, both the old and the new history replay', async () => {
    for (const file of ['hello_world.json', 'hello_world_v2.json']) {
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, history(file), file);
    }
  });
});
