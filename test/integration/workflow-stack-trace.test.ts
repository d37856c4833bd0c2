/**
 * The Temporal Web UI's "Stack Trace" tab asks a running execution where its workflow code waits
 * (the `__stack_trace` and `__enhanced_stack_trace` queries). The SDK answers from a promise hook
 * that tflow patches for speed (patches/README.md); the answer must still name the interpreter's
 * TypeScript sources, mapped through the bundle's source map.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startExecution } from '../../src/client/executions';
import { flow } from '../helpers/fake-port';
import { startTemporalFixture, statusOnceClosed, type TemporalFixture } from '../helpers/temporal';

interface EnhancedStackTrace {
  stacks: { locations: { file_path?: string; function_name?: string; line?: number }[] }[];
}

describe("a running execution's stack trace, as the Temporal Web UI asks for it", { timeout: 120_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  it('names the interpreter source file and line where a paused execution waits', async () => {
    const paused = flow(`
id: waits
namespace: tests.stack_trace
tasks:
  - id: wait_here
    type: io.kestra.plugin.core.flow.Pause
`);
    const handle = await startExecution(fixture.client, fixture.config, paused);
    try {
      let text = '';
      const deadline = Date.now() + 60_000;
      while (!/pauses\.ts/.test(text)) {
        assert.ok(Date.now() < deadline, `no Pause in the stack trace:\n${text}`);
        text = await handle.query<string>('__stack_trace');
      }
      assert.match(text, /at .*\(.*src\/workflow\/interpreter\/pauses\.ts:\d+:\d+\)/);
      assert.match(text, /src\/workflow\/interpreter\/flow-run\.ts:\d+:\d+/);

      const enhanced = await handle.query<EnhancedStackTrace>('__enhanced_stack_trace');
      const files = enhanced.stacks.flatMap((stack) => stack.locations.map((l) => l.file_path ?? ''));
      assert.ok(
        files.some((file) => file.endsWith('src/workflow/interpreter/pauses.ts')),
        `no pauses.ts among ${JSON.stringify(files)}`,
      );
    } finally {
      // Killed, and seen to end, before the worker stops: nothing is left running on the server.
      await handle.cancel();
      assert.equal(await statusOnceClosed(fixture.client, handle.workflowId), 'CANCELLED');
    }
  });
});
