import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { executionResult, startExecution } from '../../src/client/executions';
import { FOREACH_BATCH_SIZE } from '../../src/workflow/interpreter/for-each-batches';
import { LARGE_FOREACH_ITERATIONS } from '../../src/workflow/plugins/core/flow/for-each';
import { executionQuery } from '../../src/workflow/definitions';
import { startApiFixture, type ApiFixture } from '../helpers/api-fixture';
import { flow } from '../helpers/fake-port';
import { killOnceStarted, statusOnceClosed } from '../helpers/temporal';

const loop = (id: string, count: number, extraTask = '') =>
  flow(`
id: ${id}
namespace: tflow.tests.fanout
tasks:
  - id: before
    type: io.kestra.plugin.core.debug.Return
    format: prefix
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: '${JSON.stringify(Array.from({ length: count }, (_, i) => i + 1))}'
    concurrencyLimit: 20
    tasks:
      - id: echo
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.before.value }}-{{ taskrun.value }}-{{ taskrun.iteration }}"
${extraTask}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.each.iterations.SUCCESS | default('inline') }}"
`);

describe('large ForEach on a real Temporal dev server', { timeout: 300_000 }, () => {
  let fixture: ApiFixture;
  before(async () => (fixture = await startApiFixture()));
  after(async () => fixture?.close());

  it('5,000 values, concurrencyLimit 20: iterations run in child workflows, the parent stays small', async () => {
    const handle = await startExecution(fixture.client, fixture.config, loop('five_thousand', 5000));
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['before:SUCCESS', 'each:SUCCESS', 'after:SUCCESS'],
    );
    const each = execution.taskRuns[1].outputs as { iterations: Record<string, number>; batches: string[] };
    assert.deepEqual(each.iterations, { SUCCESS: 5000 });
    assert.equal(each.batches.length, 5000 / FOREACH_BATCH_SIZE);
    assert.equal(execution.taskRuns[2].outputs.value, '5000');

    // The parent's history and result do not grow with the iterations.
    const description = await handle.describe();
    assert.ok(description.historyLength < 200, `${description.historyLength} events`);
    assert.ok(JSON.stringify(execution).length < 20_000);

    // Each batch holds its iterations' task runs, with the parent's outputs and the global iteration index.
    const last = await fixture.client.workflow.getHandle(each.batches[each.batches.length - 1]).query(executionQuery);
    assert.equal(last.id, execution.id);
    assert.equal(last.taskRuns.length, FOREACH_BATCH_SIZE);
    const final = last.taskRuns.find((r) => r.value === '5000');
    assert.equal(final?.outputs.value, 'prefix-5000-4999');
    assert.equal(final?.parentTaskRunId, execution.taskRuns[1].id);

    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);
  });

  it('a failing iteration fails the ForEach with its value and error; no later batch starts', async () => {
    const failing = `      - id: check
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.value == '1234' }}"
        errorMessage: "value {{ taskrun.value }} is wrong"`;
    const count = LARGE_FOREACH_ITERATIONS + 1000;
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, loop('one_fails', count, failing)));
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['before:SUCCESS', 'each:FAILED'],
    );
    const each = execution.taskRuns[1];
    assert.match(each.error ?? '', /^check \[1234\]: value 1234 is wrong \(batch .*\.each\.batch-3\)$/);
    assert.equal((each.outputs as { batches: string[] }).batches.length, 3);
    assert.equal((each.outputs as { iterations: Record<string, number> }).iterations.FAILED, 1);
    assert.match(execution.error ?? '', /Task each failed: check \[1234\]: value 1234 is wrong/);
  });

  it("a later task reading an iteration's outputs after a batched loop fails, saying why", async () => {
    const spec = flow(`
id: reads_batched
namespace: tflow.tests.fanout
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, ${LARGE_FOREACH_ITERATIONS + 1}) }}"
    concurrencyLimit: 50
    tasks:
      - id: echo
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
  - id: reader
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.echo['5'].value }}"
`);
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, spec));
    assert.equal(execution.state, 'FAILED');
    const failed = execution.taskRuns.find((r) => r.taskId === 'reader');
    assert.match(
      failed?.error ?? '',
      /Unable to find `echo` .*: task echo ran in the batches \(child workflows\) of ForEach each, .* read outputs\.each\.iterations/,
    );
  });

  it('killing the execution kills the running batch: both end cancelled, the execution KILLED', async () => {
    const spec = flow(`
id: killed_fanout
namespace: tflow.tests.fanout
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, ${LARGE_FOREACH_ITERATIONS + 1}) }}"
    concurrencyLimit: 5
    tasks:
      - id: nap
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT2S
`);
    const handle = await startExecution(fixture.client, fixture.config, spec);
    const execution = await killOnceStarted(fixture.client, handle, `${handle.workflowId}.each.batch-1`);
    assert.equal(execution.state, 'KILLED');
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['each:KILLED'],
    );
    assert.equal(await statusOnceClosed(fixture.client, `${handle.workflowId}.each.batch-1`), 'CANCELLED');
  });

  it('a large ForEach inside another runs in batches too, one set per outer value', async () => {
    const spec = flow(`
id: nested_fanout
namespace: tflow.tests.fanout
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    concurrencyLimit: 2
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: "{{ range(1, 1500) }}"
        concurrencyLimit: 20
        tasks:
          - id: echo
            type: io.kestra.plugin.core.debug.Return
            format: "{{ parent.taskrun.value }}-{{ taskrun.value }}-{{ taskrun.iteration }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.inner.a.iterations.SUCCESS }}+{{ outputs.inner.b.iterations.SUCCESS }}"
`);
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, spec));
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(execution.taskRuns.map((r) => `${r.taskId}:${r.value ?? ''}:${r.state}`).sort(), [
      'after::SUCCESS',
      'inner:a:SUCCESS',
      'inner:b:SUCCESS',
      'outer::SUCCESS',
    ]);
    assert.equal(execution.taskRuns.find((r) => r.taskId === 'after')?.outputs.value, '1500+1500');
    const innerB = execution.taskRuns.find((r) => r.taskId === 'inner' && r.value === 'b');
    // The batch ids name the outer iteration (`@1`: "b"); the iterations see the outer value as their parent's.
    assert.deepEqual(
      innerB?.outputs.batches,
      [1, 2, 3].map((n) => `${execution.id}.inner@1.batch-${n}`),
    );
    const last = await fixture.client.workflow.getHandle(`${execution.id}.inner@1.batch-3`).query(executionQuery);
    const final = last.taskRuns.find((r) => r.value === '1500');
    assert.equal(final?.outputs.value, 'b-1500-1499');
    assert.equal(final?.parentTaskRunId, innerB?.id);
  });

  it("a batch's log lines carry its execution's namespace and flow id (GET /logs/{batch id})", async () => {
    const spec = flow(`
id: logged_fanout
namespace: tflow.tests.fanout
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, ${LARGE_FOREACH_ITERATIONS + 1}) }}"
    concurrencyLimit: 50
    tasks:
      - id: say
        type: io.kestra.plugin.core.log.Log
        message: "value {{ taskrun.value }}"
`);
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, spec));
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const { batches } = execution.taskRuns[0].outputs as { batches: string[] };
    const { status, body: lines } = await fixture.getJson<{ namespace: string; flowId: string; message: string }[]>(
      `/logs/${encodeURIComponent(batches[1])}?taskId=say`,
    );
    assert.equal(status, 200);
    assert.equal(lines.length, FOREACH_BATCH_SIZE);
    assert.ok(lines.some((line) => line.message === `value ${LARGE_FOREACH_ITERATIONS}`));
    assert.deepEqual([...new Set(lines.map((line) => `${line.namespace} ${line.flowId}`))], ['tflow.tests.fanout logged_fanout']);
  });

  it('at the threshold, iterations still run in the execution itself, outputs keyed by value', async () => {
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, loop('at_threshold', LARGE_FOREACH_ITERATIONS)));
    assert.equal(execution.state, 'SUCCESS');
    assert.equal(execution.taskRuns.filter((r) => r.taskId === 'echo').length, LARGE_FOREACH_ITERATIONS);
    assert.equal(execution.taskRuns.find((r) => r.taskId === 'after')?.outputs.value, 'inline');
  });
});
