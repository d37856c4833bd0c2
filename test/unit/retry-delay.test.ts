import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityInputFor, retryPolicyFor } from '../../src/workflow/activity-options';
import type { TaskInvocation } from '../../src/workflow/interpreter/task-invocation';
import { mayRetry, retryDelayMs } from '../../src/workflow/retry-delay';

describe("Kestra's retry delays (one function for Subflows and activities)", () => {
  it('constant: the interval after every failed attempt, the first one included', () => {
    const constant = { type: 'constant', interval: 'PT0.2S' } as const;
    assert.deepEqual(
      [1, 2, 5].map((n) => retryDelayMs(constant, n)),
      [200, 200, 200],
    );
  });

  it('exponential: immediate first retry, then interval × delayFactor × (attempts − 1), capped by maxInterval', () => {
    const exponential = { type: 'exponential', interval: 'PT1S', maxInterval: 'PT5S' } as const;
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(exponential, n)),
      [0, 2000, 4000, 5000],
    );
    const factor3 = { type: 'exponential', interval: 'PT0.5S', maxInterval: 'PT1H', delayFactor: 3 } as const;
    assert.deepEqual(
      [1, 2, 3].map((n) => retryDelayMs(factor3, n)),
      [0, 1500, 3000],
    );
    // A fractional factor is used as written (Kestra truncates it: docs/kestra-compatibility.md).
    assert.equal(retryDelayMs({ type: 'exponential', interval: 'PT1S', maxInterval: 'PT1H', delayFactor: 1.5 }, 3), 3000);
  });

  it('random: from minInterval (included) to maxInterval (excluded)', () => {
    const random = { type: 'random', minInterval: 'PT1S', maxInterval: 'PT2S' } as const;
    assert.equal(
      retryDelayMs(random, 1, () => 0),
      1000,
    );
    assert.equal(
      retryDelayMs(random, 1, () => 0.5),
      1500,
    );
    assert.equal(
      retryDelayMs(random, 1, () => 0.999999),
      1999,
    );
    for (let i = 0; i < 50; i++) {
      const delay = retryDelayMs(random, 3);
      assert.ok(delay >= 1000 && delay < 2000, String(delay));
    }
  });

  it('stops at maxAttempts (total attempts) and when the next attempt would start after maxDuration', () => {
    assert.equal(mayRetry({ type: 'constant', maxAttempts: 3 }, 2, 0, 0), true);
    assert.equal(mayRetry({ type: 'constant', maxAttempts: 3 }, 3, 0, 0), false);
    assert.equal(mayRetry({ type: 'constant', maxDuration: 'PT1S' }, 5, 0, 1000), true);
    assert.equal(mayRetry({ type: 'constant', maxDuration: 'PT1S' }, 5, 0, 1001), false);
  });
});

describe('activities: the retry policy bounds attempts, the activity gets the retry to compute its delays', () => {
  it('the policy keeps maxAttempts and a fixed interval, whatever the type', () => {
    assert.deepEqual(retryPolicyFor({ type: 'exponential', interval: 'PT2S', maxInterval: 'PT1M', delayFactor: 4, maxAttempts: 5 }), {
      maximumAttempts: 5,
      initialInterval: 2000,
      backoffCoefficient: 1,
      nonRetryableErrorTypes: ['InvalidTaskProperties'],
    });
    assert.equal(retryPolicyFor({ type: 'random', minInterval: 'PT3S', maxInterval: 'PT9S' }).initialInterval, 3000);
  });

  it('the activity input carries the retry only when the task has one', () => {
    const invocation = { taskId: 't' } as TaskInvocation;
    const retry = { type: 'constant', interval: 'PT1S' } as const;
    assert.deepEqual(activityInputFor(invocation, { summary: 't', activityId: 't', retry }), { taskId: 't', retry });
    assert.equal(activityInputFor(invocation, { summary: 't', activityId: 't' }), invocation);
  });
});
