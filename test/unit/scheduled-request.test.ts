import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlow } from '../../src/compiler/compile';
import {
  backfillOf,
  executionRequestForRun,
  nominalTimeFromWorkflowId,
  type ScheduledExecutionRequest,
  splitExecutionId,
} from '../../src/workflow/schedules/scheduled-request';

const flow = compileFlow(`id: monthly
namespace: tests
inputs:
  - id: taxi
    type: SELECT
    values: [yellow, green]
    defaults: yellow
  - id: month
    type: STRING
    defaults: "{{ trigger.date | date('yyyy-MM') }}"
tasks:
  - id: noop
    type: io.kestra.plugin.core.debug.Return
    format: ok
`).spec!;

const scheduled = (
  backfills: ScheduledExecutionRequest['backfills'] = [],
  inputs: Record<string, unknown> = { taxi: 'green' },
): ScheduledExecutionRequest => ({
  kind: 'scheduled',
  flow,
  schedule: { scheduleId: 'tests.monthly.green', triggerId: 'green', cron: '0 9 1 * *', withSeconds: false, timezone: 'UTC' },
  inputs,
  labels: { color: 'green' },
  backfills,
});

const run = (nominal: string, started = '2026-01-01T00:00:00Z') => ({
  workflowId: `tests.monthly.green-${nominal}`,
  runId: 'run-1',
  nominalTime: new Date(nominal),
  startTime: new Date(started),
});

const backfill = (id: string, start: string, end: string, requestedAt: string, inputs: Record<string, unknown> = {}) => ({
  id,
  start,
  end,
  requestedAt,
  inputs,
  labels: { backfill: 'true' },
});

describe('scheduled runs', () => {
  it("get an execution id with their run id, their trigger dates, the trigger's inputs and input defaults rendered with trigger.date", () => {
    const resolution = executionRequestForRun(scheduled(), run('2019-02-01T09:00:00Z'));
    assert.ok(!resolution.problems);
    const { request } = resolution;
    assert.equal(request.executionId, 'tests.monthly.green-2019-02-01T09:00:00Z@run-1');
    assert.deepEqual(request.trigger, { date: '2019-02-01T09:00:00Z', next: '2019-03-01T09:00:00Z', previous: '2019-01-01T09:00:00Z' });
    assert.deepEqual(request.inputs, { taxi: 'green', month: '2019-02' });
    assert.deepEqual(request.labels, { color: 'green' });
    assert.deepEqual(splitExecutionId(request.executionId), { workflowId: 'tests.monthly.green-2019-02-01T09:00:00Z', runId: 'run-1' });
    assert.deepEqual(splitExecutionId('tests.monthly-abc'), { workflowId: 'tests.monthly-abc' });
    assert.equal(nominalTimeFromWorkflowId('tests.monthly.green-2019-02-01T09:00:00Z')?.toISOString(), '2019-02-01T09:00:00.000Z');
  });

  it('belong to the newest tflow backfill whose range holds their nominal time and that was asked for before they started', () => {
    const older = backfill('a', '2019-01-01T00:00:00Z', '2019-04-01T00:00:00Z', '2025-12-01T00:00:00Z', { taxi: 'yellow' });
    const newer = backfill('b', '2019-02-01T00:00:00Z', '2019-03-01T00:00:00Z', '2025-12-02T00:00:00Z');
    const future = backfill('c', '2019-01-01T00:00:00Z', '2019-12-01T00:00:00Z', '2027-01-01T00:00:00Z');
    const request = scheduled([older, newer, future]);
    assert.equal(backfillOf(request, run('2019-01-01T09:00:00Z'))?.id, 'a');
    assert.equal(backfillOf(request, run('2019-02-01T09:00:00Z'))?.id, 'b');
    // The end is exclusive; a range asked for after the run started does not count.
    assert.equal(backfillOf(request, run('2019-04-01T00:00:00Z')), undefined);
    assert.equal(backfillOf(request, run('2019-06-01T09:00:00Z')), undefined);
    // A regular tick today is in no past backfill.
    assert.equal(backfillOf(request, run('2026-01-01T09:00:00Z')), undefined);

    const resolution = executionRequestForRun(request, run('2019-01-01T09:00:00Z'));
    assert.ok(!resolution.problems);
    assert.equal(resolution.request.inputs.taxi, 'yellow');
    assert.deepEqual(resolution.request.labels, { color: 'green', backfill: 'true' });
  });

  it("with invalid inputs end FAILED before any task, with Kestra's message", () => {
    const resolution = executionRequestForRun(scheduled([], { taxi: 'blue' }), run('2019-01-01T09:00:00Z'));
    assert.ok(resolution.problems);
    assert.equal(resolution.execution.state, 'FAILED');
    assert.match(resolution.execution.error ?? '', /Invalid input for `taxi`, it must match the values `\[yellow, green\]`, but received `blue`/);
  });

  it("render their trigger's inputs and labels, and show trigger dates in the trigger's zone", () => {
    const request = {
      ...scheduled([], { taxi: "{{ trigger.date | date('MM') == '01' ? 'green' : 'yellow' }}" }),
      labels: { month: "{{ trigger.date | date('yyyy-MM') }}" },
    };
    request.schedule = { ...request.schedule, timezone: 'Europe/Paris' };
    const resolution = executionRequestForRun(request, run('2019-01-01T08:00:00Z'));
    assert.ok(!resolution.problems, resolution.problems?.join());
    assert.equal(resolution.request.trigger?.date, '2019-01-01T09:00:00+01:00');
    assert.equal(resolution.request.inputs.taxi, 'green');
    assert.deepEqual(resolution.request.labels, { month: '2019-01' });
  });
});
