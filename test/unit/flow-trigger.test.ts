import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlow } from '../../src/compiler/compile';
import { formatDiagnostic } from '../../src/compiler/diagnostics';
import type { FlowSpec, FlowTriggerSpec } from '../../src/workflow/flow/spec';
import type { Execution, State } from '../../src/workflow/interpreter/execution';
import { evaluateFlowTrigger, flowTriggerSubscriptions, preconditionWindow, triggerContext } from '../../src/flow-triggers/flow-conditions';

const listener = (triggers: string, file = 'listener.yaml') => {
  const result = compileFlow(
    `id: listener
namespace: company.team
tasks:
  - id: noop
    type: io.kestra.plugin.core.debug.Return
    format: ok
triggers:
${triggers}`,
    file,
  );
  return result;
};

const triggerOf = (triggers: string): { flow: FlowSpec; trigger: FlowTriggerSpec } => {
  const { spec, diagnostics } = listener(triggers);
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  return { flow: spec!, trigger: spec!.triggers![0] as FlowTriggerSpec };
};

const ended = (namespace: string, flowId: string, state: State, extra: Partial<Execution> = {}): Execution => ({
  id: `${namespace}.${flowId}-x1`,
  namespace,
  flowId,
  revision: 3,
  state,
  inputs: {},
  outputs: { status: 'ok' },
  labels: { team: 'data' },
  taskRuns: [{ id: 't1', taskId: 'extract', state: 'SUCCESS', attempts: 1, outputs: { uri: 'kestra:///x' } }],
  startDate: '2026-01-05T10:00:00.000Z',
  endDate: '2026-01-05T10:01:00.000Z',
  ...extra,
});

const verdict = (t: { flow: FlowSpec; trigger: FlowTriggerSpec }, e: Execution) => evaluateFlowTrigger(t.trigger, e, triggerContext(t.flow, e)).kind;

