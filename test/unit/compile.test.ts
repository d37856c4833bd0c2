import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileFlow, compileFlowFile } from '../../src/compiler/compile';
import { formatDiagnostic } from '../../src/compiler/diagnostics';
import { FIXTURES, PROJECT_ROOT } from '../helpers/paths';

const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));

describe('compiler: valid flows', () => {
  for (const file of [...yamlIn(join(FIXTURES, 'valid')), ...yamlIn(join(PROJECT_ROOT, 'flows'))]) {
    it(`accepts ${file.slice(PROJECT_ROOT.length + 1)}`, () => {
      const { spec, diagnostics } = compileFlowFile(file);
      assert.deepEqual(diagnostics.map(formatDiagnostic), []);
      assert.ok(spec && spec.tasks.length > 0);
    });
  }
});

describe('compiler: invalid flows report every problem at its line and column', () => {
  for (const file of yamlIn(join(FIXTURES, 'invalid'))) {
    it(`refuses ${file.slice(FIXTURES.length + 1)}`, () => {
      // Each fixture states its expected diagnostics in `# expect: line:col message` header lines.
      const expected = [...readFileSync(file, 'utf8').matchAll(/^# expect: (\d+):(\d+) (.+)$/gm)].map((m) => ({
        line: Number(m[1]),
        col: Number(m[2]),
        text: m[3],
      }));
      assert.ok(expected.length > 0, 'fixture states no expectation');
      const { spec, diagnostics } = compileFlowFile(file);
      assert.equal(spec, undefined);
      const shown = diagnostics.map((d) => `${d.line}:${d.col} ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
      for (const e of expected) {
        assert.ok(
          shown.some((s) => s.startsWith(`${e.line}:${e.col} `) && s.includes(e.text)),
          `missing ${e.line}:${e.col} ${e.text}\nin:\n${shown.join('\n')}`,
        );
      }
      assert.equal(diagnostics.length, expected.length, `unexpected extra diagnostics:\n${shown.join('\n')}`);
      for (const d of diagnostics) assert.equal(d.file, file);
    });
  }
});

describe('compiler: what the FlowSpec holds', () => {
  const source = `
id: spec_shape
namespace: company.team
labels:
  env: prod
pluginDefaults:
  - type: io.kestra.plugin.core.log
    values:
      level: ERROR
tasks:
  - id: a
    type: io.kestra.core.tasks.log.Log
    message: one
  - id: b
    type: io.kestra.plugin.core.log.Log
    message: two
    level: DEBUG
  - id: c
    type: io.kestra.plugin.core.debug.Return
    format: x
    retry:
      type: constant
      interval: PT1S
      maxAttempt: 4
`;
  const { spec, diagnostics } = compileFlow(source, 'inline.yaml');

  it('compiles without diagnostics', () => assert.deepEqual(diagnostics, []));

  it('resolves type aliases to the canonical type', () => {
    assert.equal(spec?.tasks[0].type, 'io.kestra.plugin.core.log.Log');
    assert.equal(spec?.tasks[0].kind, 'runnable');
  });

  it('applies pluginDefaults by type prefix, the task’s own values winning', () => {
    assert.equal(spec?.tasks[0].properties.level, 'ERROR');
    assert.equal(spec?.tasks[1].properties.level, 'DEBUG');
    assert.equal(spec?.tasks[2].properties.level, undefined);
  });

  it('keeps common properties out of the task properties and normalises retry', () => {
    assert.deepEqual(Object.keys(spec?.tasks[2].properties ?? {}), ['format']);
    assert.equal(spec?.tasks[2].retry?.maxAttempts, 4);
  });

  it('keeps labels and positions', () => {
    assert.deepEqual(spec?.labels, { env: 'prod' });
    assert.deepEqual(spec?.tasks[1].position, { line: 14, col: 5 });
  });

  it('reports every problem, not only the first', () => {
    const { diagnostics: many } = compileFlow('id: x\nnamespace: y\ntasks:\n  - id: a\n    type: nope.A\n  - id: b\n    type: nope.B\n', 'many.yaml');
    assert.deepEqual(
      many.map((d) => `${d.line}:${d.col} ${d.message}`),
      ['5:11 Invalid type: nope.A', '7:11 Invalid type: nope.B'],
    );
  });

  it('keeps a task whose own property is an expression the schema cannot check yet (checked when it runs)', () => {
    const source = [
      'id: x',
      'namespace: y',
      'tasks:',
      '  - id: q',
      '    type: io.kestra.plugin.jdbc.postgresql.Query',
      '    url: jdbc:postgresql://db/taxi',
      '    sql: select 1',
      '    fetchType: "{{ inputs.fetch }}"',
    ].join('\n');
    const { spec, diagnostics } = compileFlow(source, 'dynamic-enum.yaml');
    assert.deepEqual(diagnostics.map(formatDiagnostic), []);
    assert.deepEqual(
      spec?.tasks.map((task) => [task.id, task.properties.fetchType]),
      [['q', '{{ inputs.fetch }}']],
    );
  });

  it('refuses an expression where tflow needs a plain value, instead of dropping the task', () => {
    const source =
      'id: x\nnamespace: y\ntasks:\n  - id: slow\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: PT1S\n    timeout: "{{ vars.t }}"\n';
    const { spec, diagnostics } = compileFlow(source, 'dynamic-timeout.yaml');
    assert.equal(spec, undefined);
    assert.deepEqual(
      diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`),
      ['7:14 `timeout` must be a plain value: tflow does not render expressions in it'],
    );
  });

  it('reads a property given no value as absent (flow, input, task, trigger), but keeps null values in free-form maps', () => {
    const source = [
      'id: x',
      'namespace: y',
      'description:',
      'variables:',
      '  unset:',
      'inputs:',
      '  - id: who',
      '    type: STRING',
      '    defaults:',
      'tasks:',
      '  - id: out',
      '    type: io.kestra.plugin.core.output.OutputValues',
      '    description:',
      '    values:',
      '      empty:',
      'triggers:',
      '  - id: daily',
      '    type: io.kestra.plugin.core.trigger.Schedule',
      '    cron: "0 9 * * *"',
      '    timezone:',
      '',
    ].join('\n');
    const { spec, diagnostics } = compileFlow(source, 'empty-values.yaml');
    assert.deepEqual(diagnostics, []);
    assert.equal(spec?.description, undefined);
    assert.deepEqual(spec?.variables, { unset: null });
    assert.equal(spec?.inputs[0].defaults, undefined);
    assert.deepEqual(spec?.tasks[0].properties, { values: { empty: null } });
    assert.equal(spec?.triggers?.[0].id, 'daily');
  });

  it('refuses a document that is not a mapping', () => {
    const { diagnostics: notMap } = compileFlow('- just\n- a list\n', 'list.yaml');
    assert.match(notMap[0].message, /must be a YAML mapping/);
  });
});

