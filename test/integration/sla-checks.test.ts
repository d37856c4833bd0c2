import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { executionResult, startExecution } from '../../src/client/executions';
import { FlowValidationError } from '../../src/compiler/diagnostics';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { logsQuery } from '../../src/workflow/definitions';
import { flow } from '../helpers/fake-port';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}:${r.state}`);

/** A flow that sleeps `sleep`, then returns, under one SLA. */
const slaFlow = (id: string, sla: string, sleep = 'PT5S') =>
  flow(`
id: ${id}
namespace: tflow.tests.sla
sla:
${sla}
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: started
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: ${sleep}
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: done
`);

describe('flow sla and checks on a real Temporal dev server', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  async function run(
    spec: ReturnType<typeof flow>,
    inputs: Record<string, unknown> = {},
  ): Promise<{ execution: Execution; handle: WorkflowHandle; logs: string[] }> {
    const handle = await startExecution(fixture.client, fixture.config, spec, { inputs });
    const execution = await executionResult(handle);
    const { logs } = await handle.query(logsQuery, 0);
    return { execution, handle, logs: logs.map((l) => `${l.level} ${l.message}`) };
  }

  async function assertReplays(handle: WorkflowHandle): Promise<void> {
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);
  }

  it('MAX_DURATION with FAIL: the running task is killed, the execution FAILED with the reason and the SLA labels', async () => {
    const { execution, handle, logs } = await run(
      slaFlow('max_fail', '  - id: quick\n    type: MAX_DURATION\n    duration: PT1S\n    behavior: FAIL\n    labels:\n      sla: miss'),
    );
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['first:SUCCESS', 'nap:KILLED']);
    assert.match(
      execution.error ?? '',
      /^Execution failed due to SLA 'quick' violated: execution duration of PT[\d.]+S exceed the maximum duration of PT1S\.$/,
    );
    assert.equal(execution.labels.sla, 'miss');
    assert.ok(logs.some((l) => l.startsWith("ERROR Execution failed due to SLA 'quick' violated")));
    await assertReplays(handle);
  });

  it('MAX_DURATION with CANCEL: the execution ends CANCELLED, the rest never runs', async () => {
    const { execution, handle } = await run(slaFlow('max_cancel', '  - id: quick\n    type: MAX_DURATION\n    duration: PT1S\n    behavior: CANCEL'));
    assert.equal(execution.state, 'CANCELLED');
    assert.deepEqual(runs(execution), ['first:SUCCESS', 'nap:KILLED']);
    const { status } = await handle.describe();
    assert.equal(status.name, 'COMPLETED');
    await assertReplays(handle);
  });

  it('MAX_DURATION with NONE: the execution carries on to SUCCESS, labelled and logged', async () => {
    const { execution, handle, logs } = await run(
      slaFlow('max_none', '  - id: quick\n    type: MAX_DURATION\n    duration: PT0.5S\n    behavior: NONE\n    labels:\n      sla: late', 'PT2S'),
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['first:SUCCESS', 'nap:SUCCESS', 'last:SUCCESS']);
    assert.equal(execution.labels.sla, 'late');
    assert.ok(
      logs.some((l) => /^WARN SLA 'quick' violated: execution duration of PT[\d.]+S exceed the maximum duration of PT0.5S\.$/.test(l)),
      logs.join('\n'),
    );
    await assertReplays(handle);
  });

  it('MAX_DURATION not reached: nothing happens', async () => {
    const { execution, logs } = await run(
      slaFlow('max_ok', '  - id: roomy\n    type: MAX_DURATION\n    duration: PT1M\n    labels:\n      sla: miss', 'PT0.2S'),
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.equal(execution.labels.sla, undefined);
    assert.ok(!logs.some((l) => l.includes('SLA')));
  });

  it('EXECUTION_ASSERTION: evaluated at the end, a false one fails the execution (FAIL) or only labels it (NONE)', async () => {
    const assertion = (behavior: string) =>
      flow(`
id: assertion_${behavior.toLowerCase()}
namespace: tflow.tests.sla
sla:
  - id: right_value
    type: EXECUTION_ASSERTION
    assert: "{{ outputs.compute.value == 'expected' }}"
    behavior: ${behavior}
    labels:
      sla: broken
tasks:
  - id: compute
    type: io.kestra.plugin.core.debug.Return
    format: other
