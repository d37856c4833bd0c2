/**
 * An activity's retries wait Kestra's delays (src/workflow/retry-delay.ts), which the failed attempt
 * reports to Temporal: for `exponential`, an immediate first retry, then growing linearly up to
 * `maxInterval` (Temporal's own backoff would have waited `interval` first, then multiplied it).
 * Each attempt of a shell task appends its start time to a file; the gaps are the delays.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flow } from '../helpers/fake-port';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('activity retry delays on a real Temporal dev server', { timeout: 120_000 }, () => {
  let fixture: TemporalFixture;
  const stamps = join(tmpdir(), `tflow-retry-delays-${randomBytes(4).toString('hex')}.txt`);

  before(async () => {
    fixture = await startTemporalFixture();
  });
  after(async () => {
    rmSync(stamps, { force: true });
    await fixture?.close();
  });

  it('exponential: 0, then interval × delayFactor × (attempts − 1), capped by maxInterval', async () => {
    const { execution, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: retry_delays
namespace: tflow.retry_delays
tasks:
  - id: flaky
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - date +%s%3N >> ${stamps}
      - '[ "$(wc -l < ${stamps})" -ge 4 ] || exit 1'
    retry: {type: exponential, interval: PT2S, delayFactor: 1, maxInterval: PT3S, maxAttempts: 5}
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(taskRun('flaky')?.attempts, 4);
    const starts = readFileSync(stamps, 'utf8').trim().split('\n').map(Number);
    const gaps = starts.slice(1).map((start, i) => start - starts[i]);
    // Expected 0, 2000 and 3000 ms (maxInterval), plus the time an attempt takes to fail and the next
    // to start; the dev server starts no retry in less than about a second. Temporal's own backoff
    // would have waited 2000 ms each time.
    assert.ok(gaps[0] < 1600, `first retry after ${gaps[0]} ms, expected at once`);
    assert.ok(gaps[1] >= 2000 && gaps[1] < 2900, `second retry after ${gaps[1]} ms, expected 2000`);
    assert.ok(gaps[2] >= 3000 && gaps[2] < 3900, `third retry after ${gaps[2]} ms, expected 3000 (maxInterval)`);
  });
});
