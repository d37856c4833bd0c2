import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cron } from 'croner';
import { compileFlow } from '../../src/compiler/compile';
import { formatDiagnostic } from '../../src/compiler/diagnostics';
import {
  CronSyntaxError,
  formatInZone,
  nextOccurrence,
  parseKestraCron,
  previousOccurrence,
  temporalCalendars,
} from '../../src/workflow/schedules/kestra-cron';

const iso = (d: Date | undefined) => d?.toISOString().replace('.000Z', 'Z');

describe('Kestra cron', () => {
  it('parses 5 fields, 6 with withSeconds (seconds first), names, 7 as Sunday, and nicknames', () => {
    const monthly = parseKestraCron('0 9 1 * *');
    assert.deepEqual([monthly.seconds, monthly.minutes, monthly.hours, monthly.daysOfMonth], [[0], [0], [9], [1]]);
    assert.equal(monthly.months.length, 12);
    assert.ok(monthly.anyDayOfWeek && !monthly.anyDayOfMonth);

    const withSeconds = parseKestraCron('30 15 10 * * MON-FRI', true);
    assert.deepEqual([withSeconds.seconds, withSeconds.minutes, withSeconds.hours, withSeconds.daysOfWeek], [[30], [15], [10], [1, 2, 3, 4, 5]]);

    assert.deepEqual(parseKestraCron('0 0 * * 5-7').daysOfWeek, [0, 5, 6]);
    assert.deepEqual(parseKestraCron('0 0 1 jan,Mar *').months, [1, 3]);
    assert.deepEqual(parseKestraCron('*/20 0 1 * *').minutes, [0, 20, 40]);
    assert.deepEqual(parseKestraCron('5/20 0 1 * *').minutes, [5, 25, 45]);
    assert.deepEqual(parseKestraCron('10-30/10 0 1 * *').minutes, [10, 20, 30]);
    assert.deepEqual(parseKestraCron('@weekly').daysOfWeek, [0]);
    assert.deepEqual(parseKestraCron('@hourly', true).seconds, [0]);
    for (const nickname of ['@yearly', '@annually', '@monthly', '@daily', '@midnight', '@HOURLY']) assert.ok(parseKestraCron(nickname));
  });

  it('refuses what cron-utils refuses, with a reason', () => {
    const bad: [string, boolean, RegExp][] = [
      ['0 9 1 *', false, /expected 5 fields/],
      ['0 0 9 1 * *', false, /withSeconds: true/],
      ['0 9 1 * *', true, /expected 6 fields/],
      ['60 * * * *', false, /minute value 60 is out of range 0-59/],
      ['0 24 * * *', false, /hour value 24/],
      ['0 0 0 * *', false, /day-of-month value 0/],
      ['0 0 * 13 *', false, /month value 13/],
      ['0 0 * * 8', false, /day-of-week value 8/],
      ['0 0 L * *', false, /Quartz syntax/],
      ['0 0 ? * MON', false, /Quartz syntax/],
      ['0 0 * * MON#2', false, /invalid day-of-week/],
      ['30-10 * * * *', false, /30 is greater than 10/],
      ['*/0 * * * *', false, /step/],
      ['@every_minute', false, /unknown cron nickname/],
    ];
    for (const [cron, withSeconds, message] of bad) {
      assert.throws(
        () => parseKestraCron(cron, withSeconds),
        (e: Error) => e instanceof CronSyntaxError && message.test(e.message),
        cron,
      );
    }
  });

  it('the compiler accepts exactly the crons the Schedules accept, and names file:line:col otherwise', () => {
    const crons: [string, boolean][] = [
      ['0 9 1 * *', false],
      ['@monthly', false],
      ['15 30 10 * * MON-FRI', true],
      ['0 0 * * 5-7', false],
      ['0 9 1 *', false],
      ['0 0 L * *', false],
      ['0 0 9 1 * *', false],
      ['@every_minute', false],
    ];
    for (const [cron, withSeconds] of crons) {
      const { diagnostics } = compileFlow(
        [
          'id: f',
          'namespace: ns',
          'tasks:',
          '  - id: t',
          '    type: io.kestra.plugin.core.debug.Return',
          '    format: x',
          'triggers:',
          '  - id: s',
          '    type: io.kestra.plugin.core.trigger.Schedule',
          `    cron: "${cron}"`,
          `    withSeconds: ${withSeconds}`,
        ].join('\n'),
        'cron.yaml',
      );
      let scheduleError: string | undefined;
      try {
        parseKestraCron(cron, withSeconds);
      } catch (error) {
        scheduleError = (error as Error).message;
      }
      if (scheduleError === undefined) assert.deepEqual(diagnostics.map(formatDiagnostic), [], cron);
      else
        assert.deepEqual(
          diagnostics.map(formatDiagnostic),
          [`cron.yaml:10:11: invalid cron expression '${cron}': ${scheduleError} [triggers[0].cron]`],
          cron,
        );
    }
  });

  it('becomes Temporal calendars: one, or two when day-of-month and day-of-week are both restricted (Kestra ORs them)', () => {
    const [calendar, ...rest] = temporalCalendars(parseKestraCron('0 9 1 * *'), 'c');
    assert.equal(rest.length, 0);
    assert.deepEqual(calendar, {
      second: [{ start: 0, end: 0, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
      hour: [{ start: 9, end: 9, step: 1 }],
      dayOfMonth: [{ start: 1, end: 1, step: 1 }],
      month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
      dayOfWeek: [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }],
      comment: 'c',
    });
    const both = temporalCalendars(parseKestraCron('0 0 13 * FRI'), 'c');
    assert.equal(both.length, 2);
    assert.deepEqual(both[0].dayOfMonth, [{ start: 13, end: 13, step: 1 }]);
    assert.deepEqual(both[0].dayOfWeek, [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }]);
    assert.deepEqual(both[1].dayOfMonth, [{ start: 1, end: 31, step: 1 }]);
    assert.deepEqual(both[1].dayOfWeek, [{ start: 'FRIDAY', end: 'FRIDAY', step: 1 }]);
    assert.deepEqual(temporalCalendars(parseKestraCron('0,15,30,45,50 * * * *'), '')[0].minute, [
      { start: 0, end: 45, step: 15 },
      { start: 50, end: 50, step: 1 },
    ]);
  });

  it('computes next and previous occurrences like croner (Vixie semantics) in UTC and in zones with DST', () => {
    const crons: [string, boolean][] = [
      ['0 9 1 * *', false],
      ['0 10 1 * *', false],
      ['*/15 * * * *', false],
      ['0 0 * * 0', false],
      ['30 2 * * *', false],
      ['0 0 13 * 5', false],
      ['0 12 29 2 *', false],
      ['5 4 * * SUN', false],
      ['0 22 * * 1-5', false],
      ['0 0,12 1,15 JAN-JUN *', false],
      ['@monthly', false],
      ['@yearly', false],
      ['15 30 10 * * *', true],
      ['*/10 * * * * *', true],
    ];
    const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata'];
    const starts = [
      '2019-01-01T00:00:00Z',
      '2019-03-10T06:59:59Z',
      '2019-06-15T12:34:56Z',
      '2019-10-27T00:30:00Z',
      '2020-02-28T23:00:00Z',
      '2019-11-03T05:30:00Z',
    ];
    let compared = 0;
    for (const [expression, withSeconds] of crons) {
      const cron = parseKestraCron(expression, withSeconds);
      for (const timezone of zones) {
        const oracle = new Cron(expression, { timezone, paused: true });
        for (const start of starts) {
          const from = new Date(start);
          const expected = oracle.nextRun(from) ?? undefined;
          const next = nextOccurrence(cron, from, timezone);
          // croner moves a DST-gap time forward where Temporal skips it: compare off those days only.
          if (expected && next && Math.abs(expected.getTime() - next.getTime()) > 0 && inDstTransitionWeek(expected)) continue;
          assert.equal(iso(next), iso(expected), `next of ${expression} after ${start} in ${timezone}`);
          const previous = previousOccurrence(cron, from, timezone);
          const expectedPrevious = oracle.previousRuns(1, from)[0];
          if (expectedPrevious && previous && previous.getTime() !== expectedPrevious.getTime() && inDstTransitionWeek(expectedPrevious)) continue;
          assert.equal(iso(previous), iso(expectedPrevious), `previous of ${expression} before ${start} in ${timezone}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 250, `compared ${compared}`);
  });

  it('follows the Temporal server at DST changes: a skipped wall-clock time does not fire; a repeated one fires once in Paris, twice in New York', () => {
    const cron = parseKestraCron('30 2 * * *');
    // 2019-03-31 in Paris has no 02:30.
    assert.equal(iso(nextOccurrence(cron, new Date('2019-03-30T02:00:00Z'), 'Europe/Paris')), '2019-04-01T00:30:00Z');
    // 2019-10-27 in Paris has 02:30 twice, 00:30Z (CEST) and 01:30Z (CET): Temporal fires the later one.
    assert.equal(iso(nextOccurrence(cron, new Date('2019-10-27T00:00:00Z'), 'Europe/Paris')), '2019-10-27T01:30:00Z');
    assert.equal(iso(previousOccurrence(cron, new Date('2019-10-28T00:00:00Z'), 'Europe/Paris')), '2019-10-27T01:30:00Z');
    // 2019-11-03 in New York has 01:30 twice, 05:30Z (EDT) and 06:30Z (EST): Temporal fires both.
    const newYork = parseKestraCron('30 1 * * *');
    assert.equal(iso(nextOccurrence(newYork, new Date('2019-11-03T00:00:00Z'), 'America/New_York')), '2019-11-03T05:30:00Z');
    assert.equal(iso(nextOccurrence(newYork, new Date('2019-11-03T05:30:00Z'), 'America/New_York')), '2019-11-03T06:30:00Z');
    assert.equal(iso(nextOccurrence(newYork, new Date('2019-11-03T06:30:00Z'), 'America/New_York')), '2019-11-04T06:30:00Z');
    assert.equal(iso(previousOccurrence(newYork, new Date('2019-11-03T06:30:00Z'), 'America/New_York')), '2019-11-03T05:30:00Z');
  });

  it('ORs a restricted day-of-month with a restricted day-of-week, even written as */n (cron-utils)', () => {
    const cron = parseKestraCron('0 0 */10 * MON');
    const next = nextOccurrence(cron, new Date('2019-01-01T00:00:00Z'));
    // Jan 1 2019 was a Tuesday: the next day of month 1, 11, 21, 31 or Monday is Monday Jan 7.
    assert.equal(iso(next), '2019-01-07T00:00:00Z');
    assert.equal(iso(nextOccurrence(cron, new Date('2019-01-07T00:00:00Z'))), '2019-01-11T00:00:00Z');
    assert.equal(nextOccurrence(parseKestraCron('0 0 31 2 *'), new Date('2019-01-01T00:00:00Z')), undefined);
  });

  it('formats trigger dates as Kestra renders them: ISO with the zone offset, Z for UTC', () => {
    assert.equal(formatInZone(new Date('2019-01-01T09:00:00Z')), '2019-01-01T09:00:00Z');
    assert.equal(formatInZone(new Date('2019-01-01T09:00:00Z'), 'Europe/Paris'), '2019-01-01T10:00:00+01:00');
    assert.equal(formatInZone(new Date('2019-07-01T09:00:00Z'), 'America/New_York'), '2019-07-01T05:00:00-04:00');
    assert.equal(formatInZone(new Date('2019-07-01T09:00:00Z'), 'Asia/Kolkata'), '2019-07-01T14:30:00+05:30');
  });
});

/** Within a week of the 2019 EU/US DST changes. */
function inDstTransitionWeek(date: Date): boolean {
  const transitions = ['2019-03-10', '2019-03-31', '2019-10-27', '2019-11-03', '2020-03-08', '2020-03-29'];
  return transitions.some((day) => Math.abs(Date.parse(`${day}T00:00:00Z`) - date.getTime()) < 7 * 86400_000);
}
