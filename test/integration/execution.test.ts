import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { executionResult, startExecution } from '../../src/client/executions';
import { compileFlowFile } from '../../src/compiler/compile';
import { FlowStateKey, LabelsKey } from '../../src/workflow/search-attributes';
import { logsQuery } from '../../src/workflow/definitions';
import { flow } from '../helpers/fake-port';
import { PROJECT_ROOT } from '../helpers/paths';
import { runToEnd, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('executions on a real Temporal dev server', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  const helloWorld = () => {
    const { spec } = compileFlowFile(join(PROJECT_ROOT, 'flows', '01_hello_world.yaml'));
    assert.ok(spec);
    return spec;
  };

  it('runs the hello-world flow: final state, outputs, task runs and logs', async () => {
    const handle = await startExecution(fixture.client, fixture.config, helloWorld(), { inputs: { name: 'Ada' } });
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS');
    assert.equal(execution.id, handle.workflowId);
    assert.deepEqual(execution.inputs, { name: 'Ada' });
    assert.deepEqual(
      execution.taskRuns.map((r) => [r.taskId, r.state, r.attempts]),
      [
        ['hello_message', 'SUCCESS', 1],
        ['generate_output', 'SUCCESS', 1],
        ['log_output', 'SUCCESS', 1],
        ['goodbye_message', 'SUCCESS', 1],
      ],
    );
    assert.deepEqual(execution.taskRuns[1].outputs, { value: 'I was generated during this workflow.' });
    const { logs } = await handle.query(logsQuery, 0);
    assert.deepEqual(
      logs.filter((l) => l.level === 'INFO').map((l) => `${l.taskId}: ${l.message}`),
      ['hello_message: Hello, Ada!', 'log_output: This is an output: I was generated during this workflow.', 'goodbye_message: Goodbye, Ada!'],
    );
  });

  it('shows the flow in Temporal: workflow type, search attributes; pure tasks (Log, Return) run in the workflow, no activity', async () => {
    const handle = await startExecution(fixture.client, fixture.config, helloWorld());
    const execution = await executionResult(handle);
    const description = await handle.describe();
    assert.equal(description.type, 'zoomcamp.01_hello_world');
    assert.equal(description.typedSearchAttributes.get(FlowStateKey), 'SUCCESS');
    assert.deepEqual(description.typedSearchAttributes.get(LabelsKey), [`system.correlationId:${execution.id}`, 'course:zoomcamp']);

    // Log and Return are pure computation: no activity round trip (src/workflow/pure-tasks.ts),
    // behind a patch marker so older histories still replay. Their task runs are in the execution.
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes).length, 0);
    assert.equal(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length >= 1, true);
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['hello_message:SUCCESS', 'generate_output:SUCCESS', 'log_output:SUCCESS', 'goodbye_message:SUCCESS'],
    );
  });

  it('fails the execution when a task fails: one attempt without retry, the message kept', async () => {
    const spec = flow(`
id: failing
namespace: tests
tasks:
  - id: before
    type: io.kestra.plugin.core.debug.Return
    format: fine
  - id: broken
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "the source file is missing"
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: unreachable
`);
    const execution = await runToEnd(fixture, spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => [r.taskId, r.state, r.attempts]),
      [
        ['before', 'SUCCESS', 1],
        ['broken', 'FAILED', 1],
      ],
    );
    assert.equal(execution.taskRuns[1].error, 'the source file is missing');
    assert.equal(execution.error, 'Task broken failed: the source file is missing');
  });

  it('retries a task as its retry says, then fails', async () => {
    const spec = flow(`
id: retrying
namespace: tests
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 3
`);
    const execution = await runToEnd(fixture, spec);
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.taskRuns[0].attempts, 3);
  });

  it('lets errors handlers run and keeps the execution FAILED', async () => {
    const spec = flow(`
id: with_errors
namespace: tests
tasks:
  - id: broken
    type: io.kestra.plugin.core.execution.Fail
errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: "alerting on {{ execution.id }}"
`);
    const execution = await runToEnd(fixture, spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['broken:FAILED', 'alert:SUCCESS'],
    );
  });
});
