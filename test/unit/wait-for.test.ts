import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlow } from '../../src/compiler/compile';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow, runWithFakePort } from '../helpers/fake-port';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.iteration !== undefined ? `#${r.iteration}` : ''}:${r.state}`);
const outputsOf = (e: Execution, taskId: string) => e.taskRuns.find((r) => r.taskId === taskId)?.outputs;

/** Kestra's own WaitFor fixtures (waitfor*.yaml): OutputValues counts from `iterationCount`. */
const waitFor = (condition: string, more = '', extraChild = '') =>
  flow(`
id: waitfor
namespace: t
tasks:
  - id: waitfor
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "${condition}"
${more}    tasks:
      - id: output_values
        type: io.kestra.plugin.core.output.OutputValues
        values:
          count: "{{ outputs.waitfor.iterationCount + 1 }}"
          iteration: "{{ taskrun.iteration }}"
${extraChild}  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.waitfor.iterationCount }} {{ outputs.output_values.values.count }}"
`);

describe('flowable: WaitFor', () => {
  it('runs its tasks until the condition holds, waiting the interval between iterations; only the last iteration stays', async () => {
    const { execution, sleeps } = await runWithFakePort(waitFor("{{ outputs.output_values.values.count == '4' }}"));
    assert.equal(execution.state, 'SUCCESS');
    // Iteration 3 gives count 4; the earlier iterations' task runs are replaced, as in Kestra.
    assert.deepEqual(runs(execution), ['waitfor#3:SUCCESS', 'output_values#3:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'output_values'), { values: { count: '4', iteration: '3' } });
    // As in Kestra, iterationCount is one more than the iterations run once the loop ended.
    assert.deepEqual(outputsOf(execution, 'waitfor'), { iterationCount: 4 });
    assert.deepEqual(outputsOf(execution, 'after'), { value: '4 4' });
    assert.deepEqual(
      sleeps.map((s) => `${s.summary} ${s.ms}`),
      ['waitfor 1000', 'waitfor 1000'],
    );
  });

  it('maxIterations reached with failOnMaxReached: FAILED with Kestra message, the errors branch runs', async () => {
    const spec = waitFor(
      "{{ outputs.output_values.values.count == '10' }}",
      '    failOnMaxReached: true\n    checkFrequency:\n      maxIterations: 3\n      interval: PT0.2S\n',
    );
    const { execution, sleeps } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['waitfor#3:FAILED', 'output_values#3:SUCCESS']);
    assert.equal(execution.taskRuns[0].error, 'Max iterations reached');
    assert.equal(execution.error, 'Task waitfor failed: Max iterations reached');
    assert.deepEqual(
      sleeps.map((s) => s.ms),
      [200, 200],
    );
  });

  it('maxIterations reached without failOnMaxReached: the last iteration state (SUCCESS), a WARN line, the flow goes on', async () => {
    const spec = waitFor("{{ outputs.output_values.values.count == '6' }}", '    checkFrequency:\n      maxIterations: 5\n      interval: PT0.2S\n');
    const { execution, run } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['waitfor#5:SUCCESS', 'output_values#5:SUCCESS', 'after:SUCCESS']);
    assert.ok(run.logs.some((l) => l.level === 'WARN' && l.message === 'Max iterations reached' && l.taskId === 'waitfor'));
  });

  it('maxDuration reached: measured from the task start, checked after each iteration', async () => {
    const spec = waitFor(
      "{{ outputs.output_values.values.count == '-5' }}",
      '    failOnMaxReached: true\n    checkFrequency:\n      maxDuration: PT5S\n      interval: PT2S\n',
    );
    const { execution, run } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    // Iterations start at 0s, 2s, 4s, 6s: after the 4th, more than 5s passed.
    assert.deepEqual(runs(execution), ['waitfor#4:FAILED', 'output_values#4:SUCCESS']);
    assert.equal(execution.taskRuns[0].error, 'Max duration reached');
    assert.ok(run.logs.some((l) => l.level === 'WARN' && l.message === 'Max duration reached'));
  });

  it('a failed child ends the loop FAILED at once', async () => {
    const spec = waitFor(
      "{{ outputs.output_values.values.count == '6' }}",
      '    checkFrequency:\n      maxIterations: 5\n      interval: PT0.2S\n',
      '      - id: fail\n        type: io.kestra.plugin.core.execution.Fail\n',
    );
    const { execution, sleeps } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['waitfor#1:FAILED', 'output_values#1:SUCCESS', 'fail#1:FAILED']);
    assert.equal(sleeps.length, 0);
    assert.deepEqual(outputsOf(execution, 'waitfor'), { iterationCount: 1 });
  });

  it('a Subflow in the loop starts one child per iteration, each with its own id', async () => {
    const child = flow('id: child\nnamespace: t\ntasks:\n  - id: r\n    type: io.kestra.plugin.core.debug.Return\n    format: x\n');
    const spec = flow(`
id: loop_subflow
namespace: t
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ outputs.loop.iterationCount > 2 }}"
    tasks:
      - id: call
        type: io.kestra.plugin.core.flow.Subflow
        namespace: t
        flowId: child
`);
    const { execution, subflowStarts } = await runWithFakePort(spec, {}, {}, { subflows: { 't.child': { flow: child } } });
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(
      subflowStarts.map((s) => s.request.executionId),
      [1, 2].map((i) => `${execution.id}.call-i${i}`),
    );
  });

  it('validation: maxIterations above the cap and a zero interval are refused with file:line:col', () => {
    const messagesFor = (checkFrequency: string) =>
      compileFlow(
        `id: w
namespace: t
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ true }}"
    checkFrequency:
${checkFrequency}
    tasks:
      - id: r
        type: io.kestra.plugin.core.debug.Return
        format: x
`,
        'w.yaml',
      ).diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`);
    assert.deepEqual(messagesFor('      maxIterations: 5000'), [
      "8:22 `checkFrequency.maxIterations` is at most 1000 in tflow: every iteration adds to the execution's Temporal history, which is bounded",
    ]);
    assert.deepEqual(messagesFor('      interval: PT0S'), ['8:17 `checkFrequency.interval` must be a positive duration']);
    assert.deepEqual(messagesFor('      maxIterations: 1000\n      interval: PT1M'), []);
  });
});