describe('Flow trigger conditions', () => {
  it('fires on the terminated states by default; `states` narrows', () => {
    const any = triggerOf(`  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: company.team
        flowId: extract`);
    for (const state of ['SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED'] as const)
      assert.equal(verdict(any, ended('company.team', 'extract', state)), 'fire', state);
    assert.equal(verdict(any, ended('company.team', 'other', 'SUCCESS')), 'no');
    assert.equal(verdict(any, ended('company', 'extract', 'SUCCESS')), 'no');

    const failures = triggerOf(`  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    states: [FAILED, WARNING]`);
    assert.equal(verdict(failures, ended('a', 'b', 'FAILED')), 'fire');
    assert.equal(verdict(failures, ended('a', 'b', 'SUCCESS')), 'no');
  });

  it('ExecutionStatus, ExecutionNamespace (prefix), ExecutionLabels and ExecutionOutputs, old names included', () => {
    const t = triggerOf(`  - id: t
    type: io.kestra.core.models.triggers.types.Flow
    conditions:
      - type: io.kestra.core.models.conditions.types.ExecutionStatusCondition
        notIn: [KILLED]
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: company
        comparison: PREFIX
      - type: io.kestra.plugin.core.condition.ExecutionLabels
        labels:
          team: data
      - type: io.kestra.plugin.core.condition.ExecutionOutputs
        expression: "{{ trigger.outputs.status == 'ok' }}"`);
    assert.equal(verdict(t, ended('company.team', 'x', 'SUCCESS')), 'fire');
    assert.equal(verdict(t, ended('company.team', 'x', 'KILLED')), 'no');
    assert.equal(verdict(t, ended('other.team', 'x', 'SUCCESS')), 'no');
    assert.equal(verdict(t, ended('company.team', 'x', 'SUCCESS', { labels: { team: 'web' } })), 'no');
    assert.equal(verdict(t, ended('company.team', 'x', 'SUCCESS', { outputs: { status: 'ko' } })), 'no');
    // Narrowed by namespace prefix in the flow store's index.
    assert.deepEqual(flowTriggerSubscriptions(t.flow), [{ triggerId: 't', key: { namespace: 'company', namespacePrefix: true } }]);
  });

  it('preconditions: one upstream flow fires at once; several wait for each other; `where` filters', () => {
    const one = triggerOf(`  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: p
      flows:
        - namespace: company.team
          flowId: extract
          states: [SUCCESS]`);
    assert.equal(verdict(one, ended('company.team', 'extract', 'SUCCESS')), 'fire');
    assert.equal(verdict(one, ended('company.team', 'extract', 'FAILED')), 'no');
    assert.deepEqual(flowTriggerSubscriptions(one.flow), [
      { triggerId: 't', key: { namespace: 'company.team', namespacePrefix: false, flowId: 'extract' } },
    ]);

    const two = triggerOf(`  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: p
      flows:
        - namespace: company.team
          flowId: a
        - namespace: company.team
          flowId: b
      where:
        - id: company_failures
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: company
            - field: STATE
              type: IN
              values: [FAILED, WARNING]`);
    const partial = evaluateFlowTrigger(two.trigger, ended('company.team', 'a', 'FAILED'), {});
    assert.equal(partial.kind, 'partial');
    assert.deepEqual(partial.kind === 'partial' && partial.satisfied.length, 2);
    assert.equal(verdict(two, ended('elsewhere', 'a', 'FAILED')), 'no');
    assert.deepEqual(
      flowTriggerSubscriptions(two.flow).map((s) => s.key),
      [
        { namespace: 'company.team', namespacePrefix: false, flowId: 'a' },
        { namespace: 'company.team', namespacePrefix: false, flowId: 'b' },
        { namespace: 'company', namespacePrefix: true },
      ],
    );
  });

  it('time windows: 24-hour windows from midnight by default, sliding, daily deadline', () => {
    const at = new Date('2026-01-05T10:00:00Z');
    const window = (timeWindow: string) =>
      preconditionWindow(
        triggerOf(`  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: p
      flows: [{namespace: a}, {namespace: b}]
${timeWindow}`).trigger,
        at,
      );
    assert.deepEqual(window(''), { start: new Date('2026-01-05T00:00:00Z'), end: new Date('2026-01-06T00:00:00Z') });
    assert.deepEqual(window('      timeWindow: {type: SLIDING_WINDOW, window: PT1H}'), { start: new Date('2026-01-05T09:00:00Z'), end: at });
    assert.deepEqual(window('      timeWindow: {type: DAILY_TIME_DEADLINE, deadline: "11:00:00"}'), {
      start: new Date('2026-01-05T00:00:00Z'),
      end: new Date('2026-01-05T11:00:00Z'),
    });
    assert.equal(window('      timeWindow: {type: DAILY_TIME_DEADLINE, deadline: "09:00:00"}'), undefined);
  });

  it('a disabled trigger listens to nothing', () => {
    const t = triggerOf(`  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    disabled: true`);
    assert.equal(verdict(t, ended('a', 'b', 'SUCCESS')), 'no');
    assert.deepEqual(flowTriggerSubscriptions(t.flow), []);
  });

  it('the started execution sees trigger.* and the upstream task outputs', () => {
    const { flow } = triggerOf(`  - id: t
    type: io.kestra.plugin.core.trigger.Flow`);
    const context = triggerContext(flow, ended('company.team', 'extract', 'SUCCESS'));
    assert.deepEqual(context.trigger, {
      executionId: 'company.team.extract-x1',
      namespace: 'company.team',
      flowId: 'extract',
      flowRevision: 3,
      state: 'SUCCESS',
      outputs: { status: 'ok' },
    });
    assert.deepEqual(context.outputs, { extract: { uri: 'kestra:///x' } });
  });

  it('refuses unknown condition types and malformed preconditions at their line and column', () => {
    const { diagnostics } = listener(
      `  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.DayWeek
        dayOfWeek: MONDAY
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: company.team
    preconditions:
      id: p
      where:
        - id: w
          filters:
            - field: COLOR
              type: EQUAL_TO
              value: red
      timeWindow:
        type: SLIDING_WINDOW
        window: one hour`,
      'listener.yaml',
    );
    const lines = diagnostics.map(formatDiagnostic);
    assert.equal(lines.length, 4, lines.join('\n'));
    assert.match(lines[0], /^listener\.yaml:11:15: condition type 'io\.kestra\.plugin\.core\.condition\.DayWeek' is not supported on a Flow trigger/);
    assert.match(lines[1], /^listener\.yaml:13:9: missing required property 'flowId'/);
    assert.match(lines[2], /^listener\.yaml:20:22: Invalid option: expected one of "FLOW_ID"\|"NAMESPACE"\|"STATE"\|"EXPRESSION"/);
    assert.match(lines[3], /^listener\.yaml:25:17: must be an ISO-8601 duration/);
  });
});
