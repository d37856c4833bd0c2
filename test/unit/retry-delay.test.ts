import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayRetry, retryDelayMs } from '../../src/workflow/interpreter/retry-delay';

describe('retry delays run by the interpreter (Subflow)', () => {
  it('constant waits the interval; exponential is Kestra 0.21 linear (first retry immediate), capped', () => {
    assert.equal(retryDelayMs({ type: 'constant', interval: 'PT0.2S' }, 1), 200);
    const exponential = { type: 'exponential', interval: 'PT1S', maxInterval: 'PT5S' } as const;
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(exponential, n)),
      [0, 2000, 4000, 5000],
    );
    const random = retryDelayMs({ type: 'random', minInterval: 'PT1S', maxInterval: 'PT2S' }, 1);
    assert.ok(random >= 1000 && random < 2000, String(random));
  });

  it('stops at maxAttempts (total attempts) and when the next attempt would start after maxDuration', () => {
    assert.equal(mayRetry({ type: 'constant', maxAttempts: 3 }, 2, 0, 0), true);
    assert.equal(mayRetry({ type: 'constant', maxAttempts: 3 }, 3, 0, 0), false);
    assert.equal(mayRetry({ type: 'constant', maxDuration: 'PT1S' }, 5, 0, 1000), true);
    assert.equal(mayRetry({ type: 'constant', maxDuration: 'PT1S' }, 5, 0, 1001), false);
  });
});
