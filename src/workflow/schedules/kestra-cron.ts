/**
 * Kestra's cron, exactly: parsed once into sets of values, which then serve both as the Temporal
 * Schedule's calendar spec and to compute `trigger.next` / `trigger.previous` inside the workflow.
 * One parser for both, so the times a run believes in are the times the Schedule fires.
 *
 * Kestra evaluates crons with cron-utils (`Schedule.java`): 5 Unix fields, or 6 with `withSeconds`
 * (seconds FIRST — Temporal would read a 6-field string as having a trailing year, which is why we
 * never hand Temporal a cron string); day-of-week 0–7 with 0 and 7 both Sunday; month and day names;
 * `*`, `a`, `a-b`, `*∕n`, `a∕n`, `a-b∕n` and lists; strict ranges; `@hourly`…`@yearly` nicknames.
 * When both day-of-month and day-of-week are restricted (neither is a literal `*`), a day matches
 * if EITHER matches (cron-utils, like Vixie cron; note `*∕2` counts as restricted in cron-utils).
 * Temporal calendars AND their fields, so that case becomes two calendars (their union).
 *
 * Pure and deterministic: runs in the workflow sandbox (js-joda only, for time zones).
 */
import { Instant, LocalDateTime, ZonedDateTime, ZoneId, ZoneOffset } from '@js-joda/core';
import '@js-joda/timezone';

export interface KestraCron {
  /** The expression as written in the flow. */
  source: string;
  withSeconds: boolean;
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  /** 1–12. */
  months: number[];
  /** 0–6, Sunday = 0. */
  daysOfWeek: number[];
  /** The day-of-month field is a literal `*`. */
  anyDayOfMonth: boolean;
  /** The day-of-week field is a literal `*`. */
  anyDayOfWeek: boolean;
}

export class CronSyntaxError extends Error {
  override name = 'CronSyntaxError';
}

/** cron-utils' nicknames (Kestra enables all of these). */
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of names[0]. */
  namesStart?: number;
}

const SECOND: FieldRule = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldRule = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldRule = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldRule = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldRule = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesStart: 1 };
const DAY_OF_WEEK: FieldRule = { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, namesStart: 0 };

/** Parses a Kestra Schedule `cron` (with its `withSeconds`); throws CronSyntaxError with Kestra-like wording. */
export function parseKestraCron(cron: string, withSeconds = false): KestraCron {
  const text = cron.trim();
  let fields: string[];
  if (text.startsWith('@')) {
    const expansion = NICKNAMES[text.toLowerCase()];
    if (!expansion) throw new CronSyntaxError(`unknown cron nickname '${text}', use one of ${Object.keys(NICKNAMES).join(', ')}`);
    fields = [...(withSeconds ? ['0'] : []), ...expansion.split(' ')];
  } else {
    fields = text.split(/\s+/).filter(Boolean);
  }
  const expected = withSeconds ? 6 : 5;
  if (fields.length !== expected) {
    throw new CronSyntaxError(
      `expected ${expected} fields (${withSeconds ? 'second ' : ''}minute hour day-of-month month day-of-week) but found ${fields.length}` +
        (!withSeconds && fields.length === 6 ? '; set `withSeconds: true` for a leading seconds field' : ''),
    );
  }
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = withSeconds ? fields : ['0', ...fields];
  return {
    source: cron,
    withSeconds,
    seconds: parseField(second, SECOND),
    minutes: parseField(minute, MINUTE),
    hours: parseField(hour, HOUR),
    daysOfMonth: parseField(dayOfMonth, DAY_OF_MONTH),
    months: parseField(month, MONTH),
    // 7 is Sunday too.
    daysOfWeek: sortedUnique(parseField(dayOfWeek, DAY_OF_WEEK).map((d) => d % 7)),
    anyDayOfMonth: dayOfMonth === '*',
    anyDayOfWeek: dayOfWeek === '*',
  };
}

