/**
 * Kestra's WaitFor loop and the Subflow task's `outputs` mapping (issue 21), on the real Temporal
 * dev server and flow store: iterations are durable timers, each iteration's task runs replace the
 * previous one's, and a Subflow's `outputs` are rendered against the child execution.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { useDeployedFlows } from '../helpers/flow-store';
import { runWithLogs } from '../helpers/temporal';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.iteration !== undefined ? `#${r.iteration}` : ''}:${r.state}`);

describe('WaitFor and Subflow outputs on a real Temporal dev server', { timeout: 240_000 }, () => {
  // A child without flow outputs: the Subflow task's `outputs` read its task outputs.
  const deployed = useDeployedFlows('tflow.test.waitfor', (ns) => ({
    child: `id: child
namespace: ${ns}
inputs:
  - id: n
    type: INT
tasks:
  - id: square
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * inputs.n }}"
`,
  }));
  const { namespace } = deployed;

  const replays = async (handle: WorkflowHandle) =>
    Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);

  const counter = (condition: string, checkFrequency: string, failOnMaxReached?: boolean) =>
    flow(`
id: counter
namespace: ${namespace}
tasks:
  - id: waitfor
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "${condition}"
${failOnMaxReached === undefined ? '' : `    failOnMaxReached: ${failOnMaxReached}\n`}    checkFrequency:
${checkFrequency}
    tasks:
      - id: shell
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - echo '::{"outputs":{"n":{{ taskrun.iteration }}}}::'
      - id: output_values
        type: io.kestra.plugin.core.output.OutputValues
        values:
          count: "{{ outputs.waitfor.iterationCount + 1 }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "looped {{ outputs.waitfor.iterationCount }}, shell said {{ outputs.shell.vars.n }}"
`);

  it('loops until the condition holds: a shell task reads taskrun.iteration, the last iteration stays, the history replays', async () => {
    const { execution, logs, handle } = await runWithLogs(deployed.fixture, counter('{{ outputs.shell.vars.n >= 3 }}', '      interval: PT0.5S'));
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(runs(execution), ['waitfor#3:SUCCESS', 'shell#3:SUCCESS', 'output_values#3:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(execution.taskRuns[0].outputs, { iterationCount: 4 });
    assert.deepEqual(execution.taskRuns[2].outputs, { values: { count: '4' } });
    assert.ok(
      logs.some((l) => l.taskId === 'after' && l.message === 'looped 4, shell said 3'),
      logs.map((l) => l.message).join('\n'),
    );
    // The interval is a durable timer: two of them, between three iterations.
    const history = await handle.fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
    assert.equal(timers.length, 2);
    await replays(handle);
  });

  it("maxIterations reached with failOnMaxReached: FAILED with Kestra's message; without it, SUCCESS and a WARN line", async () => {
    const never = "{{ outputs.output_values.values.count == '10' }}";
    const failed = await runWithLogs(deployed.fixture, counter(never, '      maxIterations: 3\n      interval: PT0.2S', true));
    assert.equal(failed.execution.state, 'FAILED');
    assert.deepEqual(runs(failed.execution), ['waitfor#3:FAILED', 'shell#3:SUCCESS', 'output_values#3:SUCCESS']);
    assert.equal(failed.execution.error, 'Task waitfor failed: Max iterations reached');
    assert.ok(failed.logs.some((l) => l.level === 'WARN' && l.message === 'Max iterations reached' && l.taskId === 'waitfor'));

    const ended = await runWithLogs(deployed.fixture, counter(never, '      maxIterations: 2\n      interval: PT0.2S', false));
    assert.equal(ended.execution.state, 'SUCCESS');
    assert.deepEqual(runs(ended.execution), ['waitfor#2:SUCCESS', 'shell#2:SUCCESS', 'output_values#2:SUCCESS', 'after:SUCCESS']);
    assert.ok(ended.logs.some((l) => l.level === 'WARN' && l.message === 'Max iterations reached'));
    assert.ok(ended.logs.some((l) => l.message === 'looped 3, shell said 2'));
  });

  const parent = (outputs: string) =>
    flow(`
id: parent
namespace: ${namespace}
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: child
    inputs:
      n: 7
    outputs:
${outputs}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.squared }} from {{ outputs.call.executionId }}"
`);

  it("Subflow `outputs`: rendered against the child's outputs, read by the parent's next task; the histories replay", async () => {
    const { execution, handle } = await runWithLogs(
      deployed.fixture,
      parent('      squared: "{{ outputs.square.value }}"\n      state: "{{ execution.state }}"'),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(runs(execution), ['call:SUCCESS', 'after:SUCCESS']);
    const childId = `${execution.id}.call`;
    assert.deepEqual(execution.taskRuns[0].outputs, { executionId: childId, state: 'SUCCESS', outputs: { squared: '49', state: 'SUCCESS' } });
    assert.deepEqual(execution.taskRuns[1].outputs, { value: `49 from ${childId}` });
    await replays(handle);
    await replays(deployed.fixture.client.workflow.getHandle(childId));
  });

  it("Subflow `outputs` that cannot be rendered: the task fails with Kestra's message, the child itself succeeded", async () => {
    const { execution, logs } = await runWithLogs(deployed.fixture, parent('      squared: "{{ outputs.nope.value }}"'));
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['call:FAILED']);
    const { error, outputs } = execution.taskRuns[0];
    assert.match(error ?? '', /^Failed to extract outputs with the error: '.*nope/);
    assert.deepEqual(outputs, { executionId: `${execution.id}.call`, state: 'SUCCESS' });
    assert.ok(logs.some((l) => l.level === 'WARN' && l.message === error));
  });
});
