import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { executionResult, killExecution, queryExecution, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { semaphoreWorkflowId } from '../../src/workflow/concurrency/semaphore';
import { flow } from '../helpers/fake-port';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

/** Semaphores this file started: they run on its task queue, whose worker stops with the file. */
const semaphores: string[] = [];

/** A flow of its own per test (so a semaphore of its own), with a task that takes `sleep`. */
const limitedFlow = (behavior: string, sleep: string) => {
  const spec = flow(`
id: limited
namespace: tflow.tests.concurrency${randomBytes(3).toString('hex')}
concurrency:
  limit: 1
  behavior: ${behavior}
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: ${sleep}
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.id }}"
`);
  semaphores.push(semaphoreWorkflowId(spec.namespace, spec.id));
  return spec;
};

/** The time an execution spent running tasks: from its first task's start to its last task's end. */
const taskSpan = (e: Execution) => ({ start: Date.parse(e.taskRuns[0].startDate!), end: Date.parse(e.taskRuns[e.taskRuns.length - 1].endDate!) });

describe('flow concurrency on a real Temporal dev server', { timeout: 240_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => {
    // An idle semaphore lingers a minute before it completes; its worker is about to stop.
    await Promise.all(
      semaphores.map((id) =>
        fixture.client.workflow
          .getHandle(id)
          .terminate('test done')
          .catch(() => undefined),
      ),
    );
    await fixture?.close();
  });

  const startThree = async (spec: ReturnType<typeof flow>) => Promise.all([1, 2, 3].map(() => startExecution(fixture.client, fixture.config, spec)));

  async function waitFor(handle: WorkflowHandle, ready: (e: Execution) => boolean): Promise<Execution> {
    for (let i = 0; i < 200; i++) {
      try {
        const execution = await queryExecution(handle);
        if (ready(execution)) return execution;
      } catch {
        // not picked up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${handle.workflowId} never reached the expected state`);
  }

  it('QUEUE, limit 1: three executions started at once run one after another', async () => {
    const executions = await Promise.all((await startThree(limitedFlow('QUEUE', 'PT1S'))).map(executionResult));
    assert.deepEqual(
      executions.map((e) => e.state),
      ['SUCCESS', 'SUCCESS', 'SUCCESS'],
    );
    const spans = executions.map(taskSpan).sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++)
      assert.ok(spans[i].start >= spans[i - 1].end, `execution ${i} started before the previous one ended: ${JSON.stringify(spans)}`);
    assert.ok(
      executions.every((e) => e.taskRuns.length === 2),
      'each ran both tasks',
    );
  });

  it('FAIL, limit 1: the extra executions end FAILED without running a task', async () => {
    const executions = await Promise.all((await startThree(limitedFlow('FAIL', 'PT2S'))).map(executionResult));
    assert.deepEqual(executions.map((e) => e.state).sort(), ['FAILED', 'FAILED', 'SUCCESS']);
    for (const failed of executions.filter((e) => e.state === 'FAILED')) {
      assert.deepEqual(failed.taskRuns, []);
      assert.equal(failed.error, 'Flow is FAILED due to concurrency limit exceeded');
    }
  });

  it('CANCEL, limit 1: the extra executions end CANCELLED without running a task', async () => {
    const executions = await Promise.all((await startThree(limitedFlow('CANCEL', 'PT2S'))).map(executionResult));
    assert.deepEqual(executions.map((e) => e.state).sort(), ['CANCELLED', 'CANCELLED', 'SUCCESS']);
    for (const cancelled of executions.filter((e) => e.state === 'CANCELLED')) assert.deepEqual(cancelled.taskRuns, []);
  });

  it('killing the execution that holds the slot lets the queued one run (no leaked slot)', async () => {
    const spec = limitedFlow('QUEUE', 'PT1H');
    const holder = await startExecution(fixture.client, fixture.config, spec);
    await waitFor(holder, (e) => e.taskRuns.some((r) => r.taskId === 'nap'));
    const waiting = await startExecution(fixture.client, fixture.config, spec);
    const queued = await waitFor(waiting, (e) => e.state === 'QUEUED');
    assert.deepEqual(queued.taskRuns, []);
    await killExecution(holder);
    assert.equal((await executionResult(holder)).state, 'KILLED');
    // The second one now holds the slot: it starts its (hour-long) nap; kill it too.
    await waitFor(waiting, (e) => e.state === 'RUNNING' && e.taskRuns.some((r) => r.taskId === 'nap'));
    await killExecution(waiting);
    assert.equal((await executionResult(waiting)).state, 'KILLED');
  });

  it('a holder terminated without a word (no release) does not keep its slot', async () => {
    const spec = limitedFlow('QUEUE', 'PT1H');
    const holder = await startExecution(fixture.client, fixture.config, spec);
    await waitFor(holder, (e) => e.taskRuns.some((r) => r.taskId === 'nap'));
    await holder.terminate('test: a holder that cannot release');
    // The next request finds the holder closed before making anyone wait.
    const next = await startExecution(fixture.client, fixture.config, spec);
    await waitFor(next, (e) => e.state === 'RUNNING' && e.taskRuns.some((r) => r.taskId === 'nap'));
    await killExecution(next);
    assert.equal((await executionResult(next)).state, 'KILLED');
  });
});
