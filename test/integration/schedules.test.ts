/**
 * Deploy, Temporal Schedules and backfills against the real dev server, Postgres and a real worker.
 * Each run uses its own namespace, so schedules and flow store rows never collide with other tests.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { executionHandle } from '../../src/client/execution-handle';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { FlowStore } from '../../src/flow-store/flow-store';
import { nextOccurrence, parseKestraCron } from '../../src/workflow/schedules/kestra-cron';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { LabelsKey } from '../../src/workflow/search-attributes';
import { deployWithCli, runCli, runTflow } from '../helpers/cli';
import { purgeNamespace } from '../helpers/flow-store';
import { assertNeverStarted, finishedRun, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const namespace = `tflow.test.sched${randomBytes(3).toString('hex')}`;

/** The scheduled taxi flow in miniature: concurrency 1, a SELECT input the trigger sets, trigger.date formatted. */
const monthlyFlow = (cron = '0 9 1 * *') => `id: monthly
namespace: ${namespace}
concurrency:
  limit: 1
inputs:
  - id: taxi
    type: SELECT
    values: [yellow, green]
    defaults: yellow
labels:
  suite: schedules
tasks:
  - id: month
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date | date('yyyy-MM') }}"
  - id: dates
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.previous }} {{ trigger.date }} {{ trigger.next }} {{ inputs.taxi }}"
triggers:
  - id: green_schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "${cron}"
    inputs:
      taxi: green
    labels:
      color: green
  - id: hello_schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 10 * * *"
    timezone: Europe/Paris
    disabled: true
`;

/** Triggers that exercise the cron translation; all disabled, so nothing fires. */
const calendarFlow = `id: calendars
namespace: ${namespace}
tasks:
  - id: noop
    type: io.kestra.plugin.core.debug.Return
    format: ok
triggers:
${[
  ['friday_13th', '0 0 13 * FRI', false, 'UTC'],
  ['weekdays_with_seconds', '15 30 10 * * MON-FRI', true, 'Asia/Kolkata'],
  ['march_sundays_dst', '30 2 * 3 0', false, 'Europe/Paris'],
  ['october_sundays_dst', '30 2 * 10 SUN', false, 'Europe/Paris'],
  ['every_20_minutes', '*/20 8-10 * * *', false, 'America/New_York'],
  ['november_sundays_dst', '30 1 * 11 0', false, 'America/New_York'],
  ['weekly', '@weekly', false, 'UTC'],
]
  .map(
    ([id, cron, withSeconds, timezone]) => `  - id: ${id}
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "${cron}"
    withSeconds: ${withSeconds}
    timezone: ${timezone}
    disabled: true`,
  )
  .join('\n')}
`;

