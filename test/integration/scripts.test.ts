import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { executionResult, startExecution } from '../../src/client/executions';
import type { FlowSpec } from '../../src/workflow/flow/spec';
import { flow } from '../helpers/fake-port';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('script tasks (shell, python) on the Process runner', { timeout: 240_000 }, () => {
  let fixture: TemporalFixture;
  let tempStorage: TemporaryStorage;
  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-scripts-storage-');
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await tempStorage?.remove();
  });

  const run = (spec: FlowSpec) => runWithLogs(fixture, spec);

  it('runs commands with set -e, env and beforeCommands; stdout → INFO, stderr → ERROR; ::outputs:: → vars; outputFiles → storage', async () => {
    const { execution, logs, output } = await run(
      flow(`
id: shell_outputs
namespace: tests.scripts
tasks:
  - id: make
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    env:
      GREETING: "hello {{ flow.id }}"
    beforeCommands:
      - export SUFFIX=csv
    outputFiles:
      - "*.csv"
    commands:
      - echo "$GREETING"
      - echo "to stderr" >&2
      - printf 'a,b\\n1,2\\n' > data.$SUFFIX
      - mkdir -p sub && echo nested > sub/deep.csv
      - echo '::{"outputs":{"count":2,"name":"data"}}::'
      - test "$WORKING_DIR" = "$(pwd)"
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.make.vars.count }} {{ outputs.make.exitCode }} {{ outputs.make.outputFiles['data.csv'] }}"
`),
    );
    // The stderr line makes it WARNING (warningOnStdErr defaults to true, as in Kestra).
    assert.equal(execution.state, 'WARNING', execution.error);
    const make = output('make') as { exitCode: number; vars: Record<string, unknown>; outputFiles: Record<string, string> };
    assert.equal(make.exitCode, 0);
    assert.deepEqual(make.vars, { count: 2, name: 'data' });
    // `*.csv` is anchored at the working directory: sub/deep.csv is not matched.
    assert.deepEqual(Object.keys(make.outputFiles), ['data.csv']);
    assert.match(
      make.outputFiles['data.csv'],
      new RegExp(`^kestra:///tests/scripts/shell_outputs/executions/${execution.id}/tasks/make/[^/]+/data\\.csv$`),
    );
    assert.equal(await readFile(tempStorage.storage.pathOf(make.outputFiles['data.csv']), 'utf8'), 'a,b\n1,2\n');
    assert.equal(output('use').value, `2 0 ${make.outputFiles['data.csv']}`);
    const makeLogs = logs.filter((l) => l.taskId === 'make').map((l) => `${l.level} ${l.message}`);
    assert.ok(makeLogs.includes('INFO hello shell_outputs'), makeLogs.join('\n'));
    assert.ok(makeLogs.includes('ERROR to stderr'), makeLogs.join('\n'));
    assert.ok(!makeLogs.some((l) => l.includes('::{')), 'protocol lines are not logged');
  });

  it('copies inputFiles from storage (kestra://) or writes them as content, and python.Script reads them', async () => {
    const { execution, output } = await run(
      flow(`
id: python_inputs
namespace: tests.scripts
tasks:
  - id: produce
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["numbers.txt"]
    commands:
      - seq 1 10 > numbers.txt
  - id: consume
    type: io.kestra.plugin.scripts.python.Script
    containerImage: python:3.11-alpine
    inputFiles:
      in/numbers.txt: "{{ outputs.produce.outputFiles['numbers.txt'] }}"
      config.json: '{"factor": 3}'
    outputFiles: ["*.txt"]
    script: |
      import json
      factor = json.load(open("config.json"))["factor"]
      total = sum(int(line) for line in open("in/numbers.txt"))
      open("result.txt", "w").write(str(total * factor))
      print('::' + json.dumps({"outputs": {"total": total * factor}}) + '::')
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const consume = output('consume') as { vars: Record<string, unknown>; outputFiles: Record<string, string> };
    assert.deepEqual(consume.vars, { total: 165 });
    assert.deepEqual(Object.keys(consume.outputFiles), ['result.txt']);
    assert.equal(await readFile(tempStorage.storage.pathOf(consume.outputFiles['result.txt']), 'utf8'), '165');
  });

  it('warns when a Docker runner is asked for and runs on the host instead', async () => {
    const { execution, logs, output } = await run(
      flow(`
id: docker_fallback
namespace: tests.scripts
tasks:
  - id: cmds
    type: io.kestra.plugin.scripts.python.Commands
    taskRunner:
      type: io.kestra.plugin.scripts.runner.docker.Docker
    containerImage: python:slim
    commands:
      - python3 -c "print('::{\\"outputs\\":{\\"ok\\":true}}::')"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(output('cmds').vars, { ok: true });
    assert.ok(
      logs.some(
        (l) =>
          l.level === 'WARN' &&
          l.message === 'tflow has no Docker task runner: running with the Process runner on the worker host instead (image python:slim not used)',
      ),
      logs.map((l) => l.message).join('\n'),
    );
  });

  it('fails on a non-zero exit with the exit code and the last stderr lines; set -e stops at the first failing command', async () => {
    const { execution, logs } = await run(
      flow(`
id: failing_script
namespace: tests.scripts
tasks:
  - id: broken
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "about to fail" >&2
      - gunzip < /dev/null > out.csv
      - echo "never printed"
`),
    );
    assert.equal(execution.state, 'FAILED');
    const broken = execution.taskRuns.find((r) => r.taskId === 'broken');
    assert.match(broken?.error ?? '', /^Command failed with exit code 1; last lines of stderr:\nabout to fail\ngzip: stdin: unexpected end of file/);
    assert.ok(!logs.some((l) => l.message === 'never printed'));
  });

  it('keeps a flood of output out of the workflow history: the task succeeds and its last lines are kept', async () => {
    const { execution, logs } = await run(
      flow(`
id: noisy
namespace: tests.scripts
tasks:
  - id: flood
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - seq 1 200000
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const lines = logs.filter((l) => l.taskId === 'flood');
    assert.ok(lines.length < 5_000, `${lines.length} lines kept`);
    assert.equal(lines[lines.length - 1].message, '200000');
  });

  it('kills the process (and its children) when the execution is cancelled', { timeout: 120_000 }, async () => {
    const pidFile = join(tempStorage.root, `pid-${Date.now()}`);
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`
id: cancelled_script
namespace: tests.scripts
tasks:
  - id: slow
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - sleep 300 &
      - echo $! > ${pidFile}
      - echo started
      - wait
`),
    );
    // Task logs reach the execution when the task ends: watch the pid file instead.
    await waitFor(async () => (await readFile(pidFile, 'utf8')).trim() !== '');
    const pid = Number(await readFile(pidFile, 'utf8'));
    assert.ok(isAlive(pid));
    await handle.cancel();
    await executionResult(handle).catch(() => undefined);
    // Temporal delivers the cancellation with the next heartbeat response (throttled by the SDK).
    await waitFor(async () => !isAlive(pid), 90_000);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('timed out waiting');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
