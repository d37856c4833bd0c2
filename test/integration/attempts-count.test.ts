/**
 * `{{ taskrun.attemptsCount }}` in a retried task: each Temporal attempt renders it anew (the
 * property is deferred to the activity), counting the attempts before it as Kestra does (0 on the
 * first attempt).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { flow } from '../helpers/fake-port';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('taskrun.attemptsCount across retries', { timeout: 120_000 }, () => {
  let fixture: TemporalFixture;

  before(async () => {
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  it('lets a Fail task succeed on its 3rd attempt (attemptsCount 0, 1, 2)', async () => {
    const { execution, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: attempts_count_fail
namespace: tflow.attempts_count
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount < 2 }}"
    retry: {type: constant, interval: PT0.1S, maxAttempts: 5}
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: flaky passed
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(taskRun('flaky')?.state, 'SUCCESS');
    assert.equal(taskRun('flaky')?.attempts, 3);
    assert.equal(taskRun('after')?.state, 'SUCCESS');
  });

  it('ends WARNING with warningOnRetry, like the Kestra docs example (succeeds when attemptsCount is 4)', async () => {
    const { execution, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: attempts_count_warning
namespace: tflow.attempts_count
tasks:
  - id: fifth
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount != 4 }}"
    retry: {type: constant, interval: PT0.1S, maxAttempts: 5, warningOnRetry: true}
`),
    );
    assert.equal(execution.state, 'WARNING', execution.error);
    assert.equal(taskRun('fifth')?.state, 'WARNING');
    assert.equal(taskRun('fifth')?.attempts, 5);
  });

  it('renders the count of the last attempt in the error of a task that never succeeds', async () => {
    const { execution, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: attempts_count_exhausted
namespace: tflow.attempts_count
tasks:
  - id: always
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "gave up after {{ taskrun.attemptsCount }} retries"
    retry: {type: constant, interval: PT0.1S, maxAttempts: 3}
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(taskRun('always')?.attempts, 3);
    assert.match(execution.error ?? '', /gave up after 2 retries/);
  });

  it('logs 0 on the first attempt, with retry (activity) and without (run in the workflow)', async () => {
    const { execution, logs } = await runWithLogs(
      fixture,
      flow(`
id: attempts_count_log
namespace: tflow.attempts_count
tasks:
  - id: retried_log
    type: io.kestra.plugin.core.log.Log
    message: "retried log attempt {{ taskrun.attemptsCount }}"
    retry: {type: constant, interval: PT0.1S, maxAttempts: 3}
  - id: plain_log
    type: io.kestra.plugin.core.log.Log
    message: "plain log attempt {{ taskrun.attemptsCount }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const messages = (taskId: string) => logs.filter((l) => l.taskId === taskId).map((l) => l.message);
    assert.ok(messages('retried_log').includes('retried log attempt 0'), JSON.stringify(messages('retried_log')));
    assert.ok(messages('plain_log').includes('plain log attempt 0'), JSON.stringify(messages('plain_log')));
  });

  it('retries a task whose properties fail to render (an undefined variable on the first attempts); warningOnRetry gives WARNING', async () => {
    const { execution, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: attempts_count_render_error
namespace: tflow.attempts_count
tasks:
  - id: late
    type: io.kestra.plugin.core.debug.Return
    format: "{{ taskrun.attemptsCount < 2 ? not_defined_yet : 'rendered on attempt ' ~ taskrun.attemptsCount }}"
    retry: {type: constant, interval: PT0.1S, maxAttempts: 5, warningOnRetry: true}
  - id: once
    type: io.kestra.plugin.core.debug.Return
    format: "{{ taskrun.attemptsCount < 2 ? not_defined_yet : 'never' }}"
    allowFailure: true
`),
    );
    assert.equal(execution.state, 'WARNING', execution.error);
    assert.equal(taskRun('late')?.state, 'WARNING');
    assert.equal(taskRun('late')?.attempts, 3);
    assert.deepEqual(taskRun('late')?.outputs, { value: 'rendered on attempt 2' });
    // Without `retry`, a render error fails the task on its only attempt.
    assert.equal(taskRun('once')?.attempts, 1);
    assert.match(taskRun('once')?.error ?? '', /not_defined_yet/);
  });
});