`);
    const failed = await run(assertion('FAIL'));
    assert.equal(failed.execution.state, 'FAILED');
    assert.equal(
      failed.execution.error,
      "Execution failed due to SLA 'right_value' violated: assertion is false: {{ outputs.compute.value == 'expected' }}.",
    );
    assert.deepEqual(runs(failed.execution), ['compute:SUCCESS']);
    assert.equal(failed.execution.labels.sla, 'broken');
    await assertReplays(failed.handle);

    const labelled = await run(assertion('NONE'));
    assert.equal(labelled.execution.state, 'SUCCESS');
    assert.equal(labelled.execution.labels.sla, 'broken');
  });

  it('several SLAs, as Kestra accepts them (a MAX_DURATION and two EXECUTION_ASSERTIONs sharing an id): each applies, the false assertion fires', async () => {
    const spec = flow(`
id: several_slas
namespace: tflow.tests.sla
inputs:
  - id: string
    type: STRING
sla:
  - id: roomy
    type: MAX_DURATION
    duration: PT1M
    behavior: FAIL
  - id: condition
    type: EXECUTION_ASSERTION
    behavior: CANCEL
    assert: "{{ inputs.string != 'CANCEL' }}"
  - id: condition
    type: EXECUTION_ASSERTION
    behavior: NONE
    assert: "{{ inputs.string != 'LABEL' }}"
    labels:
      sla: violated
tasks:
  - id: return
    type: io.kestra.plugin.core.debug.Return
    format: "true"
`);
    const passing = await run(spec, { string: 'OK' });
    assert.equal(passing.execution.state, 'SUCCESS');
    assert.equal(passing.execution.labels.sla, undefined);

    const cancelled = await run(spec, { string: 'CANCEL' });
    assert.equal(cancelled.execution.state, 'CANCELLED');
    assert.deepEqual(runs(cancelled.execution), ['return:SUCCESS']);
    assert.ok(
      cancelled.logs.includes("WARN Execution cancelled due to SLA 'condition' violated: assertion is false: {{ inputs.string != 'CANCEL' }}."),
      cancelled.logs.join('\n'),
    );
    await assertReplays(cancelled.handle);

    const labelled = await run(spec, { string: 'LABEL' });
    assert.equal(labelled.execution.state, 'SUCCESS');
    assert.equal(labelled.execution.labels.sla, 'violated');
    assert.ok(labelled.logs.includes("WARN SLA 'condition' violated: assertion is false: {{ inputs.string != 'LABEL' }}."), labelled.logs.join('\n'));
  });

  const checkedFlow = (behavior: string) =>
    flow(`
id: checked_${behavior.toLowerCase()}
namespace: tflow.tests.checks
inputs:
  - id: month
    type: INT
checks:
  - condition: "{{ inputs.month >= 1 and inputs.month <= 12 }}"
    message: "Month {{ inputs.month }} is not between 1 and 12"
    style: ERROR
    behavior: ${behavior}
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.month }}"
`);

  it('checks with BLOCK_EXECUTION: a false condition creates no execution and says why', async () => {
    const spec = checkedFlow('BLOCK_EXECUTION');
    await assert.rejects(
      startExecution(fixture.client, fixture.config, spec, { inputs: { month: 13 } }),
      (error: unknown) =>
        error instanceof FlowValidationError &&
        /inline\.yaml:\d+:\d+: Execution blocked by a flow check: Month 13 is not between 1 and 12 \[checks\]/.test(error.message),
    );
    const { execution } = await run(spec, { month: 3 });
    assert.equal(execution.state, 'SUCCESS');
  });

  it('checks with FAIL_EXECUTION: the execution is created FAILED, without running a task', async () => {
    const { execution, logs } = await run(checkedFlow('FAIL_EXECUTION'), { month: 0 });
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(execution.taskRuns, []);
    assert.equal(execution.error, 'Execution failed by a flow check: Month 0 is not between 1 and 12');
    assert.ok(logs.includes('ERROR Flow check failed: Month 0 is not between 1 and 12'));
  });

  it('checks with CREATE_EXECUTION: the execution runs, the message is logged', async () => {
    const { execution, logs } = await run(checkedFlow('CREATE_EXECUTION'), { month: 42 });
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['hello:SUCCESS']);
    assert.ok(logs.includes('ERROR Flow check failed: Month 42 is not between 1 and 12'));
  });
});
