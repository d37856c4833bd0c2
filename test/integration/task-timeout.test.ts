/**
 * Activity options (src/workflow/activity-options.ts): a task without `retry` is retried only when
 * its worker is lost (crash-recovery.test.ts); its own `timeout` ends it after one attempt, and
 * with a `retry`, a timeout counts as one of its attempts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { flow } from '../helpers/fake-port';
import { runToEnd, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('task timeout and retries of runnable tasks', { timeout: 120_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => {
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  const sleeper = (extra: string) =>
    flow(`
id: timeouts
namespace: tests.timeouts
tasks:
  - id: slow
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    timeout: PT1S
    commands: [sleep 30]
${extra}`);

  it('fails after one attempt when the timeout is exceeded and there is no retry', async () => {
    const started = Date.now();
    const execution = await runToEnd(fixture, sleeper(''));
    assert.equal(execution.state, 'FAILED');
    const slow = execution.taskRuns.find((r) => r.taskId === 'slow');
    assert.equal(slow?.attempts, 1);
    assert.match(slow?.error ?? '', /Timeout of PT1S exceeded/);
    assert.ok(Date.now() - started < 20_000, 'the process was stopped, not waited for');
  });

  it('counts a timeout as one attempt of a user retry', async () => {
    const execution = await runToEnd(fixture, sleeper('    retry:\n      type: constant\n      interval: PT0.1S\n      maxAttempts: 2\n'));
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.taskRuns.find((r) => r.taskId === 'slow')?.attempts, 2);
  });
});
