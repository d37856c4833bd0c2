import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { executionResult, queryExecution, resumeExecution, ResumeRefusedError, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { FlowStateKey, LabelsKey } from '../../src/workflow/search-attributes';
import { flow } from '../helpers/fake-port';
import { PROJECT_ROOT, TFLOW_BIN } from '../helpers/paths';
import { runToEnd, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const exec = promisify(execFile);
const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.value !== undefined ? `[${r.value}]` : ''}:${r.state}`);
const outputsOf = (e: Execution, taskId: string) => e.taskRuns.find((r) => r.taskId === taskId)?.outputs;
const RETURN = 'io.kestra.plugin.core.debug.Return';

describe('flowable tasks on a real Temporal dev server', { timeout: 240_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  async function tflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await exec(process.execPath, [TFLOW_BIN, ...args], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, TFLOW_TASK_QUEUE: fixture.config.taskQueue },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  /** Replays a finished execution's history against today's workflow code (update and cancellation paths included). */
  async function assertReplays(handle: WorkflowHandle): Promise<void> {
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);
  }

  /** Polls the live execution until `ready` holds. */
  async function waitFor(handle: WorkflowHandle, ready: (e: Execution) => boolean): Promise<Execution> {
    for (let i = 0; i < 100; i++) {
      try {
        const execution = await queryExecution(handle);
        if (ready(execution)) return execution;
      } catch {
        // Not picked up by the worker yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the execution never got there');
  }

  it('If, Switch and OutputValues: the branch taken, outputs and task runs', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: branches
namespace: tests.flowables
inputs:
  - id: color
    type: STRING
    defaults: green
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.color == 'green' }}"
    then:
      - id: is_green
        type: ${RETURN}
        format: green!
    else:
      - id: not_green
        type: ${RETURN}
        format: not green
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.color }}"
    cases:
      yellow:
        - id: yellow_task
          type: ${RETURN}
    defaults:
      - id: other
        type: io.kestra.plugin.core.output.OutputValues
        values:
          picked: "{{ outputs.is_green.value }}"
outputs:
  - id: picked
    type: STRING
    value: "{{ outputs.other.values.picked }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['check:SUCCESS', 'is_green:SUCCESS', 'route:SUCCESS', 'other:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'check'), { evaluationResult: true });
    assert.deepEqual(outputsOf(execution, 'route'), { value: 'green', defaults: true });
    assert.deepEqual(execution.outputs, { picked: 'green!' });
  });

  // Return tasks run inside the workflow unless they have a `retry` or `timeout`: these tests give
  // them a timeout, to check how activities are scheduled and named.
  it('Parallel: all children are scheduled together, as activities named by task id', async () => {
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`
id: fan_out
namespace: tests.flowables
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: ${RETURN}
        format: A
        timeout: PT1M
      - id: b
        type: ${RETURN}
        format: B
        timeout: PT1M
      - id: c
        type: ${RETURN}
        format: C
        timeout: PT1M
`),
    );
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['fan:SUCCESS', 'a:SUCCESS', 'b:SUCCESS', 'c:SUCCESS']);
    const scheduled = ((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
    assert.deepEqual(
      scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityId),
      ['a', 'b', 'c'],
    );
    // Scheduled by the same workflow task: none waited for another.
    assert.equal(new Set(scheduled.map((e) => String(e.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId))).size, 1);
  });

  it('ForEach: one iteration per value, task runs carry the value, outputs keyed by value', async () => {
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`
id: loop
namespace: tests.flowables
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: '["2024-01", "2024-02", "2024-01"]'
    concurrencyLimit: 0
    tasks:
      - id: month
        type: ${RETURN}
        format: "file-{{ taskrun.value }}.csv"
        timeout: PT1M
  - id: after
    type: ${RETURN}
    format: "{{ outputs.month['2024-02'].value }}"
    timeout: PT1M
`),
    );
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['each:SUCCESS', 'month[2024-01]:SUCCESS', 'month[2024-02]:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'after'), { value: 'file-2024-02.csv' });
    const scheduled = ((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
    assert.deepEqual(
      scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityId),
      ['month[2024-01]', 'month[2024-02]', 'after'],
    );
  });

  it('Sleep: a durable timer with the task id as its summary', async () => {
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`
id: nap
namespace: tests.flowables
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.5S
  - id: after
    type: ${RETURN}
`),
    );
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['nap:SUCCESS', 'after:SUCCESS']);
    const timers = ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerStartedEventAttributes);
    assert.equal(timers.length, 1);
    assert.equal(
      Number(timers[0].timerStartedEventAttributes?.startToFireTimeout?.nanos ?? 0) +
        Number(timers[0].timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) * 1e9,
      5e8,
    );
    const summary = timers[0].userMetadata?.summary;
    assert.ok(summary?.data);
    assert.equal(fixture.client.options.loadedDataConverter.payloadConverter.fromPayload(summary), 'nap');
  });

  it('Labels: merged into the execution and its Labels search attribute', async () => {
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`
id: labelled
namespace: tests.flowables
labels:
  team: data
tasks:
  - id: tag
    type: io.kestra.plugin.core.execution.Labels
    labels:
      taxi: green
      year: 2024
`),
    );
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(execution.labels, { 'system.correlationId': execution.id, team: 'data', taxi: 'green', year: '2024' });
    const description = await handle.describe();
    assert.deepEqual([...(description.typedSearchAttributes.get(LabelsKey) ?? [])].sort(), [
      `system.correlationId:${execution.id}`,
      'taxi:green',
      'team:data',
      'year:2024',
    ]);
  });

  const pauseFlow = flow(`
id: approval
namespace: tests.flowables
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: reason
        type: STRING
      - id: count
        type: INT
        defaults: 1
  - id: after
    type: ${RETURN}
    format: "{{ outputs.approve.onResume.reason }} x{{ outputs.approve.onResume.count }}"
`);

  it('Pause: PAUSED until resumed; a resume with invalid inputs is refused; onResume inputs become outputs', async () => {
    const handle = await startExecution(fixture.client, fixture.config, pauseFlow);
    const paused = await waitFor(handle, (e) => e.state === 'PAUSED');
    assert.deepEqual(runs(paused), ['approve:PAUSED']);
    assert.equal((await handle.describe()).typedSearchAttributes.get(FlowStateKey), 'PAUSED');

    await assert.rejects(
      resumeExecution(handle, { count: 'two' }),
      (e: Error) => e instanceof ResumeRefusedError && /Invalid input for `reason`/.test(e.message),
    );
    assert.deepEqual(await resumeExecution(handle, { reason: 'looks good', count: '3' }), ['approve']);

    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['approve:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'approve'), { onResume: { reason: 'looks good', count: 3 } });
    assert.deepEqual(outputsOf(execution, 'after'), { value: 'looks good x3' });
    await assert.rejects(resumeExecution(handle, {}));
    await assertReplays(handle);
  });

  it('tflow resume and tflow kill: a paused execution resumed from the CLI, another one killed', async () => {
    const resumed = await startExecution(fixture.client, fixture.config, pauseFlow);
    await waitFor(resumed, (e) => e.state === 'PAUSED');
    let result = await tflow('resume', resumed.workflowId);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot resume .*missing required input/);
    result = await tflow('resume', resumed.workflowId, '-i', 'reason=cli');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /resumed \(approve\)/);
    assert.equal((await executionResult(resumed)).state, 'SUCCESS');

    const killed = await startExecution(fixture.client, fixture.config, pauseFlow);
    await waitFor(killed, (e) => e.state === 'PAUSED');
    result = await tflow('kill', killed.workflowId);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /: KILLED/);
  });

  it('kill: running tasks and the execution end KILLED; the workflow is Canceled', async () => {
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`
id: long_sleep
namespace: tests.flowables
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: nap
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1H
      - id: quick
        type: ${RETURN}
  - id: never
    type: ${RETURN}
`),
    );
    await waitFor(handle, (e) => e.taskRuns.some((r) => r.taskId === 'quick' && r.state === 'SUCCESS'));
    await handle.cancel();
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'KILLED');
    assert.deepEqual(runs(execution), ['fan:KILLED', 'nap:KILLED', 'quick:SUCCESS']);
    const description = await handle.describe();
    assert.equal(description.status.name, 'CANCELLED');
    assert.equal(description.typedSearchAttributes.get(FlowStateKey), 'KILLED');
    await assertReplays(handle);
  });
});
