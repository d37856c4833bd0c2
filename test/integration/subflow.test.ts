import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { executionResult, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { useDeployedFlows } from '../helpers/flow-store';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}:${r.state}`);
const outputsOf = (e: Execution, taskId: string) => e.taskRuns.find((r) => r.taskId === taskId)?.outputs;

describe('Subflow on a real Temporal dev server and flow store', { timeout: 180_000 }, () => {
  const deployed = useDeployedFlows('tflow.test.subflow', (ns) => ({
    child: `id: child
namespace: ${ns}
inputs:
  - id: n
    type: INT
  - id: fail
    type: BOOLEAN
    defaults: false
tasks:
  - id: maybe_fail
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.fail }}"
    errorMessage: asked to fail
outputs:
  - id: doubled
    type: INT
    value: "{{ inputs.n * 2 }}"
  - id: parent
    type: STRING
    value: "{{ trigger.namespace }}.{{ trigger.flowId }} {{ trigger.executionId }}"
`,
  }));
  const { namespace } = deployed;

  const parent = (extra = '') =>
    flow(`
id: parent
namespace: ${namespace}
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: child
    inputs:
      n: "{{ 20 + 1 }}"
${extra}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.doubled }}"
`);

  it('runs the deployed child with inputs, waits, and gives its outputs to the next task; the history replays', async () => {
    const handle = await startExecution(deployed.fixture.client, deployed.fixture.config, parent());
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(runs(execution), ['call:SUCCESS', 'after:SUCCESS']);
    const childId = `${execution.id}.call`;
    assert.deepEqual(outputsOf(execution, 'call'), {
      executionId: childId,
      state: 'SUCCESS',
      outputs: { doubled: 42, parent: `${namespace}.parent ${execution.id}` },
    });
    assert.equal(outputsOf(execution, 'after')?.value, '42');

    const child = deployed.fixture.client.workflow.getHandle(childId);
    const description = await child.describe();
    assert.equal(description.type, `${namespace}.child`);
    assert.equal(description.parentExecution?.workflowId, execution.id);
    const childExecution = (await child.result()) as Execution;
    assert.equal(childExecution.labels['system.correlationId'], execution.id);

    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);
  });

  it('a FAILED child fails the task (transmitFailed), or not with transmitFailed: false; wait: false only starts it', async () => {
    const failing = await executionResult(await startExecution(deployed.fixture.client, deployed.fixture.config, parent('      fail: true')));
    assert.equal(failing.state, 'FAILED');
    assert.deepEqual(runs(failing), ['call:FAILED']);
    assert.equal((outputsOf(failing, 'call') as { state: string }).state, 'FAILED');

    const tolerant = await executionResult(
      await startExecution(deployed.fixture.client, deployed.fixture.config, parent('      fail: true\n    transmitFailed: false')),
    );
    assert.equal(tolerant.taskRuns[0].state, 'SUCCESS');
    assert.equal((outputsOf(tolerant, 'call') as { state: string }).state, 'FAILED');

    const detached = await executionResult(await startExecution(deployed.fixture.client, deployed.fixture.config, parent('    wait: false')));
    assert.deepEqual(outputsOf(detached, 'call'), { executionId: `${detached.id}.call` });
    const child = (await deployed.fixture.client.workflow.getHandle(`${detached.id}.call`).result()) as Execution;
    assert.equal(child.state, 'SUCCESS');
  });

  it("invalid inputs fail the Subflow task with Kestra's message and start no child", async () => {
    const execution = await executionResult(
      await startExecution(
        deployed.fixture.client,
        deployed.fixture.config,
        flow(`
id: bad_inputs
namespace: ${namespace}
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: child
    inputs:
      n: not-a-number
  - id: missing
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: nope
`),
      ),
    );
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['call:FAILED']);
    assert.match(execution.taskRuns[0].error ?? '', /^Invalid input for `n`, .*not-a-number/);

    const missing = await executionResult(
      await startExecution(
        deployed.fixture.client,
        deployed.fixture.config,
        flow(`
id: missing_flow
namespace: ${namespace}
tasks:
  - id: missing
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: nope
`),
      ),
    );
    assert.equal(missing.state, 'FAILED');
    assert.equal(missing.taskRuns[0].error, `Unable to find flow '${namespace}'.'nope'`);
  });
});
