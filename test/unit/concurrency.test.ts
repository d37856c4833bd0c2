import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySemaphore, mustWait, releaseSlot, requestSlot, type SlotRequest } from '../../src/workflow/concurrency/semaphore';
import type { ConcurrencySpec } from '../../src/workflow/flow/spec';
import { FlowRun } from '../../src/workflow/interpreter/flow-run';
import type { InterpreterPort } from '../../src/workflow/interpreter/interpreter-port';
import { flow } from '../helpers/fake-port';

const queue = (executionId: string, limit = 1): SlotRequest => ({ executionId, limit, behavior: 'QUEUE' });

describe('concurrency semaphore (pure decisions)', () => {
  it('grants up to the limit, queues the rest FIFO, and grants the next on release', () => {
    const state = emptySemaphore();
    assert.deepEqual(requestSlot(state, queue('a', 2)), [{ executionId: 'a', decision: { status: 'granted' } }]);
    assert.deepEqual(requestSlot(state, queue('b', 2)), [{ executionId: 'b', decision: { status: 'granted' } }]);
    assert.equal(mustWait(state, queue('c', 2)), true);
    assert.deepEqual(requestSlot(state, queue('c', 2)), [{ executionId: 'c', decision: { status: 'queued', running: 2 } }]);
    assert.deepEqual(requestSlot(state, queue('d', 2)), [{ executionId: 'd', decision: { status: 'queued', running: 2 } }]);
    assert.deepEqual(releaseSlot(state, 'b'), [{ executionId: 'c', decision: { status: 'granted' } }]);
    assert.deepEqual(state, { holders: ['a', 'c'], queue: [queue('d', 2)] });
    // Leaving the queue (killed while waiting) grants nothing and keeps the order.
    assert.deepEqual(releaseSlot(state, 'd'), []);
    assert.deepEqual(releaseSlot(state, 'a'), []);
    assert.deepEqual(state, { holders: ['c'], queue: [] });
  });

  it('refuses CANCEL and FAIL requests over the limit, keeping nothing', () => {
    const state = emptySemaphore();
    requestSlot(state, { executionId: 'a', limit: 1, behavior: 'FAIL' });
    assert.deepEqual(requestSlot(state, { executionId: 'b', limit: 1, behavior: 'FAIL' }), [
      { executionId: 'b', decision: { status: 'refused', running: 1 } },
    ]);
    assert.deepEqual(requestSlot(state, { executionId: 'c', limit: 1, behavior: 'CANCEL' }), [
      { executionId: 'c', decision: { status: 'refused', running: 1 } },
    ]);
    assert.deepEqual(state, { holders: ['a'], queue: [] });
  });

  it('answers a repeated request the same way (a retried local activity)', () => {
    const state = emptySemaphore();
    requestSlot(state, queue('a'));
    requestSlot(state, queue('b'));
    assert.deepEqual(requestSlot(state, queue('a')), [{ executionId: 'a', decision: { status: 'granted' } }]);
    assert.deepEqual(requestSlot(state, queue('b')), [{ executionId: 'b', decision: { status: 'queued', running: 1 } }]);
    assert.deepEqual(state, { holders: ['a'], queue: [queue('b')] });
  });

  it('never lets a newcomer overtake the queue', () => {
    const state = emptySemaphore();
    requestSlot(state, queue('a', 1));
    requestSlot(state, queue('b', 1));
    // A later revision raised the limit: the queued one still goes first.
    assert.equal(requestSlot(state, queue('c', 3))[0].decision.status, 'queued');
    // Then each waiter's own limit applies: b (limit 1) takes the free slot, c (limit 3) fits too.
    assert.deepEqual(releaseSlot(state, 'a'), [
      { executionId: 'b', decision: { status: 'granted' } },
      { executionId: 'c', decision: { status: 'granted' } },
    ]);
  });
});

const limited = (behavior: ConcurrencySpec['behavior']) =>
  flow(`
id: limited
namespace: t
concurrency:
  limit: 1
  behavior: ${behavior}
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: ran
`);

/** Runs a flow whose slot request gets `granted`, after `queuedWith` running ones when given. */
async function runWithSlot(behavior: ConcurrencySpec['behavior'], granted: boolean, queuedWith?: number) {
  const events: string[] = [];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const port: InterpreterPort = {
    async runTask(invocation) {
      events.push(`task ${invocation.taskId}`);
      return { outputs: { value: invocation.properties.format }, logs: [], attempts: 1 };
    },
    sleep: async () => undefined,
    waitUntil: async () => true,
    isCancellation: () => false,
    newId: () => `id${clock}`,
    now: () => new Date((clock += 10)),
    async acquireConcurrencySlot(concurrency, onQueued) {
      events.push(`acquire ${concurrency.limit} ${concurrency.behavior}`);
      if (queuedWith !== undefined) {
        onQueued(queuedWith);
        events.push(`state ${run.execution.state}`);
      }
      return granted;
    },
    async releaseConcurrencySlot() {
      events.push('release');
    },
  };
  const run = new FlowRun({ executionId: 'e1', flow: limited(behavior), inputs: {}, labels: {} }, port);
  const execution = await run.run();
  return { execution, events, logs: run.logs.map((l) => `${l.level} ${l.message}`) };
}

describe('interpreter: flow concurrency', () => {
  it('the compiler carries concurrency into the flow spec', () => {
    assert.deepEqual(limited('CANCEL').concurrency, { limit: 1, behavior: 'CANCEL' });
  });

  it('runs the tasks once the slot is granted, then releases it', async () => {
    const { execution, events } = await runWithSlot('QUEUE', true);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(events, ['acquire 1 QUEUE', 'task only', 'release']);
  });

  it('QUEUE: the execution is QUEUED while it waits, and says why', async () => {
    const { execution, events, logs } = await runWithSlot('QUEUE', true, 1);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(events, ['acquire 1 QUEUE', 'state QUEUED', 'task only', 'release']);
    assert.deepEqual(logs, ['INFO Flow is queued due to concurrency limit exceeded, 1 running(s)']);
  });

  it('FAIL: ends FAILED without running a task', async () => {
    const { execution, events } = await runWithSlot('FAIL', false);
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.error, 'Flow is FAILED due to concurrency limit exceeded');
    assert.deepEqual(execution.taskRuns, []);
    assert.deepEqual(events, ['acquire 1 FAIL', 'release']);
  });

  it('CANCEL: ends CANCELLED without running a task', async () => {
    const { execution, events } = await runWithSlot('CANCEL', false);
    assert.equal(execution.state, 'CANCELLED');
    assert.deepEqual(execution.taskRuns, []);
    assert.deepEqual(events, ['acquire 1 CANCEL', 'release']);
  });
});
