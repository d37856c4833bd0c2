import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow, runWithFakePort } from '../helpers/fake-port';

const states = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}:${r.state}:${r.attempts}`);

describe('interpreter: retry behavior CREATE_NEW_EXECUTION', () => {
  const flaky = flow(`
id: flaky
namespace: t
inputs:
  - id: day
    type: STRING
retry:
  type: constant
  behavior: CREATE_NEW_EXECUTION
  maxAttempts: 3
  interval: PT2S
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.day }}"
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: load
        type: io.kestra.plugin.core.debug.Return
        format: load
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: not reached
errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: failed
finally:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: cleanup
`);
  const loadFails = { load: () => new Error('the file is not there yet') };

  it('ends the execution RETRIED at the failed task, without errors or finally, and creates the next one after the interval', async () => {
    const { execution, calls, sleeps, subflowStarts, portEvents } = await runWithFakePort(flaky, { day: 'monday' }, loadFails);
    assert.equal(execution.state, 'RETRIED');
    assert.deepEqual(portEvents, ['RETRIED'], 'listed as RETRIED while it waits to create the next execution');
    assert.deepEqual(states(execution), ['first:SUCCESS:1', 'group:RETRIED:1', 'load:RETRIED:1']);
    assert.equal(calls.find((c) => c.invocation.taskId === 'load')?.options.retry, undefined, 'no retry within the execution');
    assert.deepEqual(
      sleeps.map((s) => s.ms),
      [2000],
    );
    assert.equal(subflowStarts.length, 1);
    const [next] = subflowStarts;
    assert.equal(next.wait, false, 'the new execution lives on after the RETRIED one ends');
    assert.equal(next.request.flow, flaky);
    assert.deepEqual(next.request.inputs, { day: 'monday' });
    assert.equal(next.request.labels['system.replay'], 'true');
    assert.equal(next.request.labels['system.correlationId'], 'exec-1', "the chain keeps the first execution's correlation id");
    assert.deepEqual(
      { ...next.request.retryOf, originalStartDate: undefined },
      {
        previousId: 'exec-1',
        originalId: 'exec-1',
        originalStartDate: undefined,
        attemptNumber: 2,
      },
    );
    assert.equal(next.request.retryOf?.originalStartDate, execution.startDate);
    assert.match(next.request.executionId, /^t\.flaky-[0-9a-z]+$/);
    assert.match(execution.error ?? '', /^Task load failed: the file is not there yet \(retried as execution t\.flaky-/);
  });

  it('logs the decision and the created execution', async () => {
    const { run, subflowStarts } = await runWithFakePort(flaky, { day: 'monday' }, loadFails);
    const lines = run.logs.map((l) => `${l.level} ${l.message}`);
    const id = subflowStarts[0].request.executionId;
    assert.ok(
      lines.includes(
        `WARN Execution RETRIED: task load failed and its retry creates a new execution (behavior CREATE_NEW_EXECUTION): ${id}, attempt 2 of 3, in PT2S`,
      ),
      lines.join('\n'),
    );
    assert.ok(lines.includes(`INFO Created execution ${id} (attempt 2)`), lines.join('\n'));
    assert.ok(!lines.includes('INFO cleanup') && !lines.includes('INFO failed'), 'errors and finally did not run');
  });

  it('the last attempt ends FAILED as without retry, errors and finally included', async () => {
    const retryOf = { previousId: 'exec-0', originalId: 'exec-first', originalStartDate: '2026-01-01T00:00:00Z', attemptNumber: 3 };
    const { execution, subflowStarts, run } = await runWithFakePort(flaky, { day: 'monday' }, loadFails, { retryOf });
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(states(execution), ['first:SUCCESS:1', 'group:FAILED:1', 'load:FAILED:1', 'alert:SUCCESS:1', 'cleanup:SUCCESS:1']);
    assert.equal(subflowStarts.length, 0);
    assert.equal(execution.attemptNumber, 3);
    assert.equal(execution.originalId, 'exec-first');
    assert.ok(run.logs.some((l) => l.message === 'Created by the retry of execution exec-0 (behavior CREATE_NEW_EXECUTION): attempt 3, same inputs'));
  });

  it('stops when the next execution would start after maxDuration from the first one', async () => {
    const bounded = flow(`
id: bounded
namespace: t
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      behavior: CREATE_NEW_EXECUTION
      interval: PT1M
      maxDuration: PT10M
`);
    const early = await runWithFakePort(
      bounded,
      {},
      {},
      {
        retryOf: { previousId: 'a', originalId: 'a', originalStartDate: '2025-12-31T23:55:00Z', attemptNumber: 4 },
      },
    );
    assert.equal(early.execution.state, 'RETRIED', 'a task-level retry creates new executions too; an inline Fail task counts');
    const late = await runWithFakePort(
      bounded,
      {},
      {},
      {
        retryOf: { previousId: 'a', originalId: 'a', originalStartDate: '2025-12-31T23:51:00Z', attemptNumber: 4 },
      },
    );
    assert.equal(late.execution.state, 'FAILED');
  });

  it('keeps RETRY_FAILED_TASK (the default) as a retry of the task run', async () => {
    const spec = flow(`
id: in_place
namespace: t
retry:
  type: constant
  behavior: RETRY_FAILED_TASK
  maxAttempts: 3
  interval: PT1S
tasks:
  - id: load
    type: io.kestra.plugin.core.debug.Return
    format: load
`);
    assert.equal(spec.retry?.behavior, undefined, 'the FlowSpec keeps the shape it had before CREATE_NEW_EXECUTION was run');
    const { execution, calls } = await runWithFakePort(spec, {}, loadFails);
    assert.equal(execution.state, 'FAILED');
    assert.equal(calls[0].options.retry?.maxAttempts, 3);
  });
});
