import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileFlow } from '../../src/compiler/compile';
import { formatDiagnostic } from '../../src/compiler/diagnostics';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { concurrencyProbe, flow, runWithFakePort } from '../helpers/fake-port';
import { FIXTURES, PROJECT_ROOT, TFLOW_BIN } from '../helpers/paths';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.value !== undefined ? `[${r.value}]` : ''}:${r.state}`);
const outputsOf = (e: Execution, taskId: string) => e.taskRuns.find((r) => r.taskId === taskId)?.outputs;
const RETURN = 'io.kestra.plugin.core.debug.Return';

describe('deprecated Kestra types and forms: accepted with a warning', () => {
  it('warns at the type of each deprecated task and at each deprecated property, and still compiles the flow', () => {
    const source = `id: old
namespace: t
tasks:
  - id: each
    type: io.kestra.core.tasks.flows.EachSequential
    value: [1, 2]
    tasks:
      - id: files
        type: io.kestra.plugin.core.storage.LocalFiles
        inputs:
          a.txt: "{{ taskrun.value }}"
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    delay: PT1S
    tasks:
      - id: later
        type: ${RETURN}
`;
    const result = compileFlow(source, 'flows/old.yml');
    assert.deepEqual(result.diagnostics, []);
    assert.ok(result.spec);
    assert.deepEqual(result.warnings?.map(formatDiagnostic), [
      'flows/old.yml:5:11: warning: io.kestra.core.tasks.flows.EachSequential is deprecated; use io.kestra.plugin.core.flow.ForEach [tasks[0].type]',
      'flows/old.yml:9:15: warning: io.kestra.plugin.core.storage.LocalFiles is deprecated; use `inputFiles` and `outputFiles` of the WorkingDirectory or of the script task [tasks[0].tasks[0].type]',
      'flows/old.yml:14:12: warning: `delay` of io.kestra.plugin.core.flow.Pause is deprecated; use `pauseDuration` [tasks[1].delay]',
      'flows/old.yml:16:7: warning: `tasks` of io.kestra.plugin.core.flow.Pause is deprecated; put these tasks after the Pause [tasks[1].tasks]',
    ]);
  });

  it('compiles EachSequential and EachParallel as ForEach: `value` → `values`, one at a time / `concurrent` (default 0: no limit)', () => {
    const spec = flow(`
id: mapped
namespace: t
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.EachSequential
    value: '["a"]'
    tasks:
      - id: one
        type: ${RETURN}
  - id: par
    type: io.kestra.core.tasks.flows.EachParallel
    value: ["b"]
    tasks:
      - id: two
        type: ${RETURN}
  - id: par_limited
    type: io.kestra.plugin.core.flow.EachParallel
    value: ["c"]
    concurrent: 2
    tasks:
      - id: three
        type: ${RETURN}
`);
    assert.deepEqual(
      spec.tasks.map((t) => [t.id, t.type, t.properties]),
      [
        ['seq', 'io.kestra.plugin.core.flow.ForEach', { values: '["a"]', concurrencyLimit: 1 }],
        ['par', 'io.kestra.plugin.core.flow.ForEach', { values: ['b'], concurrencyLimit: 0, eachTaskInParallel: true }],
        ['par_limited', 'io.kestra.plugin.core.flow.ForEach', { values: ['c'], concurrencyLimit: 2, eachTaskInParallel: true }],
      ],
    );
  });

  it('checks a deprecated type against its own properties, in its own words', () => {
    const result = compileFlow(`id: bad
namespace: t
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachSequential
    values: [1]
    tasks:
      - id: one
        type: ${RETURN}
`);
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}${d.hint ? ` (${d.hint})` : ''}`),
      ['4:5 `value` is required', '6:5 Unrecognized field "values" (did you mean \'value\'?)'],
    );
  });

  it('keeps a ForEach property only the compiler sets out of reach of flows', () => {
    const result = compileFlow(`id: sneaky
namespace: t
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1]
    eachTaskInParallel: true
    tasks:
      - id: one
        type: ${RETURN}
`);
    assert.match(result.diagnostics.map(formatDiagnostic).join('\n'), /Unrecognized field "eachTaskInParallel"/);
  });
});

