/**
 * Properties the workflow renders itself, on a real Temporal dev server: an error while rendering
 * them is a failed attempt, retried under the task's `retry` after a durable timer, as Kestra does
 * (src/workflow/interpreter/render-retries.ts). A task reading the output of a parallel sibling that
 * is not there yet renders again until it is; one that never renders fails after maxAttempts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { flow } from '../helpers/fake-port';
import { flowWithLateOutput } from '../helpers/late-output';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

/**
 * How many attempts Temporal made of the activity `activityId`, from the workflow history (which
 * keeps only the last attempt's started event, with its attempt number); 0 when never scheduled.
 */
async function activityAttempts(handle: WorkflowHandle, activityId: string): Promise<number> {
  const { events } = await handle.fetchHistory();
  const scheduled = new Set(
    (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityId === activityId).map((e) => String(e.eventId)),
  );
  const started = (events ?? []).filter((e) => scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '')));
  return Math.max(0, ...started.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
}

describe('render errors in the workflow are retried under `retry`', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  it("renders a task again until a parallel sibling's output is there; warningOnRetry gives WARNING", async () => {
    const { execution, taskRun, logs } = await runWithLogs(
      fixture,
      flow(
        flowWithLateOutput(
          'late_sibling',
          'tflow.render_retry',
          `      - id: reader
        type: io.kestra.plugin.core.log.Log
        message: "sibling says {{ outputs.ready.value }}"
        retry: {type: constant, interval: PT0.3S, maxAttempts: 30, warningOnRetry: true}
      - id: label
        type: io.kestra.plugin.core.execution.Labels
        labels:
          sibling: "{{ outputs.ready.value }}"
        retry: {type: constant, interval: PT0.3S, maxAttempts: 30}
`,
        ),
      ),
    );
    assert.equal(execution.state, 'WARNING', execution.error);
    const reader = taskRun('reader')!;
    assert.equal(reader.state, 'WARNING');
    assert.ok(reader.attempts >= 2, `reader made ${reader.attempts} attempts`);
    const readerLogs = logs.filter((l) => l.taskId === 'reader').map((l) => `${l.level} ${l.message}`);
    const undefinedReady =
      "property 'message': Unable to find `ready` used in the expression `sibling says {{ outputs.ready.value }}` at line 1, column 25";
    assert.equal(readerLogs[0], `WARN Attempt 1 failed: ${undefinedReady}; attempt 2 in 300 ms`);
    assert.equal(readerLogs.filter((l) => l.startsWith('WARN Attempt')).length, reader.attempts - 1);
    assert.equal(readerLogs[readerLogs.length - 1], 'INFO sibling says ready');
    // An inline task (run by the workflow itself) alike; without warningOnRetry a later success is SUCCESS.
    assert.equal(taskRun('label')?.state, 'SUCCESS');
    assert.ok((taskRun('label')?.attempts ?? 0) >= 2);
    assert.equal(execution.labels.sibling, 'ready');
  });

  it('fails after exactly maxAttempts with the render error when the variable never appears', async () => {
    const { execution, logs, handle } = await runWithLogs(
      fixture,
      flow(`
id: never_renders
namespace: tflow.render_retry
tasks:
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "rows: {{ outputs.extract.rows }}"
    retry: {type: constant, interval: PT0.2S, maxAttempts: 3}
  - id: not_reached
    type: io.kestra.plugin.core.log.Log
    message: not reached
`),
    );
    const error = "property 'format': Unable to find `extract` used in the expression `rows: {{ outputs.extract.rows }}` at line 1, column 18";
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}:${r.attempts}`),
      ['report:FAILED:3'],
    );
    assert.equal(execution.error, `Task report failed: ${error}`);
    assert.deepEqual(
      logs.filter((l) => l.taskId === 'report').map((l) => `${l.level} ${l.message}`),
      [`WARN Attempt 1 failed: ${error}; attempt 2 in 200 ms`, `WARN Attempt 2 failed: ${error}; attempt 3 in 200 ms`, `ERROR ${error}`],
    );
    assert.equal(await activityAttempts(handle, 'report'), 0, 'no activity runs for a task whose properties never render');
  });

  it('counts the failed renders among maxAttempts: the activity makes the rest, numbered after them (taskrun.attemptsCount)', async () => {
    const { execution, taskRun, logs, handle } = await runWithLogs(
      fixture,
      flow(
        flowWithLateOutput(
          'renders_then_activity',
          'tflow.render_retry',
          `      - id: gate
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ outputs.ready.value == 'ready' }}"
        errorMessage: "gave up after {{ taskrun.attemptsCount }} retries"
        retry: {type: constant, interval: PT0.3S, maxAttempts: 8}
`,
        ),
      ),
    );
    assert.equal(execution.state, 'FAILED');
    const gate = taskRun('gate')!;
    assert.equal(gate.attempts, 8);
    assert.equal(gate.error, 'gave up after 7 retries');
    const failedRenders = logs.filter((l) => l.taskId === 'gate' && l.message.startsWith('Attempt ')).length;
    assert.ok(failedRenders >= 1 && failedRenders < 8, `${failedRenders} failed renders`);
    assert.equal(await activityAttempts(handle, 'gate'), 8 - failedRenders);
  });
});
