/**
 * Kestra's deprecated core types and older forms, as flows written for older Kestra versions use
 * them, run unmodified on a real Temporal dev server: EachSequential and EachParallel (compiled as
 * ForEach), LocalFiles in a WorkingDirectory, Pause with child `tasks`.
 */
import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { executionResult, queryExecution, resumeExecution, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.value !== undefined ? `[${r.value}]` : ''}:${r.state}`);
const PROCESS = 'taskRunner:\n          type: io.kestra.plugin.core.runner.Process';

describe('deprecated Kestra types and forms on a real Temporal dev server', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  let tempStorage: TemporaryStorage;
  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-deprecated-types-storage-');
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await tempStorage?.remove();
  });

  const replay = async (handle: WorkflowHandle) =>
    Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);

  it('nested EachSequential: one task run per value, integer values as strings, parents lookups, outputs keyed by value', async () => {
    const { execution, handle, logs } = await runWithLogs(
      fixture,
      flow(`
id: nested_each_sequential
namespace: tests.deprecated
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.EachSequential
    value: [1, 2]
    tasks:
      - id: inner
        type: io.kestra.core.tasks.flows.EachSequential
        value: '["a", "b"]'
        tasks:
          - id: echo
            type: io.kestra.plugin.scripts.shell.Commands
            ${PROCESS.replace(/ {10}/g, '              ')}
            commands:
              - echo "::{\\"outputs\\":{\\"pair\\":\\"{{ parents[0].taskrun.value }}-{{ taskrun.value }}\\"}}::"
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "{{ outputs.echo[parent.taskrun.value][taskrun.value].vars.pair }}"
  - id: summary
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.echo['2']['a'].vars.pair }} {{ outputs.echo['1']['b'].vars.pair }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(runs(execution), [
      'outer:SUCCESS',
      'inner[1]:SUCCESS',
      'echo[a]:SUCCESS',
      'log[a]:SUCCESS',
      'echo[b]:SUCCESS',
      'log[b]:SUCCESS',
      'inner[2]:SUCCESS',
      'echo[a]:SUCCESS',
      'log[a]:SUCCESS',
      'echo[b]:SUCCESS',
      'log[b]:SUCCESS',
      'summary:SUCCESS',
    ]);
    assert.ok(execution.taskRuns.every((r) => r.attempts === 1));
    assert.deepEqual(
      logs.filter((l) => l.taskId === 'log').map((l) => l.message),
      ['1-a', '1-b', '2-a', '2-b'],
    );
    assert.deepEqual(execution.taskRuns.find((r) => r.taskId === 'summary')?.outputs, { value: '2-a 1-b' });
    await replay(handle);
  });

  it('EachParallel: every task of every value runs as its own branch, at most `concurrent` at a time', async () => {
    const { execution, handle } = await runWithLogs(
      fixture,
      flow(`
id: each_parallel
namespace: tests.deprecated
tasks:
  - id: each
    type: io.kestra.core.tasks.flows.EachParallel
    value: '["x", "y", "z"]'
    concurrent: 2
    tasks:
      - id: work
        type: io.kestra.plugin.scripts.shell.Commands
        ${PROCESS}
        commands:
          - sleep 1
          - echo "::{\\"outputs\\":{\\"value\\":\\"{{ taskrun.value }}\\"}}::"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const works = execution.taskRuns.filter((r) => r.taskId === 'work');
    assert.deepEqual(works.map((r) => r.value).sort(), ['x', 'y', 'z']);
    assert.ok(works.every((r) => r.outputs.vars && (r.outputs.vars as { value: string }).value === r.value));
    // At most 2 at once, and some did overlap (1 s each: sequential runs would not).
    const intervals = works.map((r) => [Date.parse(r.startDate ?? ''), Date.parse(r.endDate ?? '')]);
    const most = Math.max(...intervals.map(([at]) => intervals.filter(([start, end]) => start <= at && at < end).length));
    assert.equal(most, 2);
    await replay(handle);
  });

  it('LocalFiles in a WorkingDirectory: writes `inputs` for the next task, stores `outputs` as uris/outputFiles', async () => {
    const { execution, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: local_files
namespace: tests.deprecated
tasks:
  - id: seed
    type: io.kestra.plugin.core.storage.Write
    content: "from storage"
  - id: working_dir
    type: io.kestra.core.tasks.flows.WorkingDirectory
    tasks:
      - id: input_files
        type: io.kestra.plugin.core.storage.LocalFiles
        inputs:
          hello.txt: "Hello {{ flow.id }}"
          data/seed.txt: "{{ outputs.seed.uri }}"
      - id: bash
        type: io.kestra.plugin.scripts.shell.Commands
        ${PROCESS}
        commands:
          - mkdir -p out
          - cat hello.txt > out/result.txt
          - echo " + $(cat data/seed.txt)" >> out/result.txt
      - id: output_files
        type: io.kestra.core.tasks.storages.LocalFiles
        outputs:
          - out/**
  - id: read_back
    type: io.kestra.plugin.core.log.Log
    message: "{{ read(outputs.output_files.outputFiles['out/result.txt']) }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(runs(execution), [
      'seed:SUCCESS',
      'working_dir:SUCCESS',
      'input_files:SUCCESS',
      'bash:SUCCESS',
      'output_files:SUCCESS',
      'read_back:SUCCESS',
    ]);
    const outputs = taskRun('output_files')?.outputs as { uris: Record<string, string>; outputFiles: Record<string, string> };
    assert.deepEqual(Object.keys(outputs.uris), ['out/result.txt']);
    assert.deepEqual(outputs.outputFiles, outputs.uris);
    assert.match(outputs.uris['out/result.txt'], /^kestra:\/\/\/tests\/deprecated\/local_files\/executions\/.*\/output_files\//);
    assert.equal(await text(await tempStorage.storage.get(outputs.uris['out/result.txt'])), 'Hello local_files + from storage\n');
    assert.deepEqual(taskRun('input_files')?.outputs, { uris: {}, outputFiles: {} });
  });

  it('Pause with child `tasks`: PAUSED, then once resumed its children run under it (seeing onResume), then the next task', async () => {
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`
id: pause_with_tasks
namespace: tests.deprecated
tasks:
  - id: approve
    type: io.kestra.core.tasks.flows.Pause
    onResume:
      - id: reason
        type: STRING
    tasks:
      - id: approved
        type: io.kestra.plugin.scripts.shell.Commands
        ${PROCESS}
        commands:
          - echo "::{\\"outputs\\":{\\"reason\\":\\"{{ outputs.approve.onResume.reason }}\\"}}::"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: done
`),
    );
    let paused: Execution | undefined;
    for (let i = 0; i < 200 && paused?.state !== 'PAUSED'; i++) {
      paused = await queryExecution(handle).catch(() => undefined);
      if (paused?.state !== 'PAUSED') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(paused?.state, 'PAUSED');
    assert.deepEqual(runs(paused), ['approve:PAUSED'], 'the children wait for the resume');

    assert.deepEqual(await resumeExecution(handle, { reason: 'looks good' }), ['approve']);
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(runs(execution), ['approve:SUCCESS', 'approved:SUCCESS', 'after:SUCCESS']);
    const [approve, approved] = execution.taskRuns;
    assert.equal(approved.parentTaskRunId, approve.id);
    assert.equal(approved.attempts, 1);
    assert.deepEqual(approved.outputs.vars, { reason: 'looks good' }, 'the children see the onResume outputs');
    assert.deepEqual(approve.outputs, { onResume: { reason: 'looks good' } });
    await replay(handle);
  });
});