describe('deploy, Schedules and backfills', { timeout: 300_000 }, () => {
  let fixture: TemporalFixture;
  let flowStore: FlowStore;
  const dir = mkdtempSync(join(tmpdir(), 'tflow-schedules-'));
  const monthlyFile = join(dir, 'monthly.yaml');
  const scheduleId = `${namespace}.monthly.green_schedule`;
  const temporalCli = findTemporalCli()!;

  before(async () => {
    fixture = await startTemporalFixture();
    flowStore = FlowStore.connect(fixture.config.databaseUrl);
  });
  after(async () => {
    for (const flow of ['monthly', 'calendars']) await tflow('flows', 'delete', `${namespace}.${flow}`);
    await flowStore?.close();
    await purgeNamespace(namespace);
    await fixture?.close();
  });

  const tflow = (...args: string[]) => runTflow(args, { TFLOW_TASK_QUEUE: fixture.config.taskQueue });
  const temporal = (...args: string[]) => runCli(temporalCli, [...args, '--address', fixture.config.temporalAddress]);
  const deploy = (...files: string[]) => deployWithCli(files, { TFLOW_TASK_QUEUE: fixture.config.taskQueue });
  const describeSchedule = (id: string) => fixture.client.schedule.getHandle(id).describe();

  it('deploys a flow: one Schedule per Schedule trigger, the cron as Temporal calendars, the disabled trigger paused', async () => {
    writeFileSync(monthlyFile, monthlyFlow());
    const [deployed] = await deploy(monthlyFile);
    assert.equal(deployed.status, 'created');
    assert.equal(deployed.revision, 1);
    assert.deepEqual(
      deployed.schedules.map((s) => [s.scheduleId, s.status, s.paused]),
      [
        [scheduleId, 'created', false],
        [`${namespace}.monthly.hello_schedule`, 'created', true],
      ],
    );

    const green = await describeSchedule(scheduleId);
    assert.equal(green.spec.timezone, 'UTC');
    assert.equal(green.spec.calendars?.length, 1);
    const [calendar] = green.spec.calendars!;
    assert.deepEqual(
      [calendar.second, calendar.minute, calendar.hour, calendar.dayOfMonth],
      [[{ start: 0, end: 0, step: 1 }], [{ start: 0, end: 0, step: 1 }], [{ start: 9, end: 9, step: 1 }], [{ start: 1, end: 1, step: 1 }]],
    );
    assert.match(calendar.comment ?? '', /cron "0 9 1 \* \*"/);
    // concurrency.limit 1 → runs one after the other; a year of catch-up, set explicitly.
    assert.equal(green.policies.overlap, 'BUFFER_ALL');
    assert.equal(green.policies.catchupWindow, 365 * 24 * 3600 * 1000);
    assert.equal(green.state.paused, false);
    assert.equal(green.action.type, 'startWorkflow');
    assert.equal(green.action.workflowType, `${namespace}.monthly`);
    assert.equal(green.action.workflowId, scheduleId);
    assert.equal(green.action.taskQueue, fixture.config.taskQueue);
    for (const next of green.info.nextActionTimes) assert.match(next.toISOString(), /-01T09:00:00\.000Z$/);

    const hello = await describeSchedule(`${namespace}.monthly.hello_schedule`);
    assert.equal(hello.state.paused, true);
    assert.equal(hello.spec.timezone, 'Europe/Paris');

    // The Temporal CLI sees the same: cron in the calendar comment, time zone, paused state.
    const list = await temporal('schedule', 'list', '--really-long');
    assert.equal(list.code, 0, list.stderr);
    const greenLine = list.stdout.split('\n').find((l) => l.includes(scheduleId))!;
    assert.match(greenLine, /cron \\"0 9 1 \* \*\\"/);
    assert.match(greenLine, /\bUTC\b/);
    const described = await temporal('schedule', 'describe', '-s', `${namespace}.monthly.hello_schedule`);
    assert.match(described.stdout, /TimeZoneName\s+Europe\/Paris/);
    assert.match(described.stdout, /Paused\s+true/);
  });

  it("fires exactly when Kestra would: Temporal's next action times match the Kestra cron (OR of days, seconds first, time zones, DST)", async () => {
    const file = join(dir, 'calendars.yaml');
    writeFileSync(file, calendarFlow);
    const [deployed] = await deploy(file);
    assert.equal(deployed.schedules.length, 7);
    const crons: Record<string, [string, boolean, string]> = {
      friday_13th: ['0 0 13 * FRI', false, 'UTC'],
      weekdays_with_seconds: ['15 30 10 * * MON-FRI', true, 'Asia/Kolkata'],
      march_sundays_dst: ['30 2 * 3 0', false, 'Europe/Paris'],
      october_sundays_dst: ['30 2 * 10 SUN', false, 'Europe/Paris'],
      every_20_minutes: ['*/20 8-10 * * *', false, 'America/New_York'],
      november_sundays_dst: ['30 1 * 11 0', false, 'America/New_York'],
      weekly: ['@weekly', false, 'UTC'],
    };
    for (const [triggerId, [expression, withSeconds, timezone]] of Object.entries(crons)) {
      const description = await describeSchedule(`${namespace}.calendars.${triggerId}`);
      const times = description.info.nextActionTimes;
      assert.ok(times.length >= 5, triggerId);
      const cron = parseKestraCron(expression, withSeconds);
      let previous = new Date(times[0].getTime() - 1000);
      for (const time of times) {
        assert.equal(nextOccurrence(cron, previous, timezone)?.toISOString(), time.toISOString(), `${triggerId} (${expression} in ${timezone})`);
        previous = time;
      }
    }
  });

  it('redeploying an unchanged flow creates no revision and leaves its Schedules untouched', async () => {
    const before = await describeSchedule(scheduleId);
    const [deployed] = await deploy(monthlyFile);
    assert.equal(deployed.status, 'unchanged');
    assert.equal(deployed.revision, 1);
    assert.deepEqual(
      deployed.schedules.map((s) => s.status),
      ['unchanged', 'unchanged'],
    );
    const after = await describeSchedule(scheduleId);
    assert.equal(after.info.lastUpdatedAt?.getTime(), before.info.lastUpdatedAt?.getTime());
    assert.equal((await flowStore.revisions(namespace, 'monthly')).length, 1);
  });

  it('refuses the whole deploy when one flow is invalid, and registers nothing', async () => {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(good, monthlyFlow().replace('id: monthly', 'id: never_deployed'));
    writeFileSync(bad, monthlyFlow('0 9 1 *').replace('id: monthly', 'id: bad_cron'));
    const result = await tflow('deploy', good, bad);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bad\.yaml:\d+:\d+: invalid cron expression '0 9 1 \*'/);
    assert.equal(await flowStore.find(namespace, 'never_deployed'), undefined);
    assert.equal(await flowStore.find(namespace, 'bad_cron'), undefined);
  });

  it("`temporal schedule backfill` over three months: exactly three executions, each with its month's trigger.date and the trigger's inputs", async () => {
    // The CLI's own default overlap policy is Skip, which would drop February and March while January runs.
    const result = await temporal(
      'schedule',
      'backfill',
      '-s',
      scheduleId,
      '--start-time',
      '2019-01-01T00:00:00Z',
      '--end-time',
      '2019-04-01T00:00:00Z',
      '--overlap-policy',
      'BufferAll',
    );
    assert.equal(result.code, 0, result.stderr);
    const runs = await Promise.all(months.map((m) => scheduledRun(fixture.client, `${scheduleId}-2019-${m}-01T09:00:00Z`)));
    assertMonthlyRuns(runs, 'green');
    for (const { execution } of runs) {
      assert.deepEqual(execution.labels, { 'system.correlationId': execution.id, suite: 'schedules', color: 'green' });
    }
    await assertNeverStarted(fixture.client, `${scheduleId}-2019-04-01T09:00:00Z`);
    await assertNeverStarted(fixture.client, `${scheduleId}-2018-12-01T09:00:00Z`);
    firstRuns = runs;
  });
  let firstRuns: { runId: string; execution: Execution }[] = [];

  it('`tflow backfill` of the same months: three new executions told apart from the first ones, labelled backfill:true', async () => {
    const result = await tflow(
      'backfill',
      `${namespace}.monthly`,
      '--start',
      '2019-01-01',
      '--end',
      '2019-04-01',
      '--trigger',
      'green_schedule',
      '--label',
      'run=second',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    const backfill = JSON.parse(result.stdout);
    assert.equal(backfill.overlap, 'BUFFER_ALL');
    assert.deepEqual(
      backfill.runs.map((r: { workflowId: string }) => r.workflowId),
      months.map((m) => `${scheduleId}-2019-${m}-01T09:00:00Z`),
    );
    const runs = await Promise.all(months.map((m, i) => scheduledRun(fixture.client, `${scheduleId}-2019-${m}-01T09:00:00Z`, firstRuns[i].runId)));
    assertMonthlyRuns(runs, 'green');
    for (const [i, { execution }] of runs.entries()) {
      assert.notEqual(execution.id, firstRuns[i].execution.id);
      assert.deepEqual(execution.labels, {
        'system.correlationId': execution.id,
        suite: 'schedules',
        color: 'green',
        run: 'second',
        backfill: 'true',
      });
    }
    // The Labels search attribute says it too, so the Web UI can filter backfills.
    const description = await executionHandle(fixture.client, runs[0].execution.id).describe();
    assert.ok(description.typedSearchAttributes.get(LabelsKey)?.includes('backfill:true'));
    secondRuns = runs;
  });
  let secondRuns: { runId: string; execution: Execution }[] = [];

  it("a backfill's inputs override the trigger's; a bad input is refused before anything starts", async () => {
    const refused = await tflow(
      'backfill',
      `${namespace}.monthly`,
      '--start',
      '2019-01-01',
      '--end',
      '2019-02-01',
      '--trigger',
      'green_schedule',
      '-i',
      'taxi=blue',
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Invalid input for `taxi`, it must match the values `\[yellow, green\]`, but received `blue`/);

    const result = await tflow(
      'backfill',
      `${namespace}.monthly`,
      '--start',
      '2019-01-01',
      '--end',
      '2019-02-01',
      '--trigger',
      'green_schedule',
      '-i',
      'taxi=yellow',
    );
    assert.equal(result.code, 0, result.stderr);
    const { execution } = await scheduledRun(fixture.client, `${scheduleId}-2019-01-01T09:00:00Z`, secondRuns[0].runId);
    assert.equal(execution.inputs.taxi, 'yellow');
    assert.equal(execution.labels.backfill, 'true');
    assert.equal(execution.labels.run, undefined);
  });

  it("a manual run of a flow that uses trigger.date fails with Kestra's undefined-variable message", async () => {
    const result = await tflow('run', `${namespace}.monthly`, '--wait', '--json');
    assert.equal(result.code, 1);
    const execution = JSON.parse(result.stdout);
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.revision, 1);
    assert.match(execution.taskRuns[0].error, /Unable to find `trigger` used in the expression `\{\{ trigger\.date \| date\('yyyy-MM'\) \}\}`/);
  });

  it('changing the cron updates the Schedule in place: same id, new spec, its history and recorded backfills kept', async () => {
    const before = await describeSchedule(scheduleId);
    writeFileSync(monthlyFile, monthlyFlow('0 6 2 * *'));
    const [deployed] = await deploy(monthlyFile);
    assert.equal(deployed.status, 'updated');
    assert.equal(deployed.revision, 2);
    assert.deepEqual(
      deployed.schedules.map((s) => s.status),
      ['updated', 'updated'],
    );
    const after = await describeSchedule(scheduleId);
    assert.equal(after.info.createdAt.getTime(), before.info.createdAt.getTime());
    assert.ok(after.info.recentActions.length >= before.info.recentActions.length);
    assert.deepEqual(after.spec.calendars?.[0].hour, [{ start: 6, end: 6, step: 1 }]);
    const args = after.action.args?.[0] as { flow: { revision: number }; backfills: unknown[] };
    assert.equal(args.flow.revision, 2);
    assert.equal(args.backfills.length, 2);
    // The paused trigger stays paused.
    assert.equal((await describeSchedule(`${namespace}.monthly.hello_schedule`)).state.paused, true);
  });

  it('removing a trigger deletes its Schedule; deleting the flow deletes the rest', async () => {
    writeFileSync(monthlyFile, monthlyFlow('0 6 2 * *').replace(/  - id: hello_schedule[\s\S]*$/, ''));
    const [deployed] = await deploy(monthlyFile);
    assert.deepEqual(
      deployed.schedules.map((s) => [s.scheduleId, s.status]),
      [
        [scheduleId, 'updated'],
        [`${namespace}.monthly.hello_schedule`, 'deleted'],
      ],
    );
    const removed = await tflow('flows', 'delete', `${namespace}.monthly`);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`schedule ${scheduleId.replace(/\./g, '\\.')}: deleted`));
    await assert.rejects(describeSchedule(scheduleId), /not found/i);
    const get = await tflow('flows', 'get', `${namespace}.monthly`);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /not found/);
  });
});

