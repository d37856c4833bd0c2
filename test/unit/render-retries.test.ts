/**
 * Properties the workflow renders itself (runnable tasks before their activity, inline tasks): a
 * render error is a failed attempt, retried under the task's `retry` after a durable timer, as
 * Kestra retries it (src/workflow/interpreter/render-retries.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityInputFor, activityOptionsFor } from '../../src/workflow/activity-options';
import type { TaskInvocation } from '../../src/workflow/interpreter/task-invocation';
import { flow, runWithFakePort } from '../helpers/fake-port';
import { flowWithLateOutput } from '../helpers/late-output';

const UNDEFINED = "property 'format': Unable to find `never` used in the expression `{{ outputs.never.value }}` at line 1, column 12";

describe('interpreter: a render error is a failed attempt under `retry`', () => {
  it('renders again after each retry delay, then fails after exactly maxAttempts with the render error', async () => {
    const { execution, calls, sleeps, run } = await runWithFakePort(
      flow(`
id: render_always_fails
namespace: t
tasks:
  - id: bad
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.never.value }}"
    retry: {type: constant, interval: PT2S, maxAttempts: 3}
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.taskRuns[0].attempts, 3);
    assert.equal(execution.taskRuns[0].error, UNDEFINED);
    assert.equal(calls.length, 0, 'no activity is scheduled for a task whose properties never render');
    assert.deepEqual(sleeps, [
      { ms: 2000, summary: 'bad' },
      { ms: 2000, summary: 'bad' },
    ]);
    assert.deepEqual(
      run.logs.map((l) => `${l.level} ${l.message}`),
      [
        `WARN Attempt 1 failed: ${UNDEFINED}; attempt 2 in 2000 ms`,
        `WARN Attempt 2 failed: ${UNDEFINED}; attempt 3 in 2000 ms`,
        `ERROR ${UNDEFINED}`,
      ],
    );
  });

  it('stops when the next attempt would start after maxDuration', async () => {
    const { execution, sleeps } = await runWithFakePort(
      flow(`
id: render_max_duration
namespace: t
tasks:
  - id: bad
    type: io.kestra.plugin.core.output.OutputValues
    values:
      v: "{{ outputs.never.value }}"
    retry: {type: constant, interval: PT10S, maxDuration: PT25S}
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.taskRuns[0].attempts, 3);
    assert.equal(sleeps.length, 2);
  });

  it('without retry, fails on the first attempt with no timer', async () => {
    const { execution, sleeps } = await runWithFakePort(
      flow(`
id: render_no_retry
namespace: t
tasks:
  - id: bad
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.never.value }}"
`),
    );
    assert.equal(execution.taskRuns[0].attempts, 1);
    assert.equal(execution.taskRuns[0].error, UNDEFINED);
    assert.deepEqual(sleeps, []);
  });

  it('succeeds once a parallel sibling set the output it reads: attempts counted across renders and the activity, WARNING with warningOnRetry', async () => {
    const { execution, calls } = await runWithFakePort(
      flow(
        flowWithLateOutput(
          'render_late_sibling',
          't',
          `      - id: reader
        type: io.kestra.plugin.core.debug.Return
        format: "got {{ outputs.ready.value }}"
        retry: {type: constant, interval: PT0.1S, maxAttempts: 50, warningOnRetry: true}
      - id: label
        type: io.kestra.plugin.core.execution.Labels
        labels:
          seen: "{{ outputs.ready.value }}"
        retry: {type: constant, interval: PT0.1S, maxAttempts: 50}
`,
        ),
      ),
    );
    const reader = execution.taskRuns.find((r) => r.taskId === 'reader')!;
    assert.equal(reader.state, 'WARNING');
    assert.ok(reader.attempts > 1, `attempts ${reader.attempts}`);
    assert.deepEqual(reader.outputs, { value: 'got ready' });
    const scheduled = calls.find((c) => c.invocation.taskId === 'reader')!;
    assert.deepEqual(scheduled.options.earlier?.attempts, reader.attempts - 1);
    const label = execution.taskRuns.find((r) => r.taskId === 'label')!;
    assert.equal(label.state, 'SUCCESS', 'no warningOnRetry: a later attempt that succeeds is SUCCESS');
    assert.ok(label.attempts > 1);
    assert.equal(execution.labels.seen, 'ready');
    assert.equal(execution.state, 'WARNING');
  });
});

describe('activities: attempts made in the workflow before the activity', () => {
  it('use up part of maxAttempts and maxDuration, and the activity numbers its attempts after them', () => {
    const retry = { type: 'constant', interval: 'PT1S', maxAttempts: 5, maxDuration: 'PT1M' } as const;
    const options = { summary: 't', activityId: 't', retry, earlier: { attempts: 2, elapsedMs: 20_000 } };
    const activity = activityOptionsFor(options);
    assert.equal(activity.retry?.maximumAttempts, 3);
    assert.equal(activity.scheduleToCloseTimeout, 40_000);
    assert.deepEqual(activityInputFor({ taskId: 't' } as TaskInvocation, options), { taskId: 't', retry, earlierAttempts: 2 });
  });
});
