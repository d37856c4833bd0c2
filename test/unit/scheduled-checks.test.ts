import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlow } from '../../src/compiler/compile';
import { checkRequest } from '../../src/workflow/interpreter/checks';
import { executionRequestForRun, type ScheduledExecutionRequest } from '../../src/workflow/schedules/scheduled-request';

const flow = compileFlow(`id: checked
namespace: tests
inputs:
  - id: taxi
    type: STRING
checks:
  - condition: "{{ inputs.taxi != 'red' }}"
    message: "No {{ inputs.taxi }} taxis in {{ trigger.date | date('yyyy-MM') }}"
  - condition: "{{ inputs.taxi != 'blue' }}"
    message: "{{ inputs.taxi }} taxis fail"
    behavior: FAIL_EXECUTION
  - condition: "{{ labels.team == 'data' }}"
    message: "not the data team"
    behavior: CREATE_EXECUTION
tasks:
  - id: noop
    type: io.kestra.plugin.core.debug.Return
    format: ok
`).spec!;

const scheduled = (taxi: string): ScheduledExecutionRequest => ({
  kind: 'scheduled',
  flow,
  schedule: { scheduleId: 'tests.checked.t', triggerId: 't', cron: '0 9 1 * *', withSeconds: false, timezone: 'UTC' },
  inputs: { taxi },
  labels: { team: 'data' },
  backfills: [],
});

const run = {
  workflowId: 'tests.checked.t-2019-02-01T09:00:00Z',
  runId: 'run-1',
  nominalTime: new Date('2019-02-01T09:00:00Z'),
  startTime: new Date('2026-01-01T00:00:00Z'),
};

describe('flow checks of a request about to start', () => {
  it('see the execution labels and the trigger; BLOCK_EXECUTION ones are set apart', () => {
    const { request, blocking } = checkRequest({
      executionId: 'x',
      flow,
      inputs: { taxi: 'red' },
      labels: { team: 'ops' },
      trigger: { date: '2019-03-01T00:00:00Z' },
    });
    assert.deepEqual(
      blocking.map((c) => c.message),
      ['No red taxis in 2019-03'],
    );
    assert.deepEqual(
      request.failedChecks?.map((c) => [c.behavior, c.message]),
      [
        ['BLOCK_EXECUTION', 'No red taxis in 2019-03'],
        ['CREATE_EXECUTION', 'not the data team'],
      ],
    );
  });

  it('leave a request whose checks hold as it was', () => {
    const { request, blocking } = checkRequest({ executionId: 'x', flow, inputs: { taxi: 'green' }, labels: { team: 'data' } });
    assert.deepEqual(blocking, []);
    assert.equal('failedChecks' in request, false);
  });
});

describe('flow checks of scheduled runs', () => {
  it('a BLOCK_EXECUTION check refuses the run: the FAILED execution says why, with the trigger rendered', () => {
    const resolution = executionRequestForRun(scheduled('red'), run);
    assert.deepEqual(resolution.problems, ['Execution blocked by a flow check: No red taxis in 2019-02']);
    assert.equal(resolution.execution?.state, 'FAILED');
    assert.deepEqual(resolution.execution?.inputs, { taxi: 'red' });
  });

  it('a FAIL_EXECUTION check travels to the workflow with the request', () => {
    const resolution = executionRequestForRun(scheduled('blue'), run);
    assert.ok(!resolution.problems);
    assert.deepEqual(
      resolution.request.failedChecks?.map((c) => c.behavior),
      ['FAIL_EXECUTION'],
    );
  });

  it('runs replaying a history recorded before checks applied to them (checksApply false) run as they did', () => {
    let asked = 0;
    const resolution = executionRequestForRun(scheduled('red'), run, () => (asked++, false));
    assert.equal(asked, 1);
    assert.ok(!resolution.problems);
    assert.equal('failedChecks' in resolution.request, false);
  });

  it('the patch is not asked about runs whose checks hold', () => {
    const resolution = executionRequestForRun(scheduled('green'), run, () => assert.fail('asked'));
    assert.ok(!resolution.problems);
  });
});
