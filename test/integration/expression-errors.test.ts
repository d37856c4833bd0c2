/**
 * Expression errors as a user sees them on a real Temporal dev server: the task run and the
 * execution FAIL (after the task's retry attempts), and the error names the task, the property, the expression and
 * the column. Also `errorLogs()` in an `errors` branch and `currentEachOutput()` inside ForEach,
 * which read the running execution.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { flow } from '../helpers/fake-port';
import { runToEnd, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const taskRun = (e: Execution, taskId: string) => {
  const run = e.taskRuns.find((r) => r.taskId === taskId);
  assert.ok(run, `no task run for ${taskId} in ${JSON.stringify(e.taskRuns.map((r) => r.taskId))}`);
  return run;
};

describe('expression errors on a real Temporal dev server', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  it('an undefined variable in a Log message fails that task after its retry attempts, naming task, property, expression and column', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: undefined_variable
namespace: tests.expression_errors
tasks:
  - id: log_it
    type: io.kestra.plugin.core.log.Log
    message: "{{ nope.x }}"
    retry:
      type: constant
      interval: PT1S
      maxAttempts: 3
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: not reached
`),
    );
    const expected = "property 'message': Unable to find `nope` used in the expression `{{ nope.x }}` at line 1, column 4";
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['log_it:FAILED'],
    );
    // Each render is a failed attempt, as in Kestra (test/integration/render-retry.test.ts).
    assert.equal(taskRun(execution, 'log_it').attempts, 3);
    assert.equal(taskRun(execution, 'log_it').error, expected);
    assert.equal(execution.error, `Task log_it failed: ${expected}`);
  });

  it('a filter failing at run time in a nested property names the path to it', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: bad_filter
namespace: tests.expression_errors
tasks:
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      fine: ok
      count: "{{ 'twelve' | number }}"
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(taskRun(execution, 'values').attempts, 1);
    assert.equal(
      execution.error,
      "Task values failed: property 'values.count': twelve is not a valid number. in the expression `{{ 'twelve' | number }}` at line 1, column 15",
    );
  });

  // A jq program written as a literal is checked when the flow is compiled; one from a variable fails at run time.
  it('a bad jq expression and a flowable condition fail with their property named', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: bad_jq
namespace: tests.expression_errors
variables:
  program: ".items["
tasks:
  - id: pick
    type: io.kestra.plugin.core.debug.Return
    format: "{{ '{\\"items\\": [1, 2]}' | jq(vars.program) | first }}"
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(taskRun(execution, 'pick').attempts, 1);
    assert.match(
      taskRun(execution, 'pick').error ?? '',
      /^property 'format': Invalid jq expression '\.items\[': expected a filter, found the end of the expression at column 8 in the expression `.*` at line 1, column 26$/,
    );

    const branch = await runToEnd(
      fixture,
      flow(`
id: bad_condition
namespace: tests.expression_errors
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ outputs.missing.value == 1 }}"
    then:
      - id: inside
        type: io.kestra.plugin.core.debug.Return
        format: x
`),
    );
    assert.equal(branch.state, 'FAILED');
    assert.deepEqual(
      branch.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['check:FAILED'],
    );
    assert.equal(
      branch.error,
      "Task check failed: property 'condition': Unable to find `missing` used in the expression `{{ outputs.missing.value == 1 }}` at line 1, column 12",
    );
  });

  it('a property rendered by the activity (secret()) that fails is a failed attempt: retried, then the task fails', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: deferred_error
namespace: tests.expression_errors
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('TFLOW_TEST_NO_SUCH_SECRET') }} {{ nope }}"
    retry:
      type: constant
      interval: PT1S
      maxAttempts: 3
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(taskRun(execution, 'greet').attempts, 3);
    assert.match(
      execution.error ?? '',
      /^Task greet failed: property 'message': Cannot find secret for key 'TFLOW_TEST_NO_SUCH_SECRET'\. in the expression `.*` at line 1, column 4$/,
    );
  });

  it("errorLogs() in an errors branch lists the failed task runs' error logs", async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: error_logs
namespace: tests.expression_errors
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: the disk is full
errors:
  - id: report
    type: io.kestra.plugin.core.output.OutputValues
    values:
      count: "{{ errorLogs() | length }}"
      first: "{{ errorLogs()[0].taskId }}: {{ errorLogs()[0].message }}"
      level: "{{ errorLogs() | jq('.[0].level') | first }}"
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(taskRun(execution, 'report').state, 'SUCCESS');
    assert.deepEqual(taskRun(execution, 'report').outputs, { values: { count: '1', first: 'boom: the disk is full', level: 'ERROR' } });
  });

  it("currentEachOutput() inside ForEach reads the current iteration's output", async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: current_each_output
namespace: tests.expression_errors
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: make
        type: io.kestra.plugin.core.debug.Return
        format: "made {{ taskrun.value }}"
      - id: use
        type: io.kestra.plugin.core.debug.Return
        format: "{{ currentEachOutput(outputs.make).value }}!"
`),
    );
    assert.equal(execution.state, 'SUCCESS');
    const uses = execution.taskRuns.filter((r) => r.taskId === 'use').map((r) => [r.value, r.outputs.value]);
    assert.deepEqual(uses, [
      ['a', 'made a!'],
      ['b', 'made b!'],
    ]);
  });
});
