import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { flow } from '../../helpers/fake-port';
import { useTemporaryStorage, type TemporaryStorage } from '../../helpers/storage';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../../helpers/temporal';

describe('io.kestra.plugin.core.storage.Write', { timeout: 120_000 }, () => {
  let fixture: TemporalFixture;
  let storage: TemporaryStorage;

  before(async () => {
    storage = await useTemporaryStorage('tflow-write-');
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await storage?.remove();
  });

  it('writes the rendered content to a file of the task run, which the next task reads', async () => {
    const run = await runWithLogs(
      fixture,
      flow(`
id: write_file
namespace: tests.storage
inputs:
  - id: who
    type: STRING
    defaults: World
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: "Hello {{ inputs.who }}"
    extension: .txt
  - id: cat
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      greeting.txt: "{{ outputs.write.uri }}"
    commands:
      - cat greeting.txt
`),
    );
    assert.equal(run.execution.state, 'SUCCESS', run.execution.error);
    const uri = run.output('write').uri as string;
    assert.match(uri, new RegExp(`^kestra:///tests/storage/write_file/executions/${run.execution.id}/tasks/write/[^/]+/write\\.txt$`));
    assert.equal(await text(await storage.storage.get(uri)), 'Hello World');
    assert.ok(run.logs.some((line) => line.taskId === 'cat' && line.message === 'Hello World'));
  });

  it('refuses an extension that is not one, naming the task', async () => {
    const run = await runWithLogs(
      fixture,
      flow(`
id: write_bad_extension
namespace: tests.storage
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: x
    extension: "{{ '../../etc/passwd' }}"
`),
    );
    assert.equal(run.execution.state, 'FAILED');
    assert.match(run.taskRun('write')?.error ?? run.execution.error ?? '', /extension/);
  });
});
