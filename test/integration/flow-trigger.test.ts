/**
 * Flow triggers (`io.kestra.plugin.core.trigger.Flow`) against the real dev server, Postgres and a
 * real worker: deployed flows start when an execution they listen to ends, with its outputs.
 * Every flow listens only to this file's own namespace, so other tests' executions never fire them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { executionResult, killExecution, queryExecution, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { deployFlows, loadDeployedFlow, validateForDeploy } from '../../src/flow-store/deploy';
import { FlowStore } from '../../src/flow-store/flow-store';
import { flowTriggeredExecutionId } from '../../src/activities/flow-triggers';
import { purgeNamespace } from '../helpers/flow-store';
import { assertNeverStarted, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const namespace = `tflow.test.flowtrigger${randomBytes(3).toString('hex')}`;

/** The upstream flow: fails when asked to, else outputs a value built from its input. */
const upstream = `id: upstream
namespace: ${namespace}
inputs:
  - id: fail
    type: BOOLEAN
    defaults: false
  - id: word
    type: STRING
    defaults: hello
  - id: wait
    type: BOOLEAN
    defaults: false
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
    runIf: "{{ inputs.wait }}"
  - id: make
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.word }} from upstream"
  - id: maybe_fail
    type: io.kestra.plugin.core.execution.Fail
    runIf: "{{ inputs.fail }}"
outputs:
  - id: result
    type: STRING
    value: "{{ outputs.make.value }}"
`;

/** Runs after upstream SUCCESS only, with upstream's outputs as input and in trigger.*. */
const onSuccess = `id: on_success
namespace: ${namespace}
inputs:
  - id: from_upstream
    type: STRING
tasks:
  - id: seen
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.namespace }}.{{ trigger.flowId }} {{ trigger.state }} {{ trigger.executionId }} {{ trigger.outputs.result }} | {{ inputs.from_upstream }}"
triggers:
  - id: after_upstream
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      from_upstream: "{{ trigger.outputs.result }} ({{ outputs.make.value }})"
    labels:
      chained: "yes"
    preconditions:
      id: upstream_success
      flows:
        - namespace: ${namespace}
          flowId: upstream
          states: [SUCCESS]
`;

/** Kestra 0.x style: conditions, and `states` on the trigger. Runs after upstream FAILED. */
const onFailure = `id: on_failure
namespace: ${namespace}
tasks:
  - id: seen
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.flowId }} {{ trigger.state }}"
triggers:
  - id: after_failure
    type: io.kestra.plugin.core.trigger.Flow
    states: [FAILED]
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: ${namespace}
        flowId: upstream
`;

/** Runs after upstream is killed (any namespace starting with this file's, through a where filter). */
const onKilled = `id: on_killed
namespace: ${namespace}
tasks:
  - id: seen
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.flowId }} {{ trigger.state }}"
triggers:
  - id: after_kill
    type: io.kestra.plugin.core.trigger.Flow
    states: [KILLED]
    preconditions:
      id: killed
      where:
        - id: this_namespace
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: ${namespace}
            - field: FLOW_ID
              type: EQUAL_TO
              value: upstream
`;

/** Waits for two executions (upstream SUCCESS, then on_success SUCCESS) within the default 24-hour window. */
const both = `id: both
namespace: ${namespace}
tasks:
  - id: seen
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.flowId }}"
triggers:
  - id: after_both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: both_done
      flows:
        - namespace: ${namespace}
          flowId: upstream
          states: [SUCCESS]
        - namespace: ${namespace}
          flowId: on_success
          states: [SUCCESS]
`;

