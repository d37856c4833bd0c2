/**
 * Kestra's execution semantics (core tasks, task properties, execution states) checked on the real dev server:
 * each test runs a small flow and compares final state, task runs and outputs with what Kestra gives.
 * Flowables and rules already covered elsewhere (flowables, execution, subflow, concurrency,
 * sla-checks, task-timeout, working-directory tests) are not repeated here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { executionResult, queryExecution, resumeExecution, startExecution } from '../../src/client/executions';
import { semaphoreWorkflowId } from '../../src/workflow/concurrency/semaphore';
import type { Execution, TaskRun } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const RETURN = 'io.kestra.plugin.core.debug.Return';
const FAIL = 'io.kestra.plugin.core.execution.Fail';
const LOG = 'io.kestra.plugin.core.log.Log';
const NS = 'tests.kestra_semantics';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}${r.value !== undefined ? `[${r.value}]` : ''}:${r.state}`);
const time = (iso: string | undefined) => {
  assert.ok(iso, 'the task run has no date');
  return Date.parse(iso);
};
/** `later` started once `earlier` had ended. */
const startsAfter = (later: TaskRun | undefined, earlier: TaskRun | undefined) => {
  assert.ok(later && earlier);
  assert.ok(time(later.startDate) >= time(earlier.endDate), `${later.taskId} started before ${earlier.taskId} ended`);
};

