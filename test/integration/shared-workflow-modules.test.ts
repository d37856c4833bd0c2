/**
 * What the workflow bundle shares between executions and loads on first use (docs/performance.md,
 * "Bursts"), as a user sees it through a real worker: zod is loaded once per worker and shared by
 * every execution (src/workflow/shared-zod.ts), so its error messages must stay whole from one
 * execution to the next; YAML and RE2 load in an execution only when one of its expressions needs
 * them (src/workflow/on-first-use.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { runToEnd, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const taskRun = (execution: Execution, taskId: string) => {
  const run = execution.taskRuns.find((r) => r.taskId === taskId);
  assert.ok(run, `no task run for ${taskId}`);
  return run;
};

describe('modules shared between executions and loaded on first use, on a real Temporal dev server', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  it('a property checked in the workflow fails with zod’s message, in every execution of the worker', async () => {
    const invalidLevel = flow(`
id: invalid_level
namespace: tests.shared_modules
inputs:
  - id: level
    type: STRING
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hello
    level: "{{ inputs.level }}"
`);
    for (const level of ['LOUD', 'QUIET']) {
      const execution = await runToEnd(fixture, invalidLevel, { inputs: { level } });
      assert.equal(execution.state, 'FAILED');
      assert.equal(taskRun(execution, 'say').state, 'FAILED');
      assert.equal(
        taskRun(execution, 'say').error,
        'Invalid properties for task say: level: Invalid option: expected one of "TRACE"|"DEBUG"|"INFO"|"WARN"|"ERROR"',
      );
    }
  });

  it('the yaml filter and function and a regular expression work in the execution that loads them', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: yaml_and_regex
namespace: tests.shared_modules
tasks:
  - id: dumped
    type: io.kestra.plugin.core.debug.Return
    format: "{{ {'a': [1, 2]} | yaml }}"
  - id: parsed
    type: io.kestra.plugin.core.debug.Return
    format: "{{ yaml('b: 3').b }}"
  - id: replaced
    type: io.kestra.plugin.core.debug.Return
    format: "{{ 'a1b22c' | replace({'[0-9]+': '-'}, regexp=true) }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const values = ['dumped', 'parsed', 'replaced'].map((id) => taskRun(execution, id).outputs.value);
    assert.deepEqual(values, ['a:\n  - 1\n  - 2\n', '3', 'a-b-c']);
  });
});
