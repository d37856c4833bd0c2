import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlow } from '../../src/compiler/compile';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { ResumeRefused } from '../../src/workflow/interpreter/pauses';
import { concurrencyProbe, FakeCancellation, flow, runWithFakePort } from '../helpers/fake-port';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.value !== undefined ? `[${r.value}]` : ''}:${r.state}`);
const outputsOf = (e: Execution, taskId: string) => e.taskRuns.find((r) => r.taskId === taskId)?.outputs;
const LOG = 'io.kestra.plugin.core.log.Log';
const RETURN = 'io.kestra.plugin.core.debug.Return';
const FAIL = 'io.kestra.plugin.core.execution.Fail';

/** A promise the test resolves by hand, to control when a fake task ends. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('flowable: If', () => {
  const ifFlow = (withElse: boolean) =>
    flow(`
id: if_flow
namespace: t
inputs:
  - id: go
    type: BOOLEAN
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.go }}"
    then:
      - id: yes
        type: ${RETURN}
        format: "yes"
${withElse ? `    else:\n      - id: no\n        type: ${RETURN}\n        format: "no"\n` : ''}  - id: after
    type: ${RETURN}
    format: "{{ outputs.check.evaluationResult }}"
`);

  it('runs `then` when the condition is truthy and outputs evaluationResult', async () => {
    const { execution } = await runWithFakePort(ifFlow(true), { go: true });
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['check:SUCCESS', 'yes:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'check'), { evaluationResult: true });
    assert.deepEqual(outputsOf(execution, 'after'), { value: 'true' });
    assert.equal(execution.taskRuns[1].parentTaskRunId, execution.taskRuns[0].id);
  });

  it('runs `else` when the condition is falsy', async () => {
    const { execution } = await runWithFakePort(ifFlow(true), { go: false });
    assert.deepEqual(runs(execution), ['check:SUCCESS', 'no:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'check'), { evaluationResult: false });
  });

  it('is a plain SUCCESS with no children when false and without `else`', async () => {
    const { execution } = await runWithFakePort(ifFlow(false), { go: false });
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['check:SUCCESS', 'after:SUCCESS']);
  });

  it('accepts the legacy type name io.kestra.core.tasks.flows.If', async () => {
    const spec = flow(`
id: legacy
namespace: t
tasks:
  - id: check
    type: io.kestra.core.tasks.flows.If
    condition: "{{ 1 == 1 }}"
    then:
      - id: yes
        type: ${RETURN}
`);
    assert.equal(spec.tasks[0].type, 'io.kestra.plugin.core.flow.If');
    const { execution } = await runWithFakePort(spec);
    assert.deepEqual(runs(execution), ['check:SUCCESS', 'yes:SUCCESS']);
  });
});

describe('flowable: Sequential and flowable-level errors', () => {
  it('runs children in order, stops at the first failure, runs its own errors, then the flow errors', async () => {
    const spec = flow(`
id: seq
namespace: t
tasks:
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: one
        type: ${RETURN}
      - id: boom
        type: ${FAIL}
        errorMessage: broken
      - id: never
        type: ${RETURN}
    errors:
      - id: local_handler
        type: ${LOG}
        message: "local: {{ task.id }}"
  - id: not_reached
    type: ${RETURN}
errors:
  - id: flow_handler
    type: ${LOG}
    message: flow
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['group:FAILED', 'one:SUCCESS', 'boom:FAILED', 'local_handler:SUCCESS', 'flow_handler:SUCCESS']);
    const group = execution.taskRuns[0];
    assert.equal(execution.taskRuns.find((r) => r.taskId === 'local_handler')?.parentTaskRunId, group.id);
    assert.equal(execution.error, 'Task boom failed: broken');
  });

  it('turns a failed flowable into WARNING with allowFailure, and a WARNING into SUCCESS with allowWarning', async () => {
    const spec = flow(`
id: seq_allow
namespace: t
tasks:
  - id: tolerant
    type: io.kestra.plugin.core.flow.Sequential
    allowFailure: true
    tasks:
      - id: boom
        type: ${FAIL}
  - id: quiet
    type: io.kestra.plugin.core.flow.Sequential
    allowWarning: true
    tasks:
      - id: warn
        type: ${FAIL}
        allowFailure: true
  - id: next
    type: ${RETURN}
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'WARNING');
    assert.deepEqual(runs(execution), ['tolerant:WARNING', 'boom:FAILED', 'quiet:SUCCESS', 'warn:WARNING', 'next:SUCCESS']);
  });

  it('ends SUCCESS with no task run for disabled children, and SKIPPED for a flowable whose runIf is false', async () => {
    const spec = flow(`
id: seq_disabled
namespace: t
tasks:
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: off
        type: ${RETURN}
        disabled: true
  - id: skipped_group
    type: io.kestra.plugin.core.flow.Sequential
    runIf: "{{ false }}"
    tasks:
      - id: inner
        type: ${RETURN}
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['group:SUCCESS', 'skipped_group:SKIPPED']);
  });
});

