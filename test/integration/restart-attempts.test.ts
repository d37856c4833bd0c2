/**
 * Restart (Kestra's) of a flow whose second task failed once, on the real dev server and worker:
 * shell tasks append a line to a file each time they run, and `second` (and the `right` branch of a
 * Parallel) fail until a marker file exists. The marker is created between the run and the restart:
 * the restart keeps the execution id, reruns only what failed as a new attempt of the same task run,
 * runs what comes after once, and ends SUCCESS. A Parallel that failed continues its attempt.
 *
 * With TFLOW_RECORD_HISTORIES=1 it also saves the restarted Parallel's history to the replay corpus
 * (test/histories/restart_flowable_attempt.json): `npm run build && TFLOW_RECORD_HISTORIES=1 node
 * scripts/run-tests.js restart-attempts`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { executionResult, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { recordHistoryIfAsked } from '../helpers/histories';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('restart: the failed task gets attempt 2 and the execution goes on', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  const dir = join(tmpdir(), `tflow-restart-attempts-${randomBytes(4).toString('hex')}`);
  const marker = join(dir, 'marker');
  const runsOf = (taskId: string) => {
    const file = join(dir, taskId);
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0;
  };
  /** A shell task that appends a line to a file named after it each time it runs, then runs `more`. */
  const counted = (taskId: string, indent: string, ...more: string[]) =>
    [
      `- id: ${taskId}`,
      `  type: io.kestra.plugin.scripts.shell.Commands`,
      `  commands:`,
      `    - echo run >> ${join(dir, taskId)}`,
      ...more.map((line) => `    - ${line}`),
    ]
      .map((line) => indent + line)
      .join('\n');
  const gate = `test -f ${marker}`;

  /** `second` fails until the marker exists (unless `gateSecond` is false), and so does the `right` branch. */
  const spec = (gateSecond = true) =>
    flow(
      [
        'id: marker_restart',
        'namespace: tflow.test.restart',
        'tasks:',
        counted('first', '  '),
        gateSecond ? counted('second', '  ', gate) : counted('second', '  '),
        '  - id: branches',
        '    type: io.kestra.plugin.core.flow.Parallel',
        '    tasks:',
        counted('left', '      '),
        counted('right', '      ', gate),
        counted('third', '  '),
        'errors:',
        '  - id: alert',
        '    type: io.kestra.plugin.core.log.Log',
        '    message: "{{ task.id }} ran"',
      ].join('\n'),
    );

  before(async () => {
    mkdirSync(dir, { recursive: true });
    fixture = await startTemporalFixture();
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await fixture?.close();
  });

  const cliEnv = () => ({ TEMPORAL_ADDRESS: fixture.config.temporalAddress, TFLOW_TASK_QUEUE: fixture.config.taskQueue });
  const summary = (execution: Execution) => execution.taskRuns.map((r) => `${r.taskId}:${r.state}:${r.attempts}`);

  it('in a sequence: first is not run again, second gets attempt 2, third runs once; SUCCESS under the same id', async () => {
    const failed = await executionResult(await startExecution(fixture.client, fixture.config, spec()));
    assert.equal(failed.state, 'FAILED');
    assert.deepEqual(summary(failed), ['first:SUCCESS:1', 'second:FAILED:1', 'alert:SUCCESS:1']);

    writeFileSync(marker, '');
    const restarted = await runTflow(['restart', failed.id, '--wait', '--json'], cliEnv());
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.match(restarted.stderr, /restarted \(attempt 2\)/);
    const done = JSON.parse(restarted.stdout) as Execution;
    assert.equal(done.id, failed.id, 'same execution id');
    assert.equal(done.state, 'SUCCESS');
    assert.equal(done.attemptNumber, 2);
    assert.equal(done.labels['system.restarted'], 'true');
    // The errors branch of the failed attempt is not carried over, and does not run again.
    assert.deepEqual(summary(done), [
      'first:SUCCESS:1',
      'second:SUCCESS:2',
      'branches:SUCCESS:1',
      'left:SUCCESS:1',
      'right:SUCCESS:1',
      'third:SUCCESS:1',
    ]);
    assert.deepEqual(
      ['first', 'second', 'left', 'right', 'third'].map((t) => `${t}:${runsOf(t)}`),
      ['first:1', 'second:2', 'left:1', 'right:1', 'third:1'],
    );
  });

  it('in a Parallel: only the failed branch runs again, and the Parallel continues its attempt', async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // second passes at once, right fails until the marker exists.
    const failed = await executionResult(await startExecution(fixture.client, fixture.config, spec(false)));
    assert.equal(failed.state, 'FAILED');
    assert.deepEqual(summary(failed), [
      'first:SUCCESS:1',
      'second:SUCCESS:1',
      'branches:FAILED:1',
      'left:SUCCESS:1',
      'right:FAILED:1',
      'alert:SUCCESS:1',
    ]);

    writeFileSync(marker, '');
    const restarted = await runTflow(['restart', failed.id, '--wait', '--json'], cliEnv());
    assert.equal(restarted.code, 0, restarted.stderr);
    const done = JSON.parse(restarted.stdout) as Execution;
    assert.equal(done.state, 'SUCCESS');
    assert.deepEqual(summary(done), [
      'first:SUCCESS:1',
      'second:SUCCESS:1',
      'branches:SUCCESS:1',
      'left:SUCCESS:1',
      'right:SUCCESS:2',
      'third:SUCCESS:1',
    ]);
    assert.deepEqual(
      ['first', 'second', 'left', 'right', 'third'].map((t) => `${t}:${runsOf(t)}`),
      ['first:1', 'second:1', 'left:1', 'right:2', 'third:1'],
    );

    recordHistoryIfAsked(fixture.config.temporalAddress, failed.id, 'restart_flowable_attempt.json');
  });
});
