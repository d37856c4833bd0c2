import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { executionResult, startExecution } from '../../src/client/executions';
import { storageFromConfig } from '../../src/storage';
import { executionQuery } from '../../src/workflow/definitions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { useDeployedFlows } from '../helpers/flow-store';
import { recordHistoryIfAsked } from '../helpers/histories';
import { killOnceStarted, statusOnceClosed, type TemporalFixture } from '../helpers/temporal';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}:${r.state}`);
const outputsOf = (e: Execution, taskId: string) => e.taskRuns.find((r) => r.taskId === taskId)?.outputs ?? {};

/** The subflow: counts the lines of its batch; fails on the batch `fail_batch`, and naps when `slow`. */
const countLines = (namespace: string) => `id: count_lines
namespace: ${namespace}
inputs:
  - id: items
    type: STRING
  - id: iteration
    type: INT
  - id: fail_batch
    type: INT
    defaults: -1
  - id: slow
    type: BOOLEAN
    defaults: false
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    runIf: "{{ inputs.slow }}"
    duration: PT5S
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.items) | split('\\\\n') | length }}"
  - id: first_line
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.items) | split('\\\\n') | first }}"
  - id: maybe_fail
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.iteration == inputs.fail_batch }}"
    errorMessage: "batch {{ inputs.iteration }} refused"
outputs:
  - id: lines
    type: INT
    value: "{{ outputs.count.value }}"
  - id: first
    type: STRING
    value: "{{ outputs.first_line.value }}"
`;

describe('ForEachItem on a real Temporal dev server', { timeout: 600_000 }, () => {
  const deployed = useDeployedFlows('tflow.test.foreachitem', (ns) => ({ count_lines: countLines(ns) }));
  const namespace = deployed.namespace;
  let fixture: TemporalFixture;
  before(() => {
    fixture = deployed.fixture;
  });

  /** A parent that writes `seq 1 <lines>` to a file and runs ForEachItem over it. */
  const parent = (lines: number, rows: number, extra = '', childInputs = '') =>
    flow(`
id: split_and_count
namespace: ${namespace}
tasks:
  - id: generate
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    outputFiles: ["numbers.txt"]
    commands:
      - seq 1 ${lines} > numbers.txt
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ outputs.generate.outputFiles['numbers.txt'] }}"
    batch:
      rows: ${rows}
    namespace: ${namespace}
    flowId: count_lines
    inputs:
      items: "{{ taskrun.items }}"
      iteration: "{{ taskrun.iteration }}"
${childInputs}
${extra}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.each_items.numberOfBatches }} batches, {{ outputs.each.iterations.SUCCESS ?? 0 }} succeeded"
`);

  it('1,000,000 lines in batches of 10,000: 100 subflow executions, each its own batch, outputs merged; the history replays', async () => {
    const handle = await startExecution(fixture.client, fixture.config, parent(1_000_000, 10_000));
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(runs(execution), [
      'generate:SUCCESS',
      'each:SUCCESS',
      'each_split:SUCCESS',
      'each_items:SUCCESS',
      'each_merge:SUCCESS',
      'after:SUCCESS',
    ]);
    const each = outputsOf(execution, 'each') as { numberOfBatches: number; iterations: Record<string, number>; uri: string };
    assert.equal(each.numberOfBatches, 100);
    assert.deepEqual(each.iterations, { CREATED: 0, RUNNING: 0, SUCCESS: 100 });
    assert.deepEqual(outputsOf(execution, 'each_items').iterations, each.iterations);
    assert.equal(outputsOf(execution, 'each_split').numberOfBatches, 100);
    assert.equal(outputsOf(execution, 'each_merge').subflowOutputs, each.uri);
    assert.equal(outputsOf(execution, 'after').value, '100 batches, 100 succeeded');

    // One line per child, in batch order: each counted its own 10,000 lines, starting where the previous batch ended.
    const merged = (await text(await storageFromConfig(fixture.config).get(each.uri))).trimEnd().split('\n');
    assert.equal(merged.length, 100);
    const parsed = merged.map((line) => /^\{lines:(\d+),first:"(\d+)"\}$/.exec(line));
    assert.ok(
      parsed.every((m) => m),
      merged.slice(0, 3).join('\n'),
    );
    assert.equal(
      parsed.reduce((sum, m) => sum + Number(m![1]), 0),
      1_000_000,
    );
    assert.deepEqual(
      parsed.map((m) => Number(m![2])),
      Array.from({ length: 100 }, (_, i) => i * 10_000 + 1),
    );

    // A child: its id names the batch, its input is its batch file, its trigger the parent.
    const child = await fixture.client.workflow.getHandle(`${execution.id}.each_items.42`).query(executionQuery);
    assert.equal(child.state, 'SUCCESS');
    assert.match(String(child.inputs.items), /\/tasks\/each_split\/[^/]+\/42\.txt$/);
    assert.equal(child.inputs.iteration, 42);
    assert.equal(child.labels['system.correlationId'], execution.id);

    // The parent's history stays small: a few events per child.
    const description = await handle.describe();
    assert.ok(description.historyLength < 1_000, `${description.historyLength} events`);
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);
  });

  it('transmitFailed (the default): a failed child fails the step and the execution, after every child ended; no merge', async () => {
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, parent(10, 2, '', '      fail_batch: 3')));
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['generate:SUCCESS', 'each:FAILED', 'each_split:SUCCESS', 'each_items:FAILED']);
    const items = execution.taskRuns.find((r) => r.taskId === 'each_items');
    assert.deepEqual(items?.outputs.iterations, { CREATED: 0, RUNNING: 0, SUCCESS: 4, FAILED: 1 });
    assert.match(items?.error ?? '', /^1 of 5 subflow executions failed; the first: .*\.each_items\.3 ended FAILED: .*batch 3 refused/);
    assert.match(execution.error ?? '', /Task each_items failed: 1 of 5 subflow executions failed/);
  });

  it('transmitFailed: false: the failed child is counted, the execution goes on', async () => {
    const execution = await executionResult(
      await startExecution(fixture.client, fixture.config, parent(10, 2, '    transmitFailed: false', '      fail_batch: 3')),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(outputsOf(execution, 'each').iterations, { CREATED: 0, RUNNING: 0, SUCCESS: 4, FAILED: 1 });
    assert.equal(outputsOf(execution, 'after').value, '5 batches, 4 succeeded');
    // The replay corpus: `TFLOW_RECORD_HISTORIES=1 node scripts/run-tests.js integration/for-each-item`.
    recordHistoryIfAsked(fixture.config.temporalAddress, execution.id, 'for_each_item.json');
  });

  it('inside a ForEach: each iteration splits, runs and merges its own batches', async () => {
    const spec = flow(`