describe('compiler: flow-level properties in the FlowSpec', () => {
  const source = `
id: flow_level
namespace: company.team
concurrency:
  limit: 1
pluginDefaults:
  - type: io.kestra.plugin.core
    values:
      level: WARN
      notAProperty: ignored
  - type: io.kestra.plugin.core.trigger.Schedule
    values:
      timezone: Europe/Paris
sla:
  - id: slow
    type: MAX_DURATION
    duration: PT1H
checks:
  - condition: "{{ true }}"
    message: ok
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: hi
afterExecution:
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: bye
triggers:
  - id: monthly
    type: io.kestra.core.models.triggers.types.Schedule
    cron: "0 9 1 * *"
    labels:
      - key: origin
        value: schedule
    inputs:
      taxi: green
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: secret-key-0123456789
`;
  const { spec, diagnostics } = compileFlow(source, 'flow-level.yaml');

  it('compiles without diagnostics', () => assert.deepEqual(diagnostics.map(formatDiagnostic), []));

  it('normalises triggers: canonical type, labels as a map, pluginDefaults applied', () => {
    const [schedule, webhook] = spec?.triggers ?? [];
    assert.equal(schedule.type, 'io.kestra.plugin.core.trigger.Schedule');
    assert.ok(schedule.type === 'io.kestra.plugin.core.trigger.Schedule');
    assert.deepEqual(
      {
        cron: schedule.cron,
        withSeconds: schedule.withSeconds,
        timezone: schedule.timezone,
        labels: schedule.labels,
        inputs: schedule.inputs,
        disabled: schedule.disabled,
      },
      { cron: '0 9 1 * *', withSeconds: false, timezone: 'Europe/Paris', labels: { origin: 'schedule' }, inputs: { taxi: 'green' }, disabled: false },
    );
    assert.ok(webhook.type === 'io.kestra.plugin.core.trigger.Webhook' && webhook.key === 'secret-key-0123456789');
  });

  it('applies a prefix pluginDefault only with the properties the plugin has', () => {
    assert.deepEqual(spec?.tasks[0].properties, { level: 'WARN', message: 'hi' });
  });

  it('fills Kestra’s defaults for concurrency, SLA and checks', () => {
    assert.deepEqual(spec?.concurrency, { limit: 1, behavior: 'QUEUE' });
    assert.equal(spec?.sla?.[0].behavior, 'FAIL');
    assert.deepEqual(spec?.checks?.[0], {
      condition: '{{ true }}',
      message: 'ok',
      style: 'INFO',
      behavior: 'BLOCK_EXECUTION',
      position: { line: 19, col: 5 },
    });
    assert.equal(spec?.afterExecution?.[0].id, 'after');
  });

  it('lets forced pluginDefaults win over the task’s own values', () => {
    const forced = compileFlow(
      'id: f\nnamespace: n\npluginDefaults:\n  - type: io.kestra.plugin.core.log.Log\n    forced: true\n    values:\n      level: ERROR\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n    level: DEBUG\n',
    );
    assert.equal(forced.spec?.tasks[0].properties.level, 'ERROR');
  });
});
