import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { taskState } from '../../src/workflow/plugins/core/flow/subflow';
import { flow, runWithFakePort } from '../helpers/fake-port';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.value !== undefined ? `[${r.value}]` : ''}:${r.state}`);
const outputsOf = (e: Execution, taskId: string) => e.taskRuns.find((r) => r.taskId === taskId)?.outputs;

const CHILD = flow(`
id: child
namespace: tests.sub
inputs:
  - id: n
    type: INT
  - id: who
    type: STRING
    defaults: world
outputs:
  - id: doubled
    type: INT
    value: "{{ inputs.n * 2 }}"
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
`);

const parent = (props: string) =>
  flow(`
id: parent
namespace: tests.main
labels:
  team: data
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: tests.sub
    flowId: child
${props}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.doubled ?? 'none' }} {{ outputs.call.executionId }}"
`);

describe('flowable: Subflow', () => {
  it('waits for the child: resolved inputs, deterministic id, trigger vars, child state and outputs', async () => {
    const { execution, subflowStarts } = await runWithFakePort(
      parent('    inputs:\n      n: "{{ 20 + 1 }}"'),
      {},
      {},
      {
        subflows: { 'tests.sub.child': { flow: CHILD, end: () => ({ state: 'SUCCESS', outputs: { doubled: 42 } }) } },
      },
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['call:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'call'), { executionId: 'exec-1.call', state: 'SUCCESS', outputs: { doubled: 42 } });
    assert.equal(outputsOf(execution, 'after')?.value, '42 exec-1.call');
    assert.equal(subflowStarts.length, 1);
    const [start] = subflowStarts;
    assert.equal(start.wait, true);
    assert.equal(start.request.executionId, 'exec-1.call');
    assert.deepEqual(start.request.inputs, { n: 21, who: 'world' });
    assert.deepEqual(start.request.trigger, { executionId: 'exec-1', namespace: 'tests.main', flowId: 'parent', flowRevision: 1 });
    assert.deepEqual(start.request.labels, { 'system.correlationId': 'exec-1' });
    assert.match(start.summary, /^tests\.sub\.child rev 1, subflow of tests\.main\.parent \(task call\)$/);
  });

  it('a FAILED or KILLED child fails the task (and the flow); WARNING stays WARNING', async () => {
    for (const [childState, expected] of [
      ['FAILED', 'FAILED'],
      ['KILLED', 'FAILED'],
      ['WARNING', 'WARNING'],
      ['SUCCESS', 'SUCCESS'],
    ] as const) {
      const { execution } = await runWithFakePort(
        parent('    inputs:\n      n: 1'),
        {},
        {},
        {
          subflows: { 'tests.sub.child': { flow: CHILD, end: { state: childState, outputs: {}, error: 'boom' } } },
        },
      );
      assert.equal(execution.state, expected, `child ${childState}`);
      assert.equal(execution.taskRuns[0].state, expected, `child ${childState}`);
      assert.equal((outputsOf(execution, 'call') as { state: string }).state, childState);
      assert.equal(execution.taskRuns.length, expected === 'FAILED' ? 1 : 2);
    }
    assert.equal(taskState('CANCELLED', true), 'FAILED');
  });

  it('transmitFailed: false keeps the task SUCCESS whatever the child ended with', async () => {
    const { execution } = await runWithFakePort(
      parent('    transmitFailed: false\n    inputs:\n      n: 1'),
      {},
      {},
      {
        subflows: { 'tests.sub.child': { flow: CHILD, end: { state: 'FAILED', outputs: {} } } },
      },
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['call:SUCCESS', 'after:SUCCESS']);
    assert.equal((outputsOf(execution, 'call') as { state: string }).state, 'FAILED');
  });

  it('wait: false ends SUCCESS once started, with the child execution id only', async () => {
    const { execution, subflowStarts } = await runWithFakePort(
      parent('    wait: false\n    inputs:\n      n: 1'),
      {},
      {},
      {
        subflows: { 'tests.sub.child': { flow: CHILD, end: { state: 'FAILED', outputs: {} } } },
      },
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(outputsOf(execution, 'call'), { executionId: 'exec-1.call' });
    assert.equal(subflowStarts[0].wait, false);
  });

  it("invalid child inputs fail the task with Kestra's message and start nothing", async () => {
    const { execution, subflowStarts } = await runWithFakePort(
      parent('    inputs:\n      who: x'),
      {},
      {},
      { subflows: { 'tests.sub.child': { flow: CHILD } } },
    );
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['call:FAILED']);
    assert.equal(execution.taskRuns[0].error, 'Invalid input for `n`, missing required input, but received `null`');
    assert.equal(subflowStarts.length, 0);

    const bad = await runWithFakePort(parent('    inputs:\n      n: abc'), {}, {}, { subflows: { 'tests.sub.child': { flow: CHILD } } });
    assert.equal(bad.execution.state, 'FAILED');
    assert.match(bad.execution.taskRuns[0].error ?? '', /^Invalid input for `n`, .*abc/);
  });

  it('an unknown flow fails the task', async () => {
    const { execution } = await runWithFakePort(parent('    inputs:\n      n: 1'));
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.taskRuns[0].error, "Unable to find flow 'tests.sub'.'child'");
  });

  it("labels: the task's own, rendered; inheritLabels adds the parent's; system labels refused", async () => {
    const subflows = { 'tests.sub.child': { flow: CHILD } };
    const own = await runWithFakePort(parent('    labels:\n      env: "{{ flow.id }}"\n      n: 3\n    inputs:\n      n: 1'), {}, {}, { subflows });
    assert.deepEqual(own.subflowStarts[0].request.labels, { env: 'parent', n: '3', 'system.correlationId': 'exec-1' });
    const inherited = await runWithFakePort(
      parent('    inheritLabels: true\n    labels:\n      - key: team\n        value: ml\n    inputs:\n      n: 1'),
      {},
      {},
      { subflows },
    );
    assert.deepEqual(inherited.subflowStarts[0].request.labels, { team: 'ml', 'system.correlationId': 'exec-1' });
    const plain = await runWithFakePort(parent('    inheritLabels: true\n    inputs:\n      n: 1'), {}, {}, { subflows });
    assert.deepEqual(plain.subflowStarts[0].request.labels, { team: 'data', 'system.correlationId': 'exec-1' });
    const system = await runWithFakePort(parent('    labels:\n      system.x: y\n    inputs:\n      n: 1'), {}, {}, { subflows });
    assert.equal(system.execution.taskRuns[0].error, 'System labels can only be set by Kestra itself, offending label: system.x=y');
    assert.equal(system.subflowStarts.length, 0);
  });

  it('inside ForEach: one child per value, ids carry the value, outputs keyed by value; legacy type names', async () => {
    const { execution, subflowStarts } = await runWithFakePort(
      flow(`
id: loop
namespace: tests.main
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2]
    tasks:
      - id: call
        type: io.kestra.core.tasks.flows.Flow
        namespace: tests.sub
        flowId: child
        inputs:
          n: "{{ taskrun.value }}"
`),
      {},
      {},
      {
        subflows: {
          'tests.sub.child': { flow: CHILD, end: (start) => ({ state: 'SUCCESS', outputs: { doubled: Number(start.request.inputs.n) * 2 } }) },
        },
      },
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['each:SUCCESS', 'call[1]:SUCCESS', 'call[2]:SUCCESS']);
    assert.deepEqual(
      subflowStarts.map((s) => s.request.executionId),
      ['exec-1.call.1', 'exec-1.call.2'],
    );
    assert.deepEqual(
      execution.taskRuns.slice(1).map((r) => (r.outputs as { outputs: unknown }).outputs),
      [{ doubled: 2 }, { doubled: 4 }],
    );
  });
});
