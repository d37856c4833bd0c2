/**
 * Flow `checks` hold whoever starts the execution: a run started by a Temporal Schedule (triggered
 * here with the Schedule handle's `trigger()`, as `temporal schedule trigger` does), by a webhook or
 * by a Flow trigger is blocked or failed exactly as a manual run of the same inputs is.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { executionResult, startExecution } from '../../src/client/executions';
import { FlowValidationError } from '../../src/compiler/diagnostics';
import { type RunningServer, startServer } from '../../src/server/server';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { deleteDeployedFlow, deployFlows, loadDeployedFlow, validateForDeploy } from '../../src/flow-store/deploy';
import { FlowStore } from '../../src/flow-store/flow-store';
import { flowTriggeredExecutionId } from '../../src/activities/flow-triggers';
import { purgeNamespace } from '../helpers/flow-store';
import { startTemporalFixture, type TemporalFixture, triggerScheduleRun } from '../helpers/temporal';

const namespace = `tflow.test.schedchecks${randomBytes(3).toString('hex')}`;

/** Red taxis are blocked, blue ones fail; each Schedule trigger (a cron that never comes during the test) sets one colour. */
const guarded = `id: guarded
namespace: ${namespace}
inputs:
  - id: taxi
    type: STRING
    defaults: yellow
checks:
  - condition: "{{ inputs.taxi != 'red' }}"
    message: "No {{ inputs.taxi }} taxis"
    style: ERROR
  - condition: "{{ inputs.taxi != 'blue' }}"
    message: "{{ inputs.taxi }} taxis fail"
    behavior: FAIL_EXECUTION
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.taxi }} {{ trigger.date | date('yyyy') }}"
triggers:
${['red', 'blue', 'green']
  .map(
    (taxi) => `  - id: ${taxi}
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 1 1 *"
    inputs:
      taxi: ${taxi}`,
  )
  .join('\n')}
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: guarded-hook-key
    wait: true
    inputs:
      taxi: "{{ trigger.body.taxi }}"
`;

/** Listens to guarded's SUCCESS runs; one Flow trigger per colour, the same checks (their message reads the trigger). */
const listener = `id: guarded_listener
namespace: ${namespace}
inputs:
  - id: color
    type: STRING
checks:
  - condition: "{{ inputs.color != 'red' }}"
    message: "No {{ inputs.color }} after {{ trigger.flowId }}"
  - condition: "{{ inputs.color != 'blue' }}"
    message: "{{ inputs.color }} after {{ trigger.flowId }} fails"
    behavior: FAIL_EXECUTION
tasks:
  - id: seen
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.color }}"
triggers:
${['red', 'blue', 'green']
  .map(
    (color) => `  - id: ${color}_after
    type: io.kestra.plugin.core.trigger.Flow
    states: [SUCCESS]
    inputs:
      color: ${color}
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: ${namespace}
        flowId: guarded`,
  )
  .join('\n')}
`;

describe('flow checks on scheduled, webhook and Flow-triggered runs', { timeout: 240_000 }, () => {
  let fixture: TemporalFixture;
  let flowStore: FlowStore;
  let server: RunningServer;

  before(async () => {
    fixture = await startTemporalFixture();
    flowStore = FlowStore.connect(fixture.config.databaseUrl);
    server = await startServer({ ...fixture.config, basicAuth: 'admin:secret' }, { host: '127.0.0.1', port: 0, worker: false });
    const { flows, diagnostics } = validateForDeploy([guarded, listener].map((source, i) => ({ file: `flow${i}.yaml`, source })));
    assert.deepEqual(diagnostics, []);
    await deployFlows({ flowStore, client: fixture.client, config: fixture.config }, flows);
  });
  after(async () => {
    await server?.close();
    if (flowStore) {
      for (const flowId of ['guarded', 'guarded_listener'])
        await deleteDeployedFlow({ flowStore, client: fixture.client }, `${namespace}/${flowId}`).catch(() => undefined);
      await flowStore.close();
    }
    await purgeNamespace(namespace);
    await fixture?.close();
  });

  const triggerSchedule = (triggerId: string) => triggerScheduleRun(fixture.client, `${namespace}.guarded.${triggerId}`);
  const manualRun = async (taxi: string) =>
    startExecution(fixture.client, fixture.config, await loadDeployedFlow(flowStore, `${namespace}/guarded`), { inputs: { taxi } });

  it('BLOCK_EXECUTION: the scheduled run ends FAILED before any task, with the message a manual run is refused with', async () => {
    await assert.rejects(
      manualRun('red'),
      (error: unknown) => error instanceof FlowValidationError && /Execution blocked by a flow check: No red taxis \[checks\]/.test(error.message),
    );
    const execution = await triggerSchedule('red');
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.error, 'Execution blocked by a flow check: No red taxis');
    assert.deepEqual(execution.taskRuns, []);
  });

  it('FAIL_EXECUTION: the scheduled run is FAILED without running a task, as a manual run is', async () => {
    const manual = await executionResult(await manualRun('blue'));
    const execution = await triggerSchedule('blue');
    for (const run of [manual, execution]) {
      assert.equal(run.state, 'FAILED');
      assert.equal(run.error, 'Execution failed by a flow check: blue taxis fail');
      assert.deepEqual(run.taskRuns, []);
    }
  });

  it('a webhook run is refused (422) or failed by the checks, as a manual run', async () => {
    const call = (taxi: string) =>
      fetch(`${server.url}/api/v1/executions/webhook/${namespace}/guarded/guarded-hook-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ taxi }),
      });
    const blocked = await call('red');
    assert.equal(blocked.status, 422);
    assert.match(await blocked.text(), /Execution blocked by a flow check: No red taxis/);
    const failed = await call('blue');
    assert.equal(failed.status, 200);
    const execution = (await failed.json()) as { state: { current: string }; taskRunList: unknown[] };
    assert.equal(execution.state.current, 'FAILED');
    assert.deepEqual(execution.taskRunList, []);
  });

  it("a scheduled run whose checks hold runs; the Flow triggers it fires are blocked, failed or run by the listener's checks", async () => {
    const source = await triggerSchedule('green');
    assert.equal(source.state, 'SUCCESS', source.error);
    assert.match(String(source.taskRuns[0]?.outputs.value), /^green \d{4}$/);

    const triggered = (triggerId: string) => flowTriggeredExecutionId({ namespace, id: 'guarded_listener' }, triggerId, source.id);
    const green = await finished(fixture.client, triggered('green_after'));
    assert.equal(green.state, 'SUCCESS', green.error);
    const blue = await finished(fixture.client, triggered('blue_after'));
    assert.equal(blue.state, 'FAILED');
    assert.equal(blue.error, 'Execution failed by a flow check: blue after guarded fails');
    assert.deepEqual(blue.taskRuns, []);
    // The source fired its triggers in one local activity, before it ended: the blocked one was never started.
    await assert.rejects(fixture.client.workflow.getHandle(triggered('red_after')).describe(), WorkflowNotFoundError);
  });
});

/** The execution with this id, once it exists and has ended. */
async function finished(client: Client, executionId: string): Promise<Execution> {
  for (let i = 0; i < 300; i++) {
    try {
      return await executionResult(client.workflow.getHandle(executionId));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${executionId} never started`);
}