describe('Kestra execution semantics on a real Temporal dev server', { timeout: 300_000 }, () => {
  let fixture: TemporalFixture;
  /** Concurrency semaphores started here: they run on this file's task queue, which stops with it. */
  const semaphores: string[] = [];
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => {
    await Promise.all(
      semaphores.map((id) =>
        fixture.client.workflow
          .getHandle(id)
          .terminate('test done')
          .catch(() => undefined),
      ),
    );
    await fixture?.close();
  });

  const run = (yaml: string) => runWithLogs(fixture, flow(yaml));

  /** Polls the live execution until `ready` holds. */
  async function waitFor(handle: WorkflowHandle, ready: (e: Execution) => boolean): Promise<Execution> {
    for (let i = 0; i < 200; i++) {
      try {
        const execution = await queryExecution(handle);
        if (ready(execution)) return execution;
      } catch {
        // Not picked up by the worker yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${handle.workflowId} never got there`);
  }

  it('Sequential with local errors: stops at the failed child, runs its errors, the flow stops FAILED', async () => {
    const { execution } = await run(`
id: sequential_errors
namespace: ${NS}
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: first
        type: ${RETURN}
        format: one
      - id: broken
        type: ${FAIL}
        errorMessage: child broke
      - id: skipped_sibling
        type: ${RETURN}
    errors:
      - id: local_handler
        type: ${RETURN}
        format: "handled {{ outputs.first.value }}"
  - id: never
    type: ${RETURN}
errors:
  - id: flow_handler
    type: ${RETURN}
    format: flow level
`);
    assert.equal(execution.state, 'FAILED');
    // The local errors handle the failure; the flowable still ends FAILED, which stops the flow and
    // runs the flow-level errors too.
    assert.deepEqual(runs(execution), ['seq:FAILED', 'first:SUCCESS', 'broken:FAILED', 'local_handler:SUCCESS', 'flow_handler:SUCCESS']);
    assert.deepEqual(execution.taskRuns.find((r) => r.taskId === 'local_handler')?.outputs, { value: 'handled one' });
  });

  it('Parallel with concurrent: 1 runs its children one at a time; concurrent: 0 all together', async () => {
    const { execution, taskRun } = await run(`
id: parallel_concurrent
namespace: ${NS}
tasks:
  - id: one_at_a_time
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: 1
    tasks:
      - id: a
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT0.5S
      - id: b
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT0.5S
      - id: c
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT0.5S
  - id: all_together
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: 0
    tasks:
      - id: x
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
      - id: y
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), [
      'one_at_a_time:SUCCESS',
      'a:SUCCESS',
      'b:SUCCESS',
      'c:SUCCESS',
      'all_together:SUCCESS',
      'x:SUCCESS',
      'y:SUCCESS',
    ]);
    startsAfter(taskRun('b'), taskRun('a'));
    startsAfter(taskRun('c'), taskRun('b'));
    // Unlimited: y starts before x ends.
    assert.ok(time(taskRun('y')?.startDate) < time(taskRun('x')?.endDate));
  });

  it('If: a false condition takes else; without else only the If task run, SUCCESS', async () => {
    const { execution, output } = await run(`
id: if_else
namespace: ${NS}
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ 1 > 2 }}"
    then:
      - id: yes
        type: ${RETURN}
        format: yes
    else:
      - id: no
        type: ${RETURN}
        format: no
  - id: lonely
    type: io.kestra.plugin.core.flow.If
    condition: "0"
    then:
      - id: never
        type: ${RETURN}
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['check:SUCCESS', 'no:SUCCESS', 'lonely:SUCCESS']);
    assert.deepEqual(output('check'), { evaluationResult: false });
    assert.deepEqual(output('lonely'), { evaluationResult: false });
    assert.deepEqual(output('no'), { value: 'no' });
  });

  it('Switch: a case key matches the rendered value as a string; no match and no defaults fails', async () => {
    const matched = await run(`
id: switch_case
namespace: ${NS}
tasks:
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ 1 + 1 }}"
    cases:
      "1":
        - id: one
          type: ${RETURN}
      "2":
        - id: two
          type: ${RETURN}
          format: picked two
    defaults:
      - id: other
        type: ${RETURN}
`);
    assert.equal(matched.execution.state, 'SUCCESS');
    assert.deepEqual(runs(matched.execution), ['route:SUCCESS', 'two:SUCCESS']);
    assert.deepEqual(matched.output('route'), { value: '2', defaults: false });
    assert.deepEqual(matched.output('two'), { value: 'picked two' });

    const unmatched = await run(`
id: switch_nothing
namespace: ${NS}
tasks:
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: purple
    cases:
      red:
        - id: red_task
          type: ${RETURN}
  - id: never
    type: ${RETURN}
`);
    assert.equal(unmatched.execution.state, 'FAILED');
    assert.deepEqual(runs(unmatched.execution), ['route:FAILED']);
  });

  it('ForEach over a YAML list: values rendered and de-duplicated, one at a time by default, nested outputs keyed by value, parent/parents', async () => {
    const { execution, taskRun, output } = await run(`
id: foreach_nested
namespace: ${NS}
variables:
  second: b
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "{{ vars.second }}", "a"]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: [1, 2]
        tasks:
          - id: pair
            type: ${RETURN}
            format: "{{ parent.taskrun.value }}-{{ taskrun.value }}-{{ parents[0].taskrun.value }}"
          - id: slow
            type: io.kestra.plugin.core.flow.Sleep
            duration: PT0.2S
  - id: pick
    type: ${RETURN}
    format: "{{ outputs.pair['b']['2'].value }}"
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), [
      'outer:SUCCESS',
      'inner[a]:SUCCESS',
      'pair[1]:SUCCESS',
      'slow[1]:SUCCESS',
      'pair[2]:SUCCESS',
      'slow[2]:SUCCESS',
      'inner[b]:SUCCESS',
      'pair[1]:SUCCESS',
      'slow[1]:SUCCESS',
      'pair[2]:SUCCESS',
      'slow[2]:SUCCESS',
      'pick:SUCCESS',
    ]);
    const pairs = execution.taskRuns.filter((r) => r.taskId === 'pair').map((r) => r.outputs.value);
    assert.deepEqual(pairs, ['a-1-a', 'a-2-a', 'b-1-b', 'b-2-b']);
    assert.deepEqual(output('pick'), { value: 'b-2-b' });
    // concurrencyLimit defaults to 1: the second iteration starts once the first has ended.
    const slows = execution.taskRuns.filter((r) => r.taskId === 'slow');
    const pairRuns = execution.taskRuns.filter((r) => r.taskId === 'pair');
    startsAfter(pairRuns[1], slows[0]);
    assert.ok(taskRun('outer'));
  });

  it("ForEach: an empty list succeeds with no children; a null value fails with Kestra's message", async () => {
    const empty = await run(`
id: foreach_empty
namespace: ${NS}
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "[]"
    tasks:
      - id: never
        type: ${RETURN}
  - id: next
    type: ${RETURN}
    format: done
`);
    assert.equal(empty.execution.state, 'SUCCESS');
    assert.deepEqual(runs(empty.execution), ['each:SUCCESS', 'next:SUCCESS']);

    const nulls = await run(`
id: foreach_null
namespace: ${NS}
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: '["x", null]'
    tasks:
      - id: never
        type: ${RETURN}
`);
    assert.equal(nulls.execution.state, 'FAILED');
    assert.deepEqual(runs(nulls.execution), ['each:FAILED']);
    assert.match(nulls.taskRun('each')?.error ?? '', /Found '1' null values on Each/);
  });

  it('Dag: a task starts once all its dependsOn have ended; outputs flow along the edges', async () => {
    const { execution, taskRun, output } = await run(`
id: dag
namespace: ${NS}
tasks:
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: join
          type: ${RETURN}
          format: "{{ outputs.left.value }}+{{ outputs.right ?? 'no outputs' }}"
        dependsOn: [left, right]
      - task:
          id: root
          type: io.kestra.plugin.core.flow.Sleep
          duration: PT0.3S
      - task:
          id: left
          type: ${RETURN}
          format: L
        dependsOn: [root]
      - task:
          id: right
          type: io.kestra.plugin.core.flow.Sleep
          duration: PT0.5S
        dependsOn: [root]
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.equal(execution.taskRuns.length, 5);
    assert.deepEqual(runs(execution).sort(), ['graph:SUCCESS', 'join:SUCCESS', 'left:SUCCESS', 'right:SUCCESS', 'root:SUCCESS']);
    startsAfter(taskRun('left'), taskRun('root'));
    startsAfter(taskRun('right'), taskRun('root'));
    startsAfter(taskRun('join'), taskRun('left'));
    startsAfter(taskRun('join'), taskRun('right'));
    // Sleep gives no outputs.
    assert.deepEqual(output('join'), { value: 'L+no outputs' });
  });

  it('Pause: pauseDuration and delay resume by themselves (onResume defaults as outputs); timeout fails the Pause', async () => {
    const resumed = await run(`
id: pause_auto
namespace: ${NS}
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT1S
    onResume:
      - id: note
        type: STRING
        defaults: none given
  - id: legacy
    type: io.kestra.plugin.core.flow.Pause
    delay: PT0.5S
  - id: next
    type: ${RETURN}
    format: "{{ outputs.wait.onResume.note }}"
`);
    assert.equal(resumed.execution.state, 'SUCCESS');
    assert.deepEqual(runs(resumed.execution), ['wait:SUCCESS', 'legacy:SUCCESS', 'next:SUCCESS']);
    assert.deepEqual(resumed.output('wait'), { onResume: { note: 'none given' } });
    assert.deepEqual(resumed.output('next'), { value: 'none given' });
    assert.ok(time(resumed.taskRun('wait')?.endDate) - time(resumed.taskRun('wait')?.startDate) >= 1000);

    const timedOut = await run(`
id: pause_timeout
namespace: ${NS}
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT0.5S
  - id: never
    type: ${RETURN}
`);
    assert.equal(timedOut.execution.state, 'FAILED');
    assert.deepEqual(runs(timedOut.execution), ['wait:FAILED']);
  });

  it('AllowFailure: a failed child ends it WARNING, its errors run, the flow carries on and ends WARNING', async () => {
    const { execution } = await run(`
id: allow_failure_flowable
namespace: ${NS}
tasks:
  - id: tolerant
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - id: ok
        type: ${RETURN}
      - id: broken
        type: ${FAIL}
      - id: not_reached
        type: ${RETURN}
    errors:
      - id: local_handler
        type: ${LOG}
        message: tolerated
  - id: next
    type: ${RETURN}
    format: still running
`);
    assert.equal(execution.state, 'WARNING');
    assert.deepEqual(runs(execution), ['tolerant:WARNING', 'ok:SUCCESS', 'broken:FAILED', 'local_handler:SUCCESS', 'next:SUCCESS']);
    assert.deepEqual(execution.taskRuns.at(-1)?.outputs, { value: 'still running' });
  });

  it('Fail: a false condition succeeds, a true one fails with errorMessage; the default message is "Task failure"', async () => {
    const { execution, taskRun } = await run(`
id: fail_condition
namespace: ${NS}
tasks:
  - id: not_now
    type: ${FAIL}
    condition: "{{ 1 == 2 }}"
    errorMessage: should not fail
  - id: now
    type: ${FAIL}
    condition: "yes"
    errorMessage: "bad {{ 'input' }}"
errors:
  - id: default_message
    type: ${FAIL}
    allowFailure: true
`);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['not_now:SUCCESS', 'now:FAILED', 'default_message:WARNING']);
    assert.equal(taskRun('now')?.error, 'bad input');
    assert.equal(taskRun('default_message')?.error, 'Task failure');
  });

  it('Log: each level kept, a list logs each message, logLevel drops lower levels', async () => {
    const { execution, logs } = await run(`
id: log_levels
namespace: ${NS}
tasks:
  - id: chatty
    type: ${LOG}
    level: WARN
    message:
      - "first {{ 1 + 1 }}"
      - second
  - id: debug_kept
    type: ${LOG}
    level: DEBUG
    message: debug line
  - id: filtered
    type: ${LOG}
    level: DEBUG
    logLevel: INFO
    message: dropped
  - id: error_kept
    type: ${LOG}
    level: ERROR
    logLevel: WARN
    message: error line
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.equal(execution.taskRuns.length, 4);
    assert.deepEqual(
      execution.taskRuns.map((r) => r.outputs),
      [{}, {}, {}, {}],
    );
    const ofTask = (id: string) => logs.filter((l) => l.taskId === id).map((l) => `${l.level} ${l.message}`);
    assert.deepEqual(ofTask('chatty'), ['WARN first 2', 'WARN second']);
    assert.deepEqual(ofTask('debug_kept'), ['DEBUG debug line']);
    assert.deepEqual(ofTask('filtered'), []);
    assert.deepEqual(ofTask('error_kept'), ['ERROR error line']);
  });

  it('Echo (deprecated): logs `format` at `level`, INFO by default, like Log; the old type name too', async () => {
    const { execution, logs } = await run(`
id: echo_levels
namespace: ${NS}
tasks:
  - id: warned
    type: io.kestra.plugin.core.debug.Echo
    format: "echo {{ 40 + 2 }}"
    level: WARN
  - id: plain
    type: io.kestra.core.tasks.debugs.Echo
    format: plain echo
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['warned:SUCCESS', 'plain:SUCCESS']);
    const ofTask = (id: string) => logs.filter((l) => l.taskId === id).map((l) => `${l.level} ${l.message}`);
    assert.deepEqual(ofTask('warned'), ['WARN echo 42']);
    assert.deepEqual(ofTask('plain'), ['INFO plain echo']);
  });

  it('finally runs after success and after failure without changing the state; afterExecution sees the final state and cannot change it', async () => {
    const succeeded = await run(`
id: finally_success
namespace: ${NS}
tasks:
  - id: work
    type: ${RETURN}
    format: done
finally:
  - id: cleanup
    type: ${RETURN}
    format: "cleaning after {{ outputs.work.value }}"
afterExecution:
  - id: on_failure
    type: ${RETURN}
    runIf: "{{ execution.state == 'FAILED' }}"
  - id: report
    type: ${RETURN}
    format: "{{ execution.state }}"
`);
    assert.equal(succeeded.execution.state, 'SUCCESS');
    assert.deepEqual(runs(succeeded.execution), ['work:SUCCESS', 'cleanup:SUCCESS', 'on_failure:SKIPPED', 'report:SUCCESS']);
    assert.deepEqual(succeeded.output('cleanup'), { value: 'cleaning after done' });
    assert.deepEqual(succeeded.output('report'), { value: 'SUCCESS' });

    const failed = await run(`
id: finally_failure
namespace: ${NS}
tasks:
  - id: work
    type: ${FAIL}
  - id: never
    type: ${RETURN}
errors:
  - id: handler
    type: ${RETURN}
finally:
  - id: cleanup
    type: ${RETURN}
afterExecution:
  - id: on_failure
    type: ${RETURN}
    runIf: "{{ execution.state == 'FAILED' }}"
    format: "alert {{ execution.state }}"
  - id: broken_after
    type: ${FAIL}
`);
    assert.equal(failed.execution.state, 'FAILED');
    assert.deepEqual(runs(failed.execution), ['work:FAILED', 'handler:SUCCESS', 'cleanup:SUCCESS', 'on_failure:SUCCESS', 'broken_after:FAILED']);
    assert.deepEqual(failed.output('on_failure'), { value: 'alert FAILED' });

    // A failing afterExecution task leaves a SUCCESS execution SUCCESS.
    const late = await run(`
id: after_execution_fails
namespace: ${NS}
tasks:
  - id: work
    type: ${RETURN}
afterExecution:
  - id: broken_after
    type: ${FAIL}
`);
    assert.equal(late.execution.state, 'SUCCESS');
    assert.deepEqual(runs(late.execution), ['work:SUCCESS', 'broken_after:FAILED']);
  });

  it('allowFailure turns a failure into WARNING and the flow goes on; allowWarning then makes it SUCCESS; final state is the worst', async () => {
    const { execution, output } = await run(`
id: allow_failure_task
namespace: ${NS}
tasks:
  - id: tolerated
    type: ${FAIL}
    allowFailure: true
  - id: fully_tolerated
    type: ${FAIL}
    allowFailure: true
    allowWarning: true
  - id: next
    type: ${RETURN}
    format: after
  - id: tolerant_flowable
    type: io.kestra.plugin.core.flow.Sequential
    allowFailure: true
    tasks:
      - id: inner_broken
        type: ${FAIL}
`);
    // Final state: the last top-level task run by priority KILLED > FAILED > WARNING > PAUSED, else SUCCESS.
    assert.equal(execution.state, 'WARNING');
    assert.deepEqual(runs(execution), [
      'tolerated:WARNING',
      'fully_tolerated:SUCCESS',
      'next:SUCCESS',
      'tolerant_flowable:WARNING',
      'inner_broken:FAILED',
    ]);
    assert.deepEqual(output('next'), { value: 'after' });
  });

  it('runIf: falsy ⇒ SKIPPED without running (flowables too), siblings continue; a render error fails the task', async () => {
    const skipped = await run(`
id: run_if
namespace: ${NS}
inputs:
  - id: go
    type: BOOLEAN
    defaults: false
tasks:
  - id: maybe
    type: ${FAIL}
    runIf: "{{ inputs.go }}"
  - id: empty_string
    type: ${FAIL}
    runIf: ""
  - id: maybe_branch
    type: io.kestra.plugin.core.flow.Sequential
    runIf: "0"
    tasks:
      - id: never
        type: ${RETURN}
  - id: yes
    type: ${RETURN}
    runIf: "{{ not inputs.go }}"
    format: ran
`);
    assert.equal(skipped.execution.state, 'SUCCESS');
    assert.deepEqual(runs(skipped.execution), ['maybe:SKIPPED', 'empty_string:SKIPPED', 'maybe_branch:SKIPPED', 'yes:SUCCESS']);
    assert.deepEqual(skipped.output('yes'), { value: 'ran' });

    const broken = await run(`
id: run_if_error
namespace: ${NS}
tasks:
  - id: guarded
    type: ${RETURN}
    runIf: "{{ nope.missing }}"
  - id: never
    type: ${RETURN}
`);
    assert.equal(broken.execution.state, 'FAILED');
    assert.deepEqual(runs(broken.execution), ['guarded:FAILED']);
    assert.ok(broken.logs.some((l) => l.taskId === 'guarded' && /Unable to evaluate the runIf condition for task guarded/.test(l.message)));
  });

  it('disabled: no task run at all (not SKIPPED); a flowable whose children are all disabled ends SUCCESS', async () => {
    const { execution } = await run(`
id: disabled_tasks
namespace: ${NS}
tasks:
  - id: off
    type: ${FAIL}
    disabled: true
  - id: hollow
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: off_child
        type: ${FAIL}
        disabled: true
  - id: on
    type: ${RETURN}
    format: "{{ outputs.off ?? 'no output' }}"
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['hollow:SUCCESS', 'on:SUCCESS']);
    assert.deepEqual(execution.taskRuns[1].outputs, { value: 'no output' });
  });

  it("flow retry applies to tasks without their own; a task retry or an ancestor's wins; flowables are not retried", async () => {
    const { execution, taskRun } = await run(`
id: flow_retry
namespace: ${NS}
retry:
  type: constant
  interval: PT0.1S
  maxAttempts: 2
tasks:
  - id: group
    type: io.kestra.plugin.core.flow.AllowFailure
    retry:
      type: constant
      interval: PT0.1S
      maxAttempt: 3
    tasks:
      - id: by_ancestor
        type: ${FAIL}
  - id: by_flow
    type: ${FAIL}
    allowFailure: true
  - id: by_task
    type: ${FAIL}
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 4
`);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['group:WARNING', 'by_ancestor:FAILED', 'by_flow:WARNING', 'by_task:FAILED']);
    assert.equal(taskRun('by_ancestor')?.attempts, 3);
    assert.equal(taskRun('by_flow')?.attempts, 2);
    assert.equal(taskRun('by_task')?.attempts, 4);
    assert.equal(taskRun('group')?.attempts, 1);
  });

  it('flow outputs: typed by their declared type; a render or type failure fails the execution with no outputs', async () => {
    const typed = await run(`
id: typed_outputs
namespace: ${NS}
tasks:
  - id: make
    type: io.kestra.plugin.core.output.OutputValues
    values:
      count: "42"
      ratio: "0.5"
      flag: "true"
      doc: '{"k": [1, 2]}'
outputs:
  - id: count
    type: INT
    value: "{{ outputs.make.values.count }}"
  - id: ratio
    type: FLOAT
    value: "{{ outputs.make.values.ratio }}"
  - id: flag
    type: BOOLEAN
    value: "{{ outputs.make.values.flag }}"
  - id: doc
    type: JSON
    value: "{{ outputs.make.values.doc }}"
  - id: text
    type: STRING
    value: "n={{ outputs.make.values.count }}"
`);
    assert.equal(typed.execution.state, 'SUCCESS');
    assert.deepEqual(typed.execution.outputs, { count: 42, ratio: 0.5, flag: true, doc: { k: [1, 2] }, text: 'n=42' });

    const unrenderable = await run(`
id: bad_output_render
namespace: ${NS}
tasks:
  - id: make
    type: ${RETURN}
    format: fine
outputs:
  - id: missing
    type: STRING
    value: "{{ outputs.nothing.value }}"
`);
    assert.equal(unrenderable.execution.state, 'FAILED');
    assert.deepEqual(runs(unrenderable.execution), ['make:SUCCESS']);
    assert.deepEqual(unrenderable.execution.outputs ?? {}, {});
    assert.match(unrenderable.execution.error ?? '', /Failed to render output values/);

    const mistyped = await run(`
id: bad_output_type
namespace: ${NS}
tasks:
  - id: make
    type: ${RETURN}
    format: not a number
outputs:
  - id: count
    type: INT
    value: "{{ outputs.make.value }}"
`);
    assert.equal(mistyped.execution.state, 'FAILED');
    assert.deepEqual(mistyped.execution.outputs ?? {}, {});
    assert.match(mistyped.execution.error ?? '', /Failed to render output values/);
  });

  it('Parallel: once a child fails no further child starts; the Parallel and the execution end FAILED', async () => {
    const { execution, taskRun } = await run(`
id: parallel_failure
namespace: ${NS}
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: 1
    tasks:
      - id: ok
        type: ${RETURN}
      - id: broken
        type: ${FAIL}
        errorMessage: branch broke
      - id: not_started
        type: ${RETURN}
  - id: never
    type: ${RETURN}
`);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(runs(execution), ['fan:FAILED', 'ok:SUCCESS', 'broken:FAILED']);
    assert.equal(taskRun('broken')?.error, 'branch broke');
  });

  it('ForEach concurrencyLimit: 2 runs two iterations at a time, never more', async () => {
    const { execution } = await run(`
id: foreach_limit
namespace: ${NS}
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: '["a", "b", "c", "d"]'
    concurrencyLimit: 2
    tasks:
      - id: nap
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT0.7S
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['each:SUCCESS', 'nap[a]:SUCCESS', 'nap[b]:SUCCESS', 'nap[c]:SUCCESS', 'nap[d]:SUCCESS']);
    const naps = execution.taskRuns.filter((r) => r.taskId === 'nap');
    const runningAt = (t: number) => naps.filter((r) => time(r.startDate) <= t && t < time(r.endDate)).length;
    const busiest = Math.max(...naps.map((r) => runningAt(time(r.startDate))));
    assert.equal(busiest, 2);
  });

  it('OutputValues: string leaves rendered to strings, other scalars and the structure kept', async () => {
    const { execution, output } = await run(`
id: output_values
namespace: ${NS}
tasks:
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      count: 5
      sum: "{{ 2 + 3 }}"
      nested:
        flag: true
        list: [1, "{{ 'x' | upper }}"]
  - id: use
    type: ${RETURN}
    format: "{{ outputs.values.values.nested.list[1] }}{{ outputs.values.values.sum }}"
`);
    assert.equal(execution.state, 'SUCCESS');
    assert.equal(execution.taskRuns.length, 2);
    assert.deepEqual(output('values'), { values: { count: 5, sum: '5', nested: { flag: true, list: [1, 'X'] } } });
    assert.deepEqual(output('use'), { value: 'X5' });
  });

  it('retry: warningOnRetry makes a success after retries WARNING, and the flow carries on', async () => {
    // A marker file outside the per-attempt working directory: the first two attempts fail.
    const counter = `/tmp/tflow-warning-on-retry-${randomBytes(4).toString('hex')}`;
    const { execution, taskRun } = await run(`
id: warning_on_retry
namespace: ${NS}
tasks:
  - id: flaky
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    warningOnStdErr: false
    commands:
      - echo x >> ${counter}
      - test "$(wc -l < ${counter})" -ge 3
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 5
      warningOnRetry: true
  - id: next
    type: ${RETURN}
    format: carried on
`);
    assert.equal(execution.state, 'WARNING');
    assert.deepEqual(runs(execution), ['flaky:WARNING', 'next:SUCCESS']);
    assert.equal(taskRun('flaky')?.attempts, 3);
  });

  it('concurrency counts PAUSED executions: a paused one keeps the slot (FAIL), and the next runs once it is resumed and done', async () => {
    const spec = flow(`
id: paused_slot
namespace: ${NS}.c${randomBytes(3).toString('hex')}
concurrency:
  limit: 1
  behavior: FAIL
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
  - id: done
    type: ${RETURN}
    format: finished
`);
    semaphores.push(semaphoreWorkflowId(spec.namespace, spec.id));
    const first = await startExecution(fixture.client, fixture.config, spec);
    await waitFor(first, (e) => e.state === 'PAUSED');

    const refused = await executionResult(await startExecution(fixture.client, fixture.config, spec));
    assert.equal(refused.state, 'FAILED');
    assert.deepEqual(refused.taskRuns, []);

    await resumeExecution(first);
    const resumed = await executionResult(first);
    assert.equal(resumed.state, 'SUCCESS');
    assert.deepEqual(runs(resumed), ['hold:SUCCESS', 'done:SUCCESS']);

    // The slot is free again: the next execution runs its tasks.
    const later = await startExecution(fixture.client, fixture.config, spec);
    await waitFor(later, (e) => e.state === 'PAUSED');
    await resumeExecution(later);
    assert.equal((await executionResult(later)).state, 'SUCCESS');
  });
});