describe('tflow validate accepts every valid fixture', () => {
  it('exits 0 on test/flows/valid and flows/: a ✓ line per flow, and warning lines only for the deprecated types and forms', () => {
    // Exits non-zero (and throws) on any problem.
    const stdout = execFileSync(process.execPath, [TFLOW_BIN, 'validate', join(FIXTURES, 'valid'), 'flows'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    const lines = stdout.trim().split('\n');
    const other = lines.filter((line) => !line.startsWith('✓ ') && !/^\S+:\d+:\d+: warning: /.test(line));
    assert.deepEqual(other, []);
    assert.ok(lines.filter((line) => line.startsWith('✓ ')).length >= 20);
    const warnings = lines.filter((line) => line.includes(': warning: '));
    assert.ok(warnings.length > 0);
    for (const warning of warnings) assert.match(warning, /kestra_deprecated_types\.yaml:\d+:\d+: warning: .* is deprecated; /);
    assert.match(
      stdout,
      /kestra_deprecated_types\.yaml:7:11: warning: io\.kestra\.plugin\.core\.flow\.EachSequential is deprecated; use io\.kestra\.plugin\.core\.flow\.ForEach/,
    );
  });
});

describe('EachSequential / EachParallel run with Kestra semantics', () => {
  it('nested EachSequential: integer values as strings, `parents[0]` and `parent` give the outer value, outputs keyed outer then inner', async () => {
    const spec = flow(`
id: nested_each
namespace: t
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.EachSequential
    value: [1, 2]
    tasks:
      - id: inner
        type: io.kestra.core.tasks.flows.EachSequential
        value: '["x", "y"]'
        tasks:
          - id: pair
            type: ${RETURN}
            format: "{{ parents[0].taskrun.value }}-{{ taskrun.value }}"
          - id: again
            type: ${RETURN}
            format: "{{ outputs.pair[parent.taskrun.value][taskrun.value].value }}"
  - id: after
    type: ${RETURN}
    format: "{{ outputs.pair['2']['x'].value }}"
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), [
      'outer:SUCCESS',
      'inner[1]:SUCCESS',
      'pair[x]:SUCCESS',
      'again[x]:SUCCESS',
      'pair[y]:SUCCESS',
      'again[y]:SUCCESS',
      'inner[2]:SUCCESS',
      'pair[x]:SUCCESS',
      'again[x]:SUCCESS',
      'pair[y]:SUCCESS',
      'again[y]:SUCCESS',
      'after:SUCCESS',
    ]);
    assert.deepEqual(
      execution.taskRuns.filter((r) => r.taskId === 'again').map((r) => r.outputs.value),
      ['1-x', '1-y', '2-x', '2-y'],
    );
    assert.deepEqual(outputsOf(execution, 'after'), { value: '2-x' });
  });

  it('EachParallel runs every task of every value as its own branch, at most `concurrent` at a time', async () => {
    const spec = (concurrent?: number) =>
      flow(`
id: each_parallel
namespace: t
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachParallel
    value: ["a", "b"]
${concurrent === undefined ? '' : `    concurrent: ${concurrent}\n`}    tasks:
      - id: first
        type: ${RETURN}
      - id: second
        type: ${RETURN}
`);
    for (const [concurrent, expected] of [
      [undefined, 4],
      [3, 3],
      [1, 1],
    ] as const) {
      const probe = concurrencyProbe();
      const { execution } = await runWithFakePort(spec(concurrent), {}, { first: probe.work, second: probe.work });
      assert.equal(execution.state, 'SUCCESS');
      assert.equal(execution.taskRuns.filter((r) => r.taskId !== 'each').length, 4);
      assert.equal(probe.most(), expected, `concurrent ${concurrent}`);
    }
  });
});

describe('Pause with child `tasks` (the older form)', () => {
  const pauseFlow = (extra = '') =>
    flow(`
id: pause_children
namespace: t
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
${extra}    tasks:
      - id: child
        type: ${RETURN}
        format: "after the pause"
  - id: after
    type: ${RETURN}
`);

  it('runs the children once resumed, under the Pause and seeing its onResume outputs, then the next task', async () => {
    const spec = flow(`
id: pause_children_inputs
namespace: t
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: reason
        type: STRING
    tasks:
      - id: child
        type: ${RETURN}
        format: "resumed: {{ outputs.wait.onResume.reason }}"
  - id: after
    type: ${RETURN}
`);
    const { execution } = await runWithFakePort(spec, {}, {}, { onPause: (run) => run.resume({ reason: 'ok' }) });
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['wait:SUCCESS', 'child:SUCCESS', 'after:SUCCESS']);
    assert.equal(execution.taskRuns[1].parentTaskRunId, execution.taskRuns[0].id);
    assert.deepEqual(outputsOf(execution, 'child'), { value: 'resumed: ok' });
    assert.deepEqual(outputsOf(execution, 'wait'), { onResume: { reason: 'ok' } });
  });

  it('after its duration: RESUME and WARN run the children (WARN ends WARNING), FAIL does not', async () => {
    let { execution } = await runWithFakePort(pauseFlow('    pauseDuration: PT1M\n    behavior: WARN\n'));
    assert.deepEqual(runs(execution), ['wait:WARNING', 'child:SUCCESS', 'after:SUCCESS']);
    ({ execution } = await runWithFakePort(pauseFlow('    delay: PT1M\n')));
    assert.deepEqual(runs(execution), ['wait:SUCCESS', 'child:SUCCESS', 'after:SUCCESS']);
    ({ execution } = await runWithFakePort(pauseFlow('    pauseDuration: PT1M\n    behavior: FAIL\n')));
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['wait:FAILED']);
  });

  it('ends in its children’s state: a failing child fails the Pause', async () => {
    const { execution } = await runWithFakePort(pauseFlow('    pauseDuration: PT1S\n'), {}, { child: () => new Error('boom') });
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['wait:FAILED', 'child:FAILED']);
  });
});
