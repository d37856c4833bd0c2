import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { executionResult, startExecution } from '../../src/client/executions';
import { compileFlow } from '../../src/compiler/compile';
import { formatDiagnostic } from '../../src/compiler/diagnostics';
import { flow } from '../helpers/fake-port';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const PROCESS = 'taskRunner:\n          type: io.kestra.plugin.core.runner.Process';

describe('WorkingDirectory on a real Temporal dev server', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  let tempStorage: TemporaryStorage;
  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-workdir-storage-');
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await tempStorage?.remove();
  });

  it('children share one directory: a file one writes, the next reads; inputFiles, outputFiles and {{ workingDir }}', async () => {
    const spec = flow(`
id: shared_dir
namespace: tests.workingdir
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      seed.txt: "seed from {{ flow.id }}"
    outputFiles:
      - "*.txt"
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        ${PROCESS}
        commands:
          - cat seed.txt > copy.txt
          - echo "written by write" > note.txt
          - mkdir -p sub && echo deep > sub/deep.txt
      - id: read
        type: io.kestra.plugin.scripts.shell.Commands
        ${PROCESS}
        commands:
          - test "{{ workingDir }}" = "$(pwd)"
          - echo "::{\\"outputs\\":{\\"note\\":\\"$(cat note.txt)\\",\\"copy\\":\\"$(cat copy.txt)\\",\\"deep\\":\\"$(cat sub/deep.txt)\\"}}::"
          - echo "read was here" >> note.txt
  - id: elsewhere
    type: io.kestra.plugin.scripts.shell.Commands
    ${PROCESS.replace('          ', '      ')}
    commands:
      - test ! -e note.txt
`);
    const handle = await startExecution(fixture.client, fixture.config, spec);
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['wd:SUCCESS', 'write:SUCCESS', 'read:SUCCESS', 'elsewhere:SUCCESS'],
    );
    const read = execution.taskRuns.find((r) => r.taskId === 'read')!;
    assert.deepEqual(read.outputs.vars, { note: 'written by write', copy: 'seed from shared_dir', deep: 'deep' });

    const wd = execution.taskRuns.find((r) => r.taskId === 'wd')!;
    const files = wd.outputs.outputFiles as Record<string, string>;
    assert.deepEqual(Object.keys(files), ['copy.txt', 'note.txt', 'seed.txt']);
    assert.equal(await text(await tempStorage.storage.get(files['note.txt'])), 'written by write\nread was here\n');
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, await handle.fetchHistory(), handle.workflowId);
  });

  it('a failing child fails the WorkingDirectory and stops its siblings', async () => {
    const spec = flow(`
id: shared_dir_failure
namespace: tests.workingdir
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: broken
        type: io.kestra.plugin.scripts.shell.Commands
        ${PROCESS}
        commands:
          - exit 3
      - id: never
        type: io.kestra.plugin.scripts.shell.Commands
        ${PROCESS}
        commands:
          - echo never
`);
    const execution = await executionResult(await startExecution(fixture.client, fixture.config, spec));
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['wd:FAILED', 'broken:FAILED'],
    );
  });

  it('refuses a flowable child, as Kestra does', () => {
    const { diagnostics } = compileFlow(
      `id: f
namespace: tests.workingdir
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: nested
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: hi
            type: io.kestra.plugin.core.log.Log
            message: hi
`,
      'wd.yaml',
    );
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      'wd.yaml:4:5: Only runnable tasks are allowed as children of a WorkingDirectory task [tasks[0]] (`nested` (io.kestra.plugin.core.flow.Sequential) cannot run in a shared working directory)',
    ]);
  });
});
