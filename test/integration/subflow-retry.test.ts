import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { executionResult, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { useDeployedFlows } from '../helpers/flow-store';

describe('Subflow retry on a real Temporal dev server and flow store', { timeout: 180_000 }, () => {
  // Fails on its first execution for a given KV key, succeeds from the second on.
  const deployed = useDeployedFlows('tflow.test.subflowretry', (ns) => ({
    flaky: `id: flaky
namespace: ${ns}
inputs:
  - id: key
    type: STRING
tasks:
  - id: count
    type: io.kestra.plugin.core.kv.Set
    key: "{{ inputs.key }}"
    value: "{{ (kv(inputs.key, errorOnMissing=false) ?? 0) + 1 }}"
  - id: read
    type: io.kestra.plugin.core.kv.Get
    key: "{{ inputs.key }}"
  - id: fail_first
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ outputs.read.value == 1 }}"
    errorMessage: first execution fails
outputs:
  - id: tries
    type: INT
    value: "{{ outputs.read.value }}"
`,
  }));
  const { namespace } = deployed;

  const parent = (key: string, retry: string) =>
    flow(`
id: parent
namespace: ${namespace}
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: flaky
    inputs:
      key: ${key}
    retry: ${retry}
`);

  it('a failed child is retried as a new child execution after the delay; the history replays', async () => {
    const handle = await startExecution(
      deployed.fixture.client,
      deployed.fixture.config,
      parent('retried', '{type: constant, interval: PT0.2S, maxAttempts: 3}'),
    );
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const call = execution.taskRuns.find((r) => r.taskId === 'call');
    assert.equal(call?.state, 'SUCCESS');
    assert.equal(call?.attempts, 2);
    assert.deepEqual(call?.outputs, { executionId: `${execution.id}.call-a2`, state: 'SUCCESS', outputs: { tries: 2 } });
    const first = (await deployed.fixture.client.workflow
      .getHandle(`${execution.id}.call`)
      .result()
      .catch((error: Error) => error)) as Error;
    assert.ok(first instanceof Error, 'the first child execution failed');
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);
  });

  it('warningOnRetry: a success after a retry ends WARNING', async () => {
    const execution = await executionResult(
      await startExecution(
        deployed.fixture.client,
        deployed.fixture.config,
        parent('warned', '{type: constant, interval: PT0.2S, maxAttempts: 3, warningOnRetry: true}'),
      ),
    );
    const call = execution.taskRuns.find((r) => r.taskId === 'call');
    assert.deepEqual({ state: call?.state, attempts: call?.attempts }, { state: 'WARNING', attempts: 2 });
  });

  it('with maxAttempts 1 the failed child fails the task, and no second child starts', async () => {
    const execution: Execution = await executionResult(
      await startExecution(deployed.fixture.client, deployed.fixture.config, parent('once', '{type: constant, interval: PT0.2S, maxAttempts: 1}')),
    );
    assert.equal(execution.state, 'FAILED');
    const call = execution.taskRuns.find((r) => r.taskId === 'call');
    assert.deepEqual({ state: call?.state, attempts: call?.attempts }, { state: 'FAILED', attempts: 1 });
    assert.equal((call?.outputs as { executionId: string }).executionId, `${execution.id}.call`);
  });
});
