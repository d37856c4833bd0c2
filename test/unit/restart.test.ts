import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { FlowRun } from '../../src/workflow/interpreter/flow-run';
import { previousTaskRuns } from '../../src/workflow/interpreter/restart';
import { flow, runWithFakePort } from '../helpers/fake-port';

const states = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.value !== undefined ? `[${r.value}]` : ''}:${r.state}`);
const attempts = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.value !== undefined ? `[${r.value}]` : ''}:${r.attempts}`);
const failsOn =
  (...failing: string[]) =>
  (inv: { properties: Record<string, unknown> }) =>
    failing.includes(String(inv.properties.format)) ? new Error(`boom on ${inv.properties.format}`) : { value: inv.properties.format };
const restartOf = (previous: Execution, attempt = 2) => ({ restart: { attempt, taskRuns: previousTaskRuns(previous) } });

describe('interpreter: restart of a failed execution', () => {
  const sequential = flow(`
id: restartable
namespace: t
tasks:
  - id: stamp
    type: io.kestra.plugin.core.debug.Return
    format: "{{ now() }}"
  - id: optional
    type: io.kestra.plugin.core.debug.Return
    format: optional
    allowFailure: true
  - id: load
    type: io.kestra.plugin.core.debug.Return
    format: "load after {{ outputs.stamp.value }}"
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.load.value }}"
`);

  it('reuses SUCCESS and WARNING task runs with their outputs and runs the failed task and the ones after it', async () => {
    let loadFails = true;
    const behaviours = {
      stamp: () => ({ value: `stamp-${Math.random()}` }),
      optional: () => new Error('optional failed'),
      load: (inv: { properties: Record<string, unknown> }) => (loadFails ? new Error('no file yet') : { value: inv.properties.format }),
    };
    const first = await runWithFakePort(sequential, {}, behaviours);
    assert.equal(first.execution.state, 'FAILED');
    assert.deepEqual(states(first.execution), ['stamp:SUCCESS', 'optional:WARNING', 'load:FAILED']);
    const stamp = first.execution.taskRuns[0].outputs.value;

    loadFails = false;
    const second = await runWithFakePort(sequential, {}, behaviours, restartOf(first.execution));
    assert.equal(second.execution.state, 'WARNING', 'the reused WARNING task run counts in the final state');
    assert.deepEqual(
      second.calls.map((c) => c.invocation.taskId),
      ['load', 'report'],
      'stamp and optional do not run again',
    );
    assert.deepEqual(states(second.execution), ['stamp:SUCCESS', 'optional:WARNING', 'load:SUCCESS', 'report:SUCCESS']);
    assert.deepEqual(second.execution.taskRuns[0].outputs, { value: stamp });
    assert.equal(second.execution.taskRuns[3].outputs.value, `load after ${stamp}`, 'later tasks see the reused outputs');
    // The attempt history: load failed once, then succeeded.
    assert.deepEqual(attempts(second.execution), ['stamp:1', 'optional:1', 'load:2', 'report:1']);
    assert.match(second.run.logs[0].message, /^Restarted \(attempt 2\)/);
    assert.ok(second.run.logs.some((l) => l.taskId === 'stamp' && /Not run again: it ended SUCCESS in the previous attempt/.test(l.message)));
  });

  it('is RESTARTED until it runs again', async () => {
    const first = await runWithFakePort(sequential, {}, { load: () => new Error('no') });
    const restarted = new FlowRun(
      { executionId: 'exec-1', flow: sequential, inputs: {}, labels: {}, ...restartOf(first.execution) },
      {
        runTask: async () => ({ outputs: { value: 'x' }, logs: [], attempts: 1 }),
        sleep: async () => undefined,
        waitUntil: async () => true,
        isCancellation: () => false,
        newId: () => 'id',
        now: () => new Date(0),
      },
    );
    assert.equal(restarted.execution.state, 'RESTARTED');
    assert.equal((await restarted.run()).state, 'SUCCESS');
  });

  it('runs errors handlers and finally tasks again rather than reusing them', async () => {
    const spec = flow(`
id: with_branches
namespace: t
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: first
  - id: flaky
    type: io.kestra.plugin.core.debug.Return
    format: flaky
errors:
  - id: alert
    type: io.kestra.plugin.core.debug.Return
    format: alert
finally:
  - id: cleanup
    type: io.kestra.plugin.core.debug.Return
    format: cleanup
`);
    const first = await runWithFakePort(spec, {}, { flaky: failsOn('flaky') });
    assert.deepEqual(states(first.execution), ['first:SUCCESS', 'flaky:FAILED', 'alert:SUCCESS', 'cleanup:SUCCESS']);

    // Still failing: the errors branch runs again.
    const second = await runWithFakePort(spec, {}, { flaky: failsOn('flaky') }, restartOf(first.execution));
    assert.deepEqual(
      second.calls.map((c) => c.invocation.taskId),
      ['flaky', 'alert', 'cleanup'],
    );
    assert.equal(second.execution.state, 'FAILED');
    assert.deepEqual(attempts(second.execution), ['first:1', 'flaky:2', 'alert:1', 'cleanup:1']);

    // Fixed: no errors branch, finally runs once more.
    const third = await runWithFakePort(spec, {}, {}, restartOf(second.execution, 3));
    assert.deepEqual(
      third.calls.map((c) => c.invocation.taskId),
      ['flaky', 'cleanup'],
    );
    assert.deepEqual(states(third.execution), ['first:SUCCESS', 'flaky:SUCCESS', 'cleanup:SUCCESS']);
    assert.deepEqual(attempts(third.execution), ['first:1', 'flaky:3', 'cleanup:1']);
  });

  it('re-evaluates flowable tasks: a ForEach runs again only the iterations that did not succeed', async () => {
    const spec = flow(`
id: loop
namespace: t
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    tasks:
      - id: fetch
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
      - id: group
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: parse
            type: io.kestra.plugin.core.debug.Return
            format: "parsed {{ outputs.fetch[taskrun.value].value }}"
  - id: summary
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.parse.a.value }}, {{ outputs.parse.b.value }}, {{ outputs.parse.c.value }}"
`);
    const first = await runWithFakePort(spec, {}, { parse: failsOn('parsed b') });
    assert.equal(first.execution.state, 'FAILED');
    assert.deepEqual(states(first.execution), [
      'each:FAILED',
      'fetch[a]:SUCCESS',
      'group[a]:SUCCESS',
      'parse[a]:SUCCESS',
      'fetch[b]:SUCCESS',
      'group[b]:FAILED',
      'parse[b]:FAILED',
    ]);

    const second = await runWithFakePort(spec, {}, {}, restartOf(first.execution));
    assert.equal(second.execution.state, 'SUCCESS');
    assert.deepEqual(
      second.calls.map((c) => `${c.invocation.taskId} ${c.options.activityId}`),
      ['parse parse[b]', 'fetch fetch[c]', 'parse parse[c]', 'summary summary'],
      'iteration a and fetch of b are reused; the failed parse of b and iteration c run',
    );
    assert.equal(second.execution.taskRuns.find((r) => r.taskId === 'summary')?.outputs.value, 'parsed a, parsed b, parsed c');
    // The failed task gets attempt 2; the flowables around it continue their attempt, as in Kestra.
    const byKey = Object.fromEntries(attempts(second.execution).map((a) => a.split(':')));
    assert.deepEqual(byKey, {
      each: '1',
      'fetch[a]': '1',
      'group[a]': '1',
      'parse[a]': '1',
      'fetch[b]': '1',
      'group[b]': '1',
      'parse[b]': '2',
      'fetch[c]': '1',
      'group[c]': '1',
      'parse[c]': '1',
      summary: '1',
    });
  });

  it('reuses a WorkingDirectory that succeeded whole, and runs all the tasks of one that failed again', async () => {
    const spec = flow(`
id: shared_dir
namespace: t
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: download
        type: io.kestra.plugin.scripts.shell.Commands
        commands: ["download"]
      - id: transform
        type: io.kestra.plugin.scripts.shell.Commands
        commands: ["transform"]
  - id: publish
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.transform.exitCode }}"
`);
    const ok = () => ({ exitCode: 0 });
    const fails = () => new Error('exit 1');

    // The directory's tasks succeeded, a later task failed: nothing in the directory runs again.
    const first = await runWithFakePort(spec, {}, { download: ok, transform: ok, publish: fails });
    assert.deepEqual(states(first.execution), ['wd:SUCCESS', 'download:SUCCESS', 'transform:SUCCESS', 'publish:FAILED']);
    const second = await runWithFakePort(spec, {}, { download: ok, transform: ok }, restartOf(first.execution));
    assert.deepEqual(
      second.calls.map((c) => c.invocation.taskId),
      ['publish'],
    );
    assert.deepEqual(states(second.execution), ['wd:SUCCESS', 'download:SUCCESS', 'transform:SUCCESS', 'publish:SUCCESS']);
    assert.equal(second.execution.taskRuns[3].outputs.value, '0');

    // Its second task failed: the directory is gone, so both its tasks run again.
    const broken = await runWithFakePort(spec, {}, { download: ok, transform: fails });
    assert.deepEqual(states(broken.execution), ['wd:FAILED', 'download:SUCCESS', 'transform:FAILED']);
    const fixed = await runWithFakePort(spec, {}, { download: ok, transform: ok }, restartOf(broken.execution));
    assert.deepEqual(
      fixed.calls.map((c) => c.invocation.taskId),
      ['download', 'transform', 'publish'],
    );
    assert.equal(fixed.execution.state, 'SUCCESS');
  });

  it('carries only what a restart needs: outputs of reusable task runs, no errors or dates', () => {
    const previous: Execution = {
      id: 'e',
      namespace: 't',
      flowId: 'f',
      revision: 1,
      state: 'FAILED',
      inputs: {},
      outputs: {},
      labels: {},
      startDate: '2026-01-01T00:00:00Z',
      taskRuns: [
        { id: 'r1', taskId: 'a', state: 'SUCCESS', attempts: 1, outputs: { value: 1 }, startDate: 'x', endDate: 'y' },
        { id: 'r2', taskId: 'b', parentTaskRunId: 'r1', value: 'v', state: 'FAILED', attempts: 3, outputs: { partial: true }, error: 'boom' },
      ],
    };
    assert.deepEqual(previousTaskRuns(previous), [
      { id: 'r1', taskId: 'a', state: 'SUCCESS', attempts: 1, outputs: { value: 1 } },
      { id: 'r2', taskId: 'b', parentTaskRunId: 'r1', value: 'v', state: 'FAILED', attempts: 3 },
    ]);
  });
});