function parseField(text: string, rule: FieldRule): number[] {
  const values: number[] = [];
  for (const part of text.split(',')) {
    if (part === '') throw new CronSyntaxError(`empty list item in the ${rule.name} field '${text}'`);
    const [rangeText, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronSyntaxError(`invalid ${rule.name} '${part}'`);
    const step = stepText === undefined ? 1 : parseNumber(stepText, rule, 'step');
    if (step < 1) throw new CronSyntaxError(`invalid step '${stepText}' in the ${rule.name} field: it must be at least 1`);
    let start: number;
    let end: number;
    if (rangeText === '*') {
      [start, end] = [rule.min, rule.max];
    } else if (rangeText.includes('-')) {
      const [from, to, more] = rangeText.split('-');
      if (more !== undefined) throw new CronSyntaxError(`invalid ${rule.name} range '${rangeText}'`);
      [start, end] = [parseValue(from, rule), parseValue(to, rule)];
      if (start > end) throw new CronSyntaxError(`invalid ${rule.name} range '${rangeText}': ${start} is greater than ${end}`);
    } else {
      start = parseValue(rangeText, rule);
      // `a/n` means from a to the end of the range, every n (cron-utils).
      end = stepText === undefined ? start : rule.max;
    }
    for (let value = start; value <= end; value += step) values.push(value);
  }
  return sortedUnique(values);
}

function parseValue(text: string, rule: FieldRule): number {
  const nameIndex = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (nameIndex >= 0) return nameIndex + (rule.namesStart ?? 0);
  const value = parseNumber(text, rule, 'value');
  if (value < rule.min || value > rule.max) {
    throw new CronSyntaxError(`${rule.name} value ${value} is out of range ${rule.min}-${rule.max}`);
  }
  return value;
}

function parseNumber(text: string, rule: FieldRule, what: string): number {
  if (!/^\d+$/.test(text)) {
    const special = /^[?LW#]|[LW#]$/i.test(text) ? ` ('${text}' is Quartz syntax; Kestra's Unix cron does not support ?, L, W or #)` : '';
    throw new CronSyntaxError(`invalid ${rule.name} ${what} '${text}'${special}`);
  }
  return Number(text);
}

function sortedUnique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Temporal calendar spec

/** A range as the Temporal TS SDK's CalendarSpec takes it (inclusive `end`). */
export interface CalendarRange<T> {
  start: T;
  end: T;
  step: number;
}

const TEMPORAL_MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;
const TEMPORAL_DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
export type TemporalMonth = (typeof TEMPORAL_MONTHS)[number];
export type TemporalDayOfWeek = (typeof TEMPORAL_DAYS)[number];

/** Structurally the SDK's `CalendarSpec`, every field explicit (no SDK defaults to remember). */
export interface TemporalCalendar {
  second: CalendarRange<number>[];
  minute: CalendarRange<number>[];
  hour: CalendarRange<number>[];
  dayOfMonth: CalendarRange<number>[];
  month: CalendarRange<TemporalMonth>[];
  dayOfWeek: CalendarRange<TemporalDayOfWeek>[];
  comment: string;
}

/**
 * A Temporal calendar: a time matches when every field matches (values as sorted lists).
 * Kestra ORs a restricted day-of-month with a restricted day-of-week, so such a cron is two of these.
 */
interface AndCalendar {
  seconds: readonly number[];
  minutes: readonly number[];
  hours: readonly number[];
  daysOfMonth: readonly number[];
  months: readonly number[];
  daysOfWeek: readonly number[];
}

const ALL_DAYS_OF_MONTH = Array.from({ length: 31 }, (_, i) => i + 1);
const ALL_DAYS_OF_WEEK = [0, 1, 2, 3, 4, 5, 6];

/** The calendars whose union is the cron: one, or two when days of month and of week are both restricted. */
function andCalendars(cron: KestraCron): AndCalendar[] {
  const base = { seconds: cron.seconds, minutes: cron.minutes, hours: cron.hours, months: cron.months };
  if (cron.anyDayOfMonth || cron.anyDayOfWeek) {
    return [
      {
        ...base,
        daysOfMonth: cron.anyDayOfMonth ? ALL_DAYS_OF_MONTH : cron.daysOfMonth,
        daysOfWeek: cron.anyDayOfWeek ? ALL_DAYS_OF_WEEK : cron.daysOfWeek,
      },
    ];
  }
  return [
    { ...base, daysOfMonth: cron.daysOfMonth, daysOfWeek: ALL_DAYS_OF_WEEK },
    { ...base, daysOfMonth: ALL_DAYS_OF_MONTH, daysOfWeek: cron.daysOfWeek },
  ];
}

/** The Temporal calendars that fire exactly when the Kestra cron does. */
export function temporalCalendars(cron: KestraCron, comment: string): TemporalCalendar[] {
  return andCalendars(cron).map((calendar) => ({
    second: toRanges(calendar.seconds),
    minute: toRanges(calendar.minutes),
    hour: toRanges(calendar.hours),
    dayOfMonth: toRanges(calendar.daysOfMonth),
    month: toRanges(calendar.months).map((r) => ({ start: TEMPORAL_MONTHS[r.start - 1], end: TEMPORAL_MONTHS[r.end - 1], step: r.step })),
    dayOfWeek: toRanges(calendar.daysOfWeek).map((r) => ({ start: TEMPORAL_DAYS[r.start], end: TEMPORAL_DAYS[r.end], step: r.step })),
    comment,
  }));
}

/** Sorted values as few ranges as a person would write: runs and arithmetic progressions. */
function toRanges(values: readonly number[]): CalendarRange<number>[] {
  const ranges: CalendarRange<number>[] = [];
  let i = 0;
  while (i < values.length) {
    const start = values[i];
    if (i + 1 >= values.length) {
      ranges.push({ start, end: start, step: 1 });
      break;
    }
    const step = values[i + 1] - start;
    let j = i + 1;
    while (j + 1 < values.length && values[j + 1] - values[j] === step) j++;
    // Two values one apart read well as a range; two far apart read better as two values.
    if (j - i >= 2 || step === 1) {
      ranges.push({ start, end: values[j], step });
      i = j + 1;
    } else {
      ranges.push({ start, end: start, step: 1 });
      i++;
    }
  }
  return ranges;
}

// ---------------------------------------------------------------------------------------------
// Occurrences: the Schedule's fire times, and trigger.next / trigger.previous

/** Kestra looks no further than this for trigger.next / trigger.previous (e.g. `0 0 31 2 *` never fires). */
const SEARCH_YEARS = 10;
/** How far back trigger.previous looks, widening until it finds an occurrence. */
const PREVIOUS_WINDOWS_SECONDS = [60, 3600, 86_400, 32 * 86_400, 367 * 86_400, 4 * 367 * 86_400, SEARCH_YEARS * 367 * 86_400];

/**
 * The first time strictly after `after` when the Temporal Schedule built from this cron fires, in
 * `timeZone`. Temporal's own algorithm (`compiledCalendar.next` in the server's scheduler), so DST
 * changes behave as on the server: a wall-clock time that does not exist is skipped; one that
 * exists twice fires once east of Greenwich and twice west of it (Go's time.Date picks the offset).
 */
export function nextOccurrence(cron: KestraCron, after: Date, timeZone = 'UTC'): Date | undefined {
  const zone = ZoneId.of(timeZone);
  const afterSeconds = Math.floor(after.getTime() / 1000);
  const next = nextSeconds(andCalendars(cron), afterSeconds, zone, localTimeOf(afterSeconds, zone).year + SEARCH_YEARS);
  return next === undefined ? undefined : new Date(next * 1000);
}

/** The last time strictly before `before` when the Schedule fires (Kestra's `trigger.previous`). */
export function previousOccurrence(cron: KestraCron, before: Date, timeZone = 'UTC'): Date | undefined {
  const zone = ZoneId.of(timeZone);
  const calendars = andCalendars(cron);
  const beforeSeconds = Math.ceil(before.getTime() / 1000);
  for (const window of PREVIOUS_WINDOWS_SECONDS) {
    let candidate = nextSeconds(calendars, beforeSeconds - window - 1, zone, localTimeOf(beforeSeconds, zone).year + 1);
    if (candidate === undefined || candidate >= beforeSeconds) continue;
    for (;;) {
      const following = nextSeconds(calendars, candidate, zone, localTimeOf(beforeSeconds, zone).year + 1);
      if (following === undefined || following >= beforeSeconds) return new Date(candidate * 1000);
      candidate = following;
    }
  }
  return undefined;
}

function nextSeconds(calendars: readonly AndCalendar[], after: number, zone: ZoneId, maxYear: number): number | undefined {
  let best: number | undefined;
  for (const calendar of calendars) {
    const next = calendarNext(calendar, after, zone, maxYear);
    if (next !== undefined && (best === undefined || next < best)) best = next;
  }
  return best;
}

/** A port of the Temporal server's `compiledCalendar.next` (service/worker/scheduler/calendar.go), in epoch seconds. */
function calendarNext(calendar: AndCalendar, after: number, zone: ZoneId, maxYear: number): number | undefined {
  const has = (values: readonly number[], value: number) => values.includes(value);
  let { year: y, month: mo, day: d, hour: h, minute: m, second: s } = localTimeOf(after, zone);
  // In the second pass of a repeated (fall-back) hour, times are an hour later than the wall clock says.
  let dstOffset = localTimeOf(after - 3600, zone).hour === h ? 3600 : 0;
  s++;
  outer: for (;;) {
    if (s >= 60) [m, s] = [m + 1, 0];
    if (m >= 60) {
      const previousHour = goDate(y, mo, d, h, 0, 0, zone);
      [h, m] = [h + 1, 0];
      const nextHour = goDate(y, mo, d, h, 0, 0, zone);
      // Two hours between consecutive wall-clock hours: we skipped a repeated hour; do it again, shifted.
      if (dstOffset === 0 && nextHour - previousHour > 3600) [h, dstOffset] = [h - 1, 3600];
      else dstOffset = 0;
    }
    if (h >= 24) [d, h] = [d + 1, 0];
    if (d > daysIn(y, mo)) [mo, d] = [mo + 1, 1];
    if (mo > 12) [y, mo] = [y + 1, 1];
    if (y > maxYear) return undefined;
    while (!has(calendar.months, mo)) {
      [mo, d, h, m, s, dstOffset] = [mo + 1, 1, 0, 0, 0, 0];
      if (mo > 12) continue outer;
    }
    while (!has(calendar.daysOfMonth, d) || !has(calendar.daysOfWeek, weekdayAt(goDate(y, mo, d, h, m, s, zone), zone))) {
      [d, h, m, s, dstOffset] = [d + 1, 0, 0, 0, 0];
      if (d > daysIn(y, mo)) continue outer;
    }
    while (!has(calendar.hours, h)) {
      [h, m, s, dstOffset] = [h + 1, 0, 0, 0];
      if (h >= 24) continue outer;
    }
    while (!has(calendar.minutes, m)) {
      [m, s] = [m + 1, 0];
      if (m >= 60) continue outer;
    }
    while (!has(calendar.seconds, s)) {
      s++;
      if (s >= 60) continue outer;
    }
    const next = goDate(y, mo, d, h, m, s, zone);
    // A wall-clock time a spring-forward jump skipped: Go moved it to another hour.
    if (localTimeOf(next, zone).hour !== h) {
      [h, m, s] = [h + 1, 0, 0];
      continue;
    }
    return next + dstOffset;
  }
}

/**
 * Go's time.Date: the instant of a wall-clock time (fields may overflow, as in Date.UTC). The
 * offset is looked up at the wall-clock time read as UTC, then corrected once if that is wrong.
 */
function goDate(year: number, month: number, day: number, hour: number, minute: number, second: number, zone: ZoneId): number {
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  const offsetAt = (epochSeconds: number) => zone.rules().offset(Instant.ofEpochSecond(epochSeconds)).totalSeconds();
  const guess = offsetAt(wallClock);
  if (guess === 0) return wallClock;
  const actual = offsetAt(wallClock - guess);
  return wallClock - (actual === guess ? guess : actual);
}

function weekdayAt(epochSeconds: number, zone: ZoneId): number {
  const local = localTimeOf(epochSeconds, zone);
  return new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay();
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localTimeOf(epochSeconds: number, zone: ZoneId): LocalTime {
  const local = LocalDateTime.ofInstant(Instant.ofEpochSecond(epochSeconds), zone);
  return {
    year: local.year(),
    month: local.monthValue(),
    day: local.dayOfMonth(),
    hour: local.hour(),
    minute: local.minute(),
    second: local.second(),
  };
}

/** `2019-01-01T09:00:00Z`, or `2019-01-01T10:00:00+01:00` in Europe/Paris: how Kestra renders `trigger.date`. */
export function formatInZone(date: Date, timeZone = 'UTC'): string {
  const zoned = ZonedDateTime.ofInstant(Instant.ofEpochSecond(Math.floor(date.getTime() / 1000)), ZoneId.of(timeZone));
  const offset = zoned.offset();
  const local = zoned.toLocalDateTime();
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const text = `${pad(local.year(), 4)}-${pad(local.monthValue())}-${pad(local.dayOfMonth())}T${pad(local.hour())}:${pad(local.minute())}:${pad(local.second())}`;
  return text + (offset.equals(ZoneOffset.UTC) ? 'Z' : offset.id());
}

/** Throws on an unknown IANA zone. */
export function checkTimeZone(timeZone: string): void {
  ZoneId.of(timeZone);
}
