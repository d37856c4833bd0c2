import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flow } from '../helpers/fake-port';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

/**
 * Python tasks as the course writes them: `from kestra import Kestra` with no package index, and
 * `dependencies:` installed into a cached virtual environment. This machine has no internet, so
 * the installs use a wheel built here, and a missing package shows pip's own error.
 */
describe('Python tasks: the kestra module and dependencies', { timeout: 300_000 }, () => {
  let fixture: TemporalFixture;
  let tempStorage: TemporaryStorage;
  let stateDir: string;
  let wheel: string;

  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-python-storage-');
    stateDir = await mkdtemp(join(tmpdir(), 'tflow-python-state-'));
    wheel = buildProbeWheel(stateDir);
    fixture = await startTemporalFixture({ stateDir });
  });
  after(async () => {
    await fixture?.close();
    await tempStorage?.remove();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('runs a Script with dependencies [kestra] and a Docker task runner: its Kestra.outputs reach the next task, its logger logs', async () => {
    const run = await runWithLogs(
      fixture,
      flow(`
id: python_kestra
namespace: tests.python
tasks:
  - id: collect_stats
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.scripts.runner.docker.Docker
    containerImage: python:slim
    dependencies:
      - kestra
    script: |
      from kestra import Kestra
      logger = Kestra.logger()
      logger.info("counting downloads")
      logger.warning("numbers are made up")
      Kestra.counter("rows", 3, {"source": "test"})
      Kestra.timer("work", lambda: sum(range(1000)))
      Kestra.outputs({"downloads": 12345, "image": "kestra/kestra"})
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.collect_stats.vars.image }} has {{ outputs.collect_stats.vars.downloads }} downloads"
`),
    );
    assert.equal(run.execution.state, 'SUCCESS', run.execution.error);
    assert.deepEqual((run.output('collect_stats') as { vars: unknown }).vars, { downloads: 12345, image: 'kestra/kestra' });
    assert.equal(run.output('report').value, 'kestra/kestra has 12345 downloads');
    const logs = run.logs.filter((l) => l.taskId === 'collect_stats').map((l) => `${l.level} ${l.message}`);
    assert.deepEqual(
      logs.filter((l) => l.startsWith('WARN')),
      [
        'WARN tflow has no Docker task runner: running with the Process runner on the worker host instead (image python:slim not used)',
        'WARN numbers are made up',
      ],
    );
    assert.ok(logs.includes('INFO counting downloads'), logs.join('\n'));
    assert.ok(!logs.some((l) => l.includes('Installing Python dependencies')), 'kestra is built in: nothing is installed');
  });

  it('installs dependencies into a virtual environment once per set, and reuses it', async () => {
    const spec = flow(`
id: python_dependencies
namespace: tests.python
tasks:
  - id: use_probe
    type: io.kestra.plugin.scripts.python.Commands
    dependencies:
      - kestra
      - ${wheel}
    commands:
      - |
        python3 -c 'import sys, tflow_probe; from kestra import Kestra; Kestra.outputs({"value": tflow_probe.VALUE, "venv": sys.prefix})'
`);
    const first = await runWithLogs(fixture, spec);
    assert.equal(first.execution.state, 'SUCCESS', first.execution.error);
    const { value, venv } = (first.output('use_probe') as { vars: { value: number; venv: string } }).vars;
    assert.equal(value, 42);
    assert.ok(venv.startsWith(join(stateDir, 'python', 'venvs')), venv);
    assert.ok(first.logs.some((l) => l.level === 'INFO' && l.message.startsWith(`Installing Python dependencies ${wheel} with `)));

    const second = await runWithLogs(fixture, spec);
    assert.equal(second.execution.state, 'SUCCESS', second.execution.error);
    assert.equal((second.output('use_probe') as { vars: { venv: string } }).vars.venv, venv);
    assert.ok(!second.logs.some((l) => l.message.startsWith('Installing Python dependencies')), 'the second run reuses the environment');
  });

  it("fails the task with pip's message when a dependency cannot be installed, and caches nothing", async () => {
    const run = await runWithLogs(
      fixture,
      flow(`
id: python_missing_dependency
namespace: tests.python
tasks:
  - id: needs_missing
    type: io.kestra.plugin.scripts.python.Script
    dependencies:
      - kestra
      - tflow-no-such-package-for-tests
    script: print("never runs")
`),
    );
    assert.equal(run.execution.state, 'FAILED');
    const error = run.taskRun('needs_missing')?.error ?? '';
    assert.match(error, /^Installing Python dependencies tflow-no-such-package-for-tests failed \(/);
    assert.match(error, /No matching distribution found for tflow-no-such-package-for-tests/);
    assert.ok(!run.logs.some((l) => l.message === 'never runs'));
    const venvs = await readdir(join(stateDir, 'python', 'venvs'));
    assert.equal(venvs.length, 1, `only the probe's environment is kept: ${venvs.join(', ')}`);
  });
});

/** A minimal pure-Python wheel (`import tflow_probe; tflow_probe.VALUE == 42`) that pip installs offline. */
function buildProbeWheel(dir: string): string {
  const path = join(dir, 'tflow_probe-1.0-py3-none-any.whl');
  const build = `
import sys, zipfile
files = {
    "tflow_probe/__init__.py": "VALUE = 42\\n",
    "tflow_probe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: tflow-probe\\nVersion: 1.0\\n",
    "tflow_probe-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: tflow-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = "".join(f"{name},,\\n" for name in files) + "tflow_probe-1.0.dist-info/RECORD,,\\n"
with zipfile.ZipFile(sys.argv[1], "w") as wheel:
    for name, content in files.items():
        wheel.writestr(name, content)
    wheel.writestr("tflow_probe-1.0.dist-info/RECORD", record)
`;
  execFileSync('python3', ['-c', build, path]);
  return path;
}
