/**
 * Script task options around the command itself: `warningOnStdErr` (Kestra's default true: a
 * successful run that wrote on stderr ends WARNING) and `namespaceFiles` (the flow namespace's
 * files, `kestra:///<namespace as path>/_files/…`, copied into the working directory, filtered by
 * `include`/`exclude`; `read('path')` reads one).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FlowSpec } from '../../src/workflow/flow/spec';
import { putNamespaceFile } from '../../src/storage';
import { flow } from '../helpers/fake-port';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('script options: warningOnStdErr and namespaceFiles', { timeout: 240_000 }, () => {
  let fixture: TemporalFixture;
  let tempStorage: TemporaryStorage;
  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-script-options-');
    const { storage } = tempStorage;
    const put = (namespace: string, path: string, content: string) => putNamespaceFile(storage, namespace, path, Readable.from([content]));
    await put('tests.script_options', 'queries/daily.sql', 'SELECT 1;\n');
    await put('tests.script_options', 'queries/old/legacy.sql', 'SELECT 0;\n');
    await put('tests.script_options', 'scripts/report.sh', 'echo "report for $1"\n');
    await put('tests.script_options', 'config.json', '{"from": "namespace"}');
    await put('tests.script_options', '.env', 'A=1\n');
    // Files of other namespaces, a child namespace included, are not this flow's.
    await put('tests.other', 'queries/other.sql', 'SELECT 2;\n');
    await put('tests.script_options.child', 'queries/child.sql', 'SELECT 3;\n');
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await tempStorage?.remove();
  });

  async function run(spec: FlowSpec) {
    const finished = await runWithLogs(fixture, spec);
    return { ...finished, vars: (taskId: string) => (finished.output(taskId) as { vars?: Record<string, unknown> }).vars ?? {} };
  }

  describe('warningOnStdErr', () => {
    it('by default, a successful command that wrote on stderr ends WARNING, and the execution too; its outputs are kept', async () => {
      const { execution, logs, taskRun, vars } = await run(
        flow(`
id: stderr_default
namespace: tests.script_options
tasks:
  - id: noisy
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "deprecated option" >&2
      - echo '::{"outputs":{"done":true}}::'
  - id: quiet
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "all good"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.noisy.vars.done }}"
`),
      );
      assert.equal(taskRun('noisy')?.state, 'WARNING');
      assert.equal(taskRun('quiet')?.state, 'SUCCESS');
      assert.equal(taskRun('after')?.state, 'SUCCESS', 'a WARNING task lets the next one run');
      assert.deepEqual(vars('noisy'), { done: true });
      assert.equal(execution.state, 'WARNING');
      const noisyLogs = logs.filter((l) => l.taskId === 'noisy').map((l) => `${l.level} ${l.message}`);
      assert.ok(noisyLogs.includes('ERROR deprecated option'), noisyLogs.join('\n'));
      assert.ok(
        noisyLogs.includes('WARN The command wrote 1 line(s) on stderr, so the task ends WARNING (warningOnStdErr: false ignores stderr)'),
        noisyLogs.join('\n'),
      );
    });

    it('warningOnStdErr: false keeps SUCCESS; python scripts follow the same rule; allowWarning turns WARNING into SUCCESS', async () => {
      const { execution, taskRun } = await run(
        flow(`
id: stderr_options
namespace: tests.script_options
tasks:
  - id: ignored
    type: io.kestra.plugin.scripts.shell.Commands
    warningOnStdErr: false
    commands:
      - echo "progress 50%" >&2
  - id: python_warns
    type: io.kestra.plugin.scripts.python.Script
    script: |
      import sys
      print("careful", file=sys.stderr)
  - id: allowed
    type: io.kestra.plugin.scripts.shell.Commands
    allowWarning: true
    commands:
      - echo "noise" >&2
`),
      );
      assert.equal(taskRun('ignored')?.state, 'SUCCESS');
      assert.equal(taskRun('python_warns')?.state, 'WARNING');
      assert.equal(taskRun('allowed')?.state, 'SUCCESS');
      assert.equal(execution.state, 'WARNING');
    });

    it('a failing command is FAILED whatever it wrote on stderr', async () => {
      const { execution, taskRun } = await run(
        flow(`
id: stderr_failure
namespace: tests.script_options
tasks:
  - id: broken
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "no such file" >&2
      - exit 3
`),
      );
      assert.equal(taskRun('broken')?.state, 'FAILED');
      assert.equal(execution.state, 'FAILED');
      assert.equal(execution.error, 'Task broken failed: Command failed with exit code 3; last lines of stderr:\nno such file');
    });
  });

  describe('namespaceFiles', () => {
    /** A task that lists the files of its working directory (relative paths, sorted) as output `files`. */
    const listing = (id: string, options: string) => `
  - id: ${id}
    type: io.kestra.plugin.scripts.shell.Commands
${options}
    commands:
      - echo "::{\\"outputs\\":{\\"files\\":\\"$(find . -type f | sed 's|^\\./||' | LC_ALL=C sort | tr '\\n' ' ')\\"}}::"
`;

    it('copies every file of the flow namespace when enabled, only the matching ones with include/exclude, none when absent or disabled', async () => {
      const { execution, vars } = await run(
        flow(`
id: namespace_files
namespace: tests.script_options
tasks:
${listing('all', '    namespaceFiles:\n      enabled: true')}
${listing('empty_options', '    namespaceFiles: {}')}
${listing('sql_only', '    namespaceFiles:\n      include: ["**/*.sql"]\n      exclude: ["queries/old/**"]')}
${listing('named_anywhere', '    namespaceFiles:\n      include: ["old/*.sql", "config.json"]')}
${listing('regex', '    namespaceFiles:\n      include: ["regex:scripts/.*\\\\.sh"]')}
${listing('absent', '')}
${listing('disabled', '    namespaceFiles:\n      enabled: false')}
`),
      );
      assert.equal(execution.state, 'SUCCESS', execution.error);
      const files = (taskId: string) => String(vars(taskId).files).trim();
      assert.equal(files('all'), '.env config.json queries/daily.sql queries/old/legacy.sql scripts/report.sh');
      assert.equal(files('empty_options'), files('all'), 'namespaceFiles: {} means enabled');
      assert.equal(files('sql_only'), 'queries/daily.sql');
      // A pattern that starts with a name matches at any depth, as in Kestra.
      assert.equal(files('named_anywhere'), 'config.json queries/old/legacy.sql');
      assert.equal(files('regex'), 'scripts/report.sh');
      assert.equal(files('absent'), '');
      assert.equal(files('disabled'), '');
    });

    it('lets scripts use namespace files, with inputFiles of the same name taking precedence', async () => {
      const { execution, vars } = await run(
        flow(`
id: namespace_files_use
namespace: tests.script_options
tasks:
  - id: report
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      enabled: true
      include: ["scripts/*", "config.json"]
    inputFiles:
      config.json: '{"from": "inputFiles"}'
    commands:
      - echo "::{\\"outputs\\":{\\"report\\":\\"$(sh scripts/report.sh march)\\",\\"config\\":$(cat config.json)}}::"
`),
      );
      assert.equal(execution.state, 'SUCCESS', execution.error);
      assert.deepEqual(vars('report'), { report: 'report for march', config: { from: 'inputFiles' } });
    });

    it("read() of a path that is not a kestra:// URI reads the flow namespace's file", async () => {
      const { execution, taskRun } = await run(
        flow(`
id: namespace_files_read
namespace: tests.script_options
tasks:
  - id: sql
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read('queries/daily.sql') }}"
  - id: missing
    type: io.kestra.plugin.core.debug.Return
    allowFailure: true
    format: "{{ read('queries/nope.sql') }}"
`),
      );
      assert.equal(execution.state, 'WARNING', execution.error);
      assert.deepEqual(taskRun('sql')?.outputs, { value: 'SELECT 1;\n' });
      assert.match(
        taskRun('missing')?.error ?? '',
        /Namespace file not found: 'queries\/nope\.sql' \(kestra:\/\/\/tests\/script_options\/_files\/queries\/nope\.sql\)/,
      );
    });

    it('warns when namespaceFiles matches nothing', async () => {
      const { execution, logs } = await run(
        flow(`
id: namespace_files_none
namespace: tests.script_options_empty
tasks:
  - id: nothing
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      enabled: true
    commands:
      - ls
`),
      );
      assert.equal(execution.state, 'SUCCESS', execution.error);
      assert.ok(
        logs.some(
          (l) =>
            l.taskId === 'nothing' &&
            l.level === 'WARN' &&
            l.message === 'namespaceFiles is enabled but no file of kestra:///tests/script_options_empty/_files/ matches: nothing copied',
        ),
        logs.map((l) => `${l.level} ${l.message}`).join('\n'),
      );
    });
  });
});