const months = ['01', '02', '03'];

function assertMonthlyRuns(runs: { execution: Execution }[], taxi: string): void {
  assert.deepEqual(
    runs.map(({ execution }) => [execution.state, execution.taskRuns[0].outputs.value]),
    months.map((m) => ['SUCCESS', `2019-${m}`]),
  );
  assert.deepEqual(
    runs.map(({ execution }) => execution.taskRuns[1].outputs.value),
    [
      `2018-12-01T09:00:00Z 2019-01-01T09:00:00Z 2019-02-01T09:00:00Z ${taxi}`,
      `2019-01-01T09:00:00Z 2019-02-01T09:00:00Z 2019-03-01T09:00:00Z ${taxi}`,
      `2019-02-01T09:00:00Z 2019-03-01T09:00:00Z 2019-04-01T09:00:00Z ${taxi}`,
    ],
  );
  for (const { execution } of runs) assert.equal(execution.revision, 1);
}

/** The run of `workflowId` that is not `notRunId`, once ended; its execution id names that run. */
async function scheduledRun(client: Client, workflowId: string, notRunId?: string): Promise<{ runId: string; execution: Execution }> {
  const run = await finishedRun(client, workflowId, { notRunId });
  assert.equal(run.execution.id, `${workflowId}@${run.runId}`);
  return run;
}