describe('flowable: Parallel', () => {
  const parallelFlow = (concurrent: number) =>
    flow(`
id: par
namespace: t
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: ${concurrent}
    tasks:
      - id: a
        type: ${RETURN}
      - id: b
        type: ${RETURN}
      - id: c
        type: ${RETURN}
`);

  it('starts every child at once when concurrent is 0', async () => {
    const events: string[] = [];
    const gates = { a: gate(), b: gate(), c: gate() };
    const behaviour = (id: keyof typeof gates) => async () => {
      events.push(`start ${id}`);
      if (events.filter((e) => e.startsWith('start')).length === 3) gates.c.open();
      await gates[id].opened;
      events.push(`end ${id}`);
      if (id === 'c') gates.b.open();
      if (id === 'b') gates.a.open();
      return {};
    };
    const { execution } = await runWithFakePort(parallelFlow(0), {}, { a: behaviour('a'), b: behaviour('b'), c: behaviour('c') });
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(events, ['start a', 'start b', 'start c', 'end c', 'end b', 'end a']);
    assert.deepEqual(runs(execution), ['fan:SUCCESS', 'a:SUCCESS', 'b:SUCCESS', 'c:SUCCESS']);
  });

  it('runs at most `concurrent` children at a time', async () => {
    const { work, most } = concurrencyProbe();
    await runWithFakePort(parallelFlow(2), {}, { a: work, b: work, c: work });
    assert.equal(most(), 2);
  });

  it('starts no new child after a failure and ends FAILED', async () => {
    const { execution, calls } = await runWithFakePort(parallelFlow(1), {}, { a: () => new Error('a failed') });
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['fan:FAILED', 'a:FAILED']);
    assert.equal(calls.length, 1);
  });
});