id: per_value
namespace: ${namespace}
tasks:
  - id: generate
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    outputFiles: ["*.txt"]
    commands:
      - seq 1 3 > small.txt
      - seq 1 5 > large.txt
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: ["small", "large"]
    concurrencyLimit: 2
    tasks:
      - id: each
        type: io.kestra.plugin.core.flow.ForEachItem
        items: "{{ outputs.generate.outputFiles[taskrun.value ~ '.txt'] }}"
        batch:
          rows: 2
        namespace: ${namespace}
        flowId: count_lines
        inputs:
          items: "{{ taskrun.items }}"
          iteration: "{{ taskrun.iteration }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.each.small.numberOfBatches }} {{ outputs.each.large.numberOfBatches }} {{ outputs.each_items.large.iterations.SUCCESS }}"
`);
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, spec));
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.equal(outputsOf(execution, 'after').value, '2 3 3');
    const storage = storageFromConfig(fixture.config);
    for (const [value, expected] of [
      ['small', '{lines:2,first:"1"}\n{lines:1,first:"3"}\n'],
      ['large', '{lines:2,first:"1"}\n{lines:2,first:"3"}\n{lines:1,first:"5"}\n'],
    ]) {
      const each = execution.taskRuns.find((r) => r.taskId === 'each' && r.value === value);
      assert.equal(await text(await storage.get(String(each?.outputs.uri))), expected, value);
    }
    assert.equal((await executionResult(fixture.client.workflow.getHandle(`${execution.id}.each_items.large.2`))).outputs.lines, 1);
  });

  it('killing the execution kills the subflow executions it waits for', async () => {
    const handle = await startExecution(fixture.client, fixture.config, parent(4, 2, '', '      slow: true'));
    const execution = await killOnceStarted(fixture.client, handle, `${handle.workflowId}.each_items.1`);
    assert.equal(execution.state, 'KILLED');
    assert.deepEqual(runs(execution), ['generate:SUCCESS', 'each:KILLED', 'each_split:SUCCESS', 'each_items:KILLED']);
    assert.equal(await statusOnceClosed(fixture.client, `${execution.id}.each_items.1`), 'CANCELLED');
  });

  it('wait: false: ends once the children started, while they still run', async () => {
    const execution = await executionResult(
      await startExecution(fixture.client, fixture.config, parent(6, 2, '    wait: false', '      slow: true')),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(outputsOf(execution, 'each'), { numberOfBatches: 3, iterations: { RUNNING: 0, SUCCESS: 3 } });
    const child = fixture.client.workflow.getHandle(`${execution.id}.each_items.2`);
    assert.equal((await child.describe()).status.name, 'RUNNING');
    const ended = await executionResult(child);
    assert.equal(ended.state, 'SUCCESS');
    assert.deepEqual(ended.outputs, { lines: 2, first: '5' });
  });
});
