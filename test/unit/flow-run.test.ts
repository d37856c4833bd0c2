import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flow, runWithFakePort } from '../helpers/fake-port';

const states = (e: { taskRuns: { taskId: string; state: string }[] }) => e.taskRuns.map((r) => `${r.taskId}:${r.state}`);

describe('interpreter: sequential tasks', () => {
  it('runs tasks in order, rendering inputs and earlier outputs', async () => {
    const spec = flow(`
id: seq
namespace: t
inputs:
  - id: name
    type: STRING
    defaults: Will
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello, {{ inputs.name }}!"
  - id: value
    type: io.kestra.plugin.core.debug.Return
    format: generated
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "got {{ outputs.value.value }}"
`);
    const { execution, calls, run } = await runWithFakePort(spec, { name: 'Ada' });
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(states(execution), ['hello:SUCCESS', 'value:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(
      calls.map((c) => c.invocation.properties.message ?? c.invocation.properties.format),
      ['Hello, Ada!', 'generated', 'got generated'],
    );
    assert.deepEqual(
      calls.map((c) => c.options.summary),
      ['hello', 'value', 'after'],
    );
    assert.deepEqual(execution.taskRuns[1].outputs, { value: 'generated' });
    assert.deepEqual(
      run.logs.map((l) => `${l.taskId}: ${l.message}`),
      ['hello: Hello, Ada!', 'after: got generated'],
    );
  });

  it('stops at the first failed task, runs errors handlers, and ends FAILED', async () => {
    const spec = flow(`
id: fails
namespace: t
tasks:
  - id: ok
    type: io.kestra.plugin.core.debug.Return
    format: x
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: it broke
  - id: never
    type: io.kestra.plugin.core.debug.Return
    format: y
errors:
  - id: handler
    type: io.kestra.plugin.core.log.Log
    message: "handling"
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(states(execution), ['ok:SUCCESS', 'boom:FAILED', 'handler:SUCCESS']);
    assert.equal(execution.taskRuns[1].error, 'it broke');
    assert.equal(execution.error, 'Task boom failed: it broke');
  });

  it('turns a failure into WARNING with allowFailure and carries on', async () => {
    const spec = flow(`
id: allow
namespace: t
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    allowFailure: true
  - id: next
    type: io.kestra.plugin.core.debug.Return
    format: y
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'WARNING');
    assert.deepEqual(states(execution), ['boom:WARNING', 'next:SUCCESS']);
  });

  it('skips a task whose runIf is false and leaves disabled tasks out entirely', async () => {
    const spec = flow(`
id: skip
namespace: t
tasks:
  - id: skipped
    type: io.kestra.plugin.core.debug.Return
    runIf: "false"
  - id: off
    type: io.kestra.plugin.core.debug.Return
    disabled: true
  - id: ran
    type: io.kestra.plugin.core.debug.Return
`);
    const { execution, calls } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(states(execution), ['skipped:SKIPPED', 'ran:SUCCESS']);
    assert.equal(calls.length, 1);
  });

  it('fails the task, not the workflow, when an expression refers to something undefined', async () => {
    const spec = flow(`
id: undefined_var
namespace: t
tasks:
  - id: bad
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.nothing.value }}"
`);
    const { execution, calls } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.equal(calls.length, 0);
    assert.match(execution.taskRuns[0].error ?? '', /Unable to find `nothing`/);
  });

  it('runs finally tasks after a failure', async () => {
    const spec = flow(`
id: fin
namespace: t
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
finally:
  - id: cleanup
    type: io.kestra.plugin.core.debug.Return
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(states(execution), ['boom:FAILED', 'cleanup:SUCCESS']);
  });
});

describe('interpreter: afterExecution', () => {
  it('runs after the final state is known, sees it, and cannot change it', async () => {
    const spec = flow(`
id: after_exec
namespace: t
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
afterExecution:
  - id: notify
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.state }}"
  - id: only_on_success
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ execution.state == 'SUCCESS' }}"
  - id: failing_too
    type: io.kestra.plugin.core.execution.Fail
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(states(execution), ['boom:FAILED', 'notify:SUCCESS', 'only_on_success:SKIPPED', 'failing_too:FAILED']);
    assert.deepEqual(execution.taskRuns[1].outputs, { value: 'FAILED' });
    assert.equal(execution.error, 'Task boom failed: Task failure');
  });
});