describe('Flow triggers', { timeout: 240_000 }, () => {
  let fixture: TemporalFixture;
  let flowStore: FlowStore;

  before(async () => {
    fixture = await startTemporalFixture();
    flowStore = FlowStore.connect(fixture.config.databaseUrl);
    const { flows, diagnostics } = validateForDeploy(
      [upstream, onSuccess, onFailure, onKilled, both].map((source, i) => ({ file: `flow${i}.yaml`, source })),
    );
    assert.deepEqual(diagnostics, []);
    await deployFlows({ flowStore, client: fixture.client, config: fixture.config }, flows);
  });
  after(async () => {
    await flowStore?.close();
    await purgeNamespace(namespace);
    await fixture?.close();
  });

  const runUpstream = async (inputs: Record<string, unknown>): Promise<Execution> => {
    const flow = await loadDeployedFlow(flowStore, `${namespace}/upstream`);
    return executionResult(await startExecution(fixture.client, fixture.config, flow, { inputs }));
  };
  const triggered = (flowId: string, triggerId: string, source: Execution) =>
    flowTriggeredExecutionId({ namespace, id: flowId }, triggerId, source.id);

  it("starts the listening flow when upstream ends SUCCESS, with upstream's outputs in its inputs and trigger.*", async () => {
    const source = await runUpstream({ word: 'bonjour' });
    assert.equal(source.state, 'SUCCESS');
    assert.deepEqual(source.outputs, { result: 'bonjour from upstream' });

    const execution = await finished(fixture.client, triggered('on_success', 'after_upstream', source));
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(execution.flowId, 'on_success');
    assert.deepEqual(execution.inputs, { from_upstream: 'bonjour from upstream (bonjour from upstream)' });
    assert.equal(
      execution.taskRuns[0].outputs.value,
      `${namespace}.upstream SUCCESS ${source.id} bonjour from upstream | bonjour from upstream (bonjour from upstream)`,
    );
    assert.equal(execution.labels.chained, 'yes');

    // `states: [FAILED]` did not fire on a SUCCESS.
    await assertNeverStarted(fixture.client, triggered('on_failure', 'after_failure', source));

    // Two preconditions, both met (upstream, then on_success): `both` runs once, after the second.
    const joined = await finished(fixture.client, triggered('both', 'after_both', execution));
    assert.equal(joined.state, 'SUCCESS', joined.error);
    assert.equal(joined.taskRuns[0].outputs.value, 'on_success');
    await assertNeverStarted(fixture.client, triggered('both', 'after_both', source));
  });

  it('upstream FAILED does not start the flow that listens to SUCCESS; the one listening to FAILED runs', async () => {
    const source = await runUpstream({ fail: true });
    assert.equal(source.state, 'FAILED');
    // The failure listener ran, so the end of upstream was seen.
    const execution = await finished(fixture.client, triggered('on_failure', 'after_failure', source));
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(execution.taskRuns[0].outputs.value, 'upstream FAILED');
    await assertNeverStarted(fixture.client, triggered('on_success', 'after_upstream', source));
  });

  it('a killed execution fires the triggers listening to KILLED', async () => {
    const flow = await loadDeployedFlow(flowStore, `${namespace}/upstream`);
    const handle = await startExecution(fixture.client, fixture.config, flow, { inputs: { wait: true } });
    await waitUntil(async () => (await queryExecution(handle)).taskRuns.some((r) => r.taskId === 'pause' && r.state === 'RUNNING'));
    await killExecution(handle);
    const source = await executionResult(handle);
    assert.equal(source.state, 'KILLED');
    const execution = await finished(fixture.client, triggered('on_killed', 'after_kill', source));
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(execution.taskRuns[0].outputs.value, 'upstream KILLED');
    await assertNeverStarted(fixture.client, triggered('on_failure', 'after_failure', source));
    await assertNeverStarted(fixture.client, triggered('on_success', 'after_upstream', source));
  });

  it('a deleted flow no longer listens', async () => {
    await flowStore.delete(namespace, 'on_failure');
    const source = await runUpstream({ fail: true });
    assert.equal(source.state, 'FAILED');
    await assertNeverStarted(fixture.client, triggered('on_failure', 'after_failure', source));
  });
});

/**
 * The triggered execution, once ended. The ended execution starts it before its own workflow
 * completes, so it exists as soon as the upstream result is known.
 */
async function finished(client: Client, executionId: string): Promise<Execution> {
  return executionResult(client.workflow.getHandle(executionId));
}

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