describe('flowable: Switch', () => {
  const switchYaml = (withDefaults: boolean) => `
id: sw
namespace: t
inputs:
  - id: kind
    type: STRING
tasks:
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.kind }}"
    cases:
      green:
        - id: green_task
          type: ${RETURN}
      1:
        - id: one_task
          type: ${RETURN}
${withDefaults ? `    defaults:\n      - id: default_task\n        type: ${RETURN}\n` : ''}`;
  const switchFlow = (withDefaults: boolean) => flow(switchYaml(withDefaults));

  it('runs the case whose key equals the rendered value (keys compared as strings)', async () => {
    let { execution } = await runWithFakePort(switchFlow(true), { kind: 'green' });
    assert.deepEqual(runs(execution), ['route:SUCCESS', 'green_task:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'route'), { value: 'green', defaults: false });
    ({ execution } = await runWithFakePort(switchFlow(true), { kind: '1' }));
    assert.deepEqual(runs(execution), ['route:SUCCESS', 'one_task:SUCCESS']);
  });

  it('runs defaults when no case matches', async () => {
    const { execution } = await runWithFakePort(switchFlow(true), { kind: 'yellow' });
    assert.deepEqual(runs(execution), ['route:SUCCESS', 'default_task:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'route'), { value: 'yellow', defaults: true });
  });

  it('fails when no case matches and there are no defaults', async () => {
    const { execution } = await runWithFakePort(switchFlow(false), { kind: 'yellow' });
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['route:FAILED']);
    assert.match(execution.taskRuns[0].error ?? '', /no case matching the value 'yellow'/);
  });

  it('reads `defaults:` given no value as absent, as Kestra does', async () => {
    const { execution } = await runWithFakePort(flow(`${switchYaml(false)}    defaults:\n`), { kind: 'green' });
    assert.deepEqual(runs(execution), ['route:SUCCESS', 'green_task:SUCCESS']);
    const { execution: unmatched } = await runWithFakePort(flow(`${switchYaml(false)}    defaults:\n`), { kind: 'yellow' });
    assert.match(unmatched.taskRuns[0].error ?? '', /no case matching the value 'yellow'/);
  });
});

describe('flowable: ForEach', () => {
  it('runs the tasks once per distinct value; task runs carry the value; outputs are keyed by it', async () => {
    const spec = flow(`
id: loop
namespace: t
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "a", 3, {"k": 1}]
    tasks:
      - id: ret
        type: ${RETURN}
        format: "{{ taskrun.value }}-{{ taskrun.iteration }}"
      - id: again
        type: ${RETURN}
        format: "{{ outputs.ret[taskrun.value].value }}"
  - id: after
    type: ${RETURN}
    format: "{{ outputs.ret['b'].value }} {{ outputs.again['3'].value }}"
`);
    const { execution, calls } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), [
      'each:SUCCESS',
      'ret[a]:SUCCESS',
      'again[a]:SUCCESS',
      'ret[b]:SUCCESS',
      'again[b]:SUCCESS',
      'ret[3]:SUCCESS',
      'again[3]:SUCCESS',
      'ret[{"k":1}]:SUCCESS',
      'again[{"k":1}]:SUCCESS',
      'after:SUCCESS',
    ]);
    assert.deepEqual(outputsOf(execution, 'after'), { value: 'b-1 3-2' });
    assert.deepEqual(
      calls.slice(0, 2).map((c) => [c.options.activityId, c.options.summary]),
      [
        ['ret[a]', 'ret [a]'],
        ['again[a]', 'again [a]'],
      ],
    );
  });

  it('renders a JSON string of values, and runs iterations concurrently up to concurrencyLimit (0 = all)', async () => {
    const spec = (limit: number) =>
      flow(`
id: loop_json
namespace: t
inputs:
  - id: months
    type: JSON
    defaults: '["01", "02", "03"]'
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ inputs.months }}"
    concurrencyLimit: ${limit}
    tasks:
      - id: work
        type: ${RETURN}
        format: "{{ taskrun.value }}"
`);
    for (const [limit, expected] of [
      [1, 1],
      [2, 2],
      [0, 3],
    ]) {
      const { work, most } = concurrencyProbe();
      const { execution } = await runWithFakePort(spec(limit), {}, { work });
      assert.equal(execution.state, 'SUCCESS');
      assert.deepEqual(
        execution.taskRuns
          .filter((r) => r.taskId === 'work')
          .map((r) => r.value)
          .sort(),
        ['01', '02', '03'],
      );
      assert.equal(most(), expected, `concurrencyLimit ${limit}`);
    }
  });

  it('nests loops: outputs keyed outer then inner, `parent` and `parents` give the enclosing values', async () => {
    const spec = flow(`
id: nested
namespace: t
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: '["s1", "s2"]'
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: '["a a", "b b"]'
        tasks:
          - id: first
            type: ${RETURN}
            format: "{{ task.id }} > {{ taskrun.value }} > {{ parents[0].taskrun.value }}"
          - id: second
            type: ${RETURN}
            format: "{{ outputs.first[parent.taskrun.value][taskrun.value].value }}"
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    const seconds = execution.taskRuns.filter((r) => r.taskId === 'second').map((r) => r.outputs.value);
    assert.deepEqual(seconds, ['first > a a > s1', 'first > b b > s1', 'first > a a > s2', 'first > b b > s2']);
    assert.deepEqual(
      execution.taskRuns.filter((r) => r.taskId === 'inner').map((r) => r.value),
      ['s1', 's2'],
    );
  });

  it('stops after a failed iteration, and fails on null values; [] is a SUCCESS without children', async () => {
    const failing = flow(`
id: loop_fail
namespace: t
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["x", "y"]
    tasks:
      - id: boom
        type: ${FAIL}
`);
    let { execution } = await runWithFakePort(failing);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['each:FAILED', 'boom[x]:FAILED']);

    const nulls = flow(`
id: loop_nulls
namespace: t
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: '["x", null]'
    tasks:
      - id: ret
        type: ${RETURN}
`);
    ({ execution } = await runWithFakePort(nulls));
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.taskRuns[0].error, "Found '1' null values on Each, with values=[x, null]");

    const empty = flow(`
id: loop_empty
namespace: t
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "[]"
    tasks:
      - id: ret
        type: ${RETURN}
`);
    ({ execution } = await runWithFakePort(empty));
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['each:SUCCESS']);
  });
});

describe('flowable: AllowFailure', () => {
  it('ends WARNING when a child fails, runs its errors, and lets the flow carry on', async () => {
    const spec = flow(`
id: allow
namespace: t
tasks:
  - id: tolerant
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - id: boom
        type: ${FAIL}
      - id: skipped_by_failure
        type: ${RETURN}
    errors:
      - id: handler
        type: ${LOG}
        message: handled
  - id: next
    type: ${RETURN}
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'WARNING');
    assert.deepEqual(runs(execution), ['tolerant:WARNING', 'boom:FAILED', 'handler:SUCCESS', 'next:SUCCESS']);
  });
});

describe('flowable: Dag', () => {
  it('starts each task once its dependencies have ended', async () => {
    const spec = flow(`
id: dag
namespace: t
tasks:
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: report
          type: ${RETURN}
          format: "{{ outputs.left.value }}+{{ outputs.right.value }}"
        dependsOn: [left, right]
      - task:
          id: left
          type: ${RETURN}
          format: L
        dependsOn: [root]
      - task:
          id: right
          type: ${RETURN}
          format: R
        dependsOn: [root]
      - task:
          id: root
          type: ${RETURN}
`);
    const { execution, calls } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(
      calls.map((c) => c.invocation.taskId),
      ['root', 'left', 'right', 'report'],
    );
    assert.deepEqual(outputsOf(execution, 'report'), { value: 'L+R' });
    assert.equal(spec.tasks[0].children?.tasks.length, 4);
  });

  it('refuses a cycle or an unknown dependency when compiling', () => {
    const { diagnostics } = compileFlow(`
id: dag_cycle
namespace: t
tasks:
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: a, type: ${RETURN}}
        dependsOn: [b]
      - task: {id: b, type: ${RETURN}}
        dependsOn: [a, ghost]
`);
    assert.deepEqual(diagnostics.map((d) => d.message).sort(), [
      'Cyclic dependency detected: a, b',
      "Task 'b' depends on 'ghost', which is not a task of this Dag",
    ]);
  });

  it('starts nothing more after a failure', async () => {
    const spec = flow(`
id: dag_fail
namespace: t
tasks:
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: first, type: ${FAIL}}
      - task: {id: second, type: ${RETURN}}
        dependsOn: [first]
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['graph:FAILED', 'first:FAILED']);
  });
});

describe('flowable: Sleep', () => {
  it('asks for a durable timer named after the task', async () => {
    const spec = flow(`
id: nap
namespace: t
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1M30S
`);
    const { execution, sleeps } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(sleeps, [{ ms: 90_000, summary: 'nap' }]);
  });
});

describe('flowable: Pause', () => {
  const pauseFlow = (extra = '') =>
    flow(`
id: wait_for_me
namespace: t
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
${extra}    onResume:
      - id: reason
        type: STRING
      - id: count
        type: INT
        defaults: 1
  - id: after
    type: ${RETURN}
    format: "{{ outputs.approve.onResume.reason }} x{{ outputs.approve.onResume.count }}"
`);

  it('pauses the execution until resumed, with onResume inputs validated and typed', async () => {
    const seen: string[] = [];
    const { execution, portEvents, waits } = await runWithFakePort(
      pauseFlow(),
      {},
      {},
      {
        onPause(run) {
          seen.push(`${run.execution.state} ${run.execution.taskRuns[0].state}`);
          assert.throws(
            () => run.resume({ count: '2' }),
            (e: Error) => e instanceof ResumeRefused && /Invalid input for `reason`, missing required input/.test(e.message),
          );
          assert.deepEqual(run.resume({ reason: 'ok', count: '2' }), ['approve']);
        },
      },
    );
    assert.deepEqual(seen, ['PAUSED PAUSED']);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['approve:SUCCESS', 'after:SUCCESS']);
    assert.deepEqual(outputsOf(execution, 'approve'), { onResume: { reason: 'ok', count: 2 } });
    assert.deepEqual(outputsOf(execution, 'after'), { value: 'ok x2' });
    assert.deepEqual(portEvents, ['PAUSED', 'RUNNING']);
    assert.deepEqual(waits, [{ timeoutMs: undefined, summary: 'approve' }]);
  });

  it('resumes by itself after pauseDuration (inputs take their defaults); fails after a 0.21 `timeout`', async () => {
    let { execution, waits } = await runWithFakePort(
      flow(`
id: auto
namespace: t
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT5M
    onResume:
      - id: count
        type: INT
        defaults: 7
`),
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(outputsOf(execution, 'approve'), { onResume: { count: 7 } });
    assert.deepEqual(waits, [{ timeoutMs: 300_000, summary: 'approve' }]);

    ({ execution, waits } = await runWithFakePort(pauseFlow('    timeout: PT1M\n')));
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['approve:FAILED']);
    // The wait itself is bounded by the timeout (not an endless wait that happens to be cut short).
    assert.deepEqual(waits, [{ timeoutMs: 60_000, summary: 'approve' }]);
  });

  it('refuses to resume an execution that is not paused', async () => {
    const { run } = await runWithFakePort(
      flow(`
id: nothing
namespace: t
tasks:
  - id: one
    type: ${RETURN}
`),
    );
    assert.throws(() => run.validateResume({}), /is not paused/);
  });
});

describe('kill', () => {
  it('ends the execution KILLED, with running task runs KILLED and no further task', async () => {
    const spec = flow(`
id: killed
namespace: t
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: long
        type: ${RETURN}
      - id: killer
        type: ${RETURN}
  - id: never
    type: ${RETURN}
finally:
  - id: not_after_kill
    type: ${RETURN}
`);
    const longRunning = gate();
    const { execution } = await runWithFakePort(
      spec,
      {},
      {
        long: async () => {
          await longRunning.opened;
          return new FakeCancellation('cancelled');
        },
        killer: () => {
          longRunning.open();
          return new FakeCancellation('cancelled');
        },
      },
    );
    assert.equal(execution.state, 'KILLED');
    assert.deepEqual(runs(execution), ['fan:KILLED', 'long:KILLED', 'killer:KILLED']);
  });
});

describe('inline tasks: Labels and OutputValues', () => {
  it('merges labels given as a map, a list or a JSON string; values become strings', async () => {
    const spec = flow(`
id: labelled
namespace: t
labels:
  team: data
tasks:
  - id: as_map
    type: io.kestra.plugin.core.execution.Labels
    labels:
      color: "{{ 'gr' ~ 'een' }}"
      count: 42
  - id: as_list
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: team
        value: ops
  - id: as_json
    type: io.kestra.plugin.core.execution.Labels
    labels: '{"ratio": 3.14, "ok": true}'
  - id: read
    type: ${RETURN}
    format: "{{ labels.color }} {{ labels.team }}"
`);
    const { execution, calls, portEvents } = await runWithFakePort(spec);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(execution.labels, { 'system.correlationId': execution.id, team: 'ops', color: 'green', count: '42', ratio: '3.14', ok: 'true' });
    assert.deepEqual(
      calls.map((c) => c.invocation.taskId),
      ['read'],
    );
    assert.deepEqual(outputsOf(execution, 'read'), { value: 'green ops' });
    assert.equal(portEvents.length, 3);
    assert.equal(portEvents[2], `labels ${JSON.stringify(execution.labels)}`);
  });

  it('refuses system labels', async () => {
    const { execution } = await runWithFakePort(
      flow(`
id: system_label
namespace: t
tasks:
  - id: bad
    type: io.kestra.plugin.core.execution.Labels
    labels:
      system.correlationId: x
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.match(execution.taskRuns[0].error ?? '', /System labels can only be set by Kestra itself/);
  });

  it('OutputValues renders values (string leaves to strings, structure kept)', async () => {
    const { execution } = await runWithFakePort(
      flow(`
id: values
namespace: t
tasks:
  - id: out
    type: io.kestra.plugin.core.output.OutputValues
    values:
      name: "{{ flow.id }}"
      n: 3
      nested: {list: ["{{ 1 + 1 }}", true]}
  - id: read
    type: ${RETURN}
    format: "{{ outputs.out.values.nested.list[0] }}"
`),
    );
    assert.deepEqual(outputsOf(execution, 'out'), { values: { name: 'values', n: 3, nested: { list: ['2', true] } } });
    assert.deepEqual(outputsOf(execution, 'read'), { value: '2' });
  });
});

describe('flow outputs', () => {
  it('are rendered then typed by their declared type', async () => {
    const { execution } = await runWithFakePort(
      flow(`
id: typed
namespace: t
tasks:
  - id: out
    type: io.kestra.plugin.core.output.OutputValues
    values:
      n: 41
outputs:
  - id: count
    type: INT
    value: "{{ outputs.out.values.n + 1 }}"
  - id: doc
    type: JSON
    value: '{"a": [1, 2]}'
  - id: text
    type: STRING
    value: "{{ outputs.out.values.n }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(execution.outputs, { count: 42, doc: { a: [1, 2] }, text: '41' });
  });

  it('fail the execution when they cannot be rendered or typed', async () => {
    const { execution } = await runWithFakePort(
      flow(`
id: bad_output
namespace: t
tasks:
  - id: one
    type: ${RETURN}
    format: abc
outputs:
  - id: count
    type: INT
    value: "{{ outputs.one.value }}"
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.match(execution.error ?? '', /^Failed to render output values: /);
    assert.deepEqual(execution.outputs, {});
  });
});
