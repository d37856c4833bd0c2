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

const TEMPORAL_MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;
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
 * The Temporal calendars that fire exactly when the Kestra cron does: one calendar, or two when
 * day-of-month and day-of-week are both restricted (Kestra ORs them, a Temporal calendar ANDs).
 */
export function temporalCalendars(cron: KestraCron, comment: string): TemporalCalendar[] {
  const base = {
    second: toRanges(cron.seconds),
    minute: toRanges(cron.minutes),
    hour: toRanges(cron.hours),
    month: toRanges(cron.months).map((r) => ({ start: TEMPORAL_MONTHS[r.start - 1], end: TEMPORAL_MONTHS[r.end - 1], step: r.step })),
    comment,
  };
  const allDaysOfMonth = [{ start: 1, end: 31, step: 1 }];
  const allDaysOfWeek: CalendarRange<TemporalDayOfWeek>[] = [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }];
  const daysOfMonth = toRanges(cron.daysOfMonth);
  const daysOfWeek = toRanges(cron.daysOfWeek).map((r) => ({ start: TEMPORAL_DAYS[r.start], end: TEMPORAL_DAYS[r.end], step: r.step }));
  if (cron.anyDayOfMonth || cron.anyDayOfWeek) {
    return [{ ...base, dayOfMonth: cron.anyDayOfMonth ? allDaysOfMonth : daysOfMonth, dayOfWeek: cron.anyDayOfWeek ? allDaysOfWeek : daysOfWeek }];
  }
  return [
    { ...base, dayOfMonth: daysOfMonth, dayOfWeek: allDaysOfWeek },
    { ...base, dayOfMonth: allDaysOfMonth, dayOfWeek: daysOfWeek },
  ];
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
// Occurrences: trigger.next / trigger.previous

/** Searching further than this finds nothing (e.g. `0 0 31 2 *`); Kestra searches ±10 years too. */
const SEARCH_YEARS = 10;
/** Wider than any DST shift, so a fall-back hour's second pass is not missed. */
const DST_MARGIN_SECONDS = 3 * 3600;

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The first occurrence strictly after `after`, as Temporal fires them in `timeZone`: wall-clock
 * times that do not exist (spring forward) are skipped, and those that happen twice (fall back)
 * fire once (see instantsOf).
 */
export function nextOccurrence(cron: KestraCron, after: Date, timeZone = 'UTC'): Date | undefined {
  const zone = ZoneId.of(timeZone);
  const afterSeconds = Math.floor(after.getTime() / 1000);
  const margin = dstMargin(zone);
  let local = localTimeOf(afterSeconds - margin, zone);
  const limit = local.year + SEARCH_YEARS;
  let best: number | undefined;
  let bestLocal: number | undefined;
  for (;;) {
    const found = seekForward(cron, local, limit);
    if (!found) break;
    const foundKey = localKey(found);
    if (bestLocal !== undefined && foundKey > bestLocal + margin) break;
    for (const instant of instantsOf(found, zone)) {
      if (instant > afterSeconds && (best === undefined || instant < best)) {
        best = instant;
        bestLocal ??= foundKey;
      }
    }
    local = addSeconds(found, 1);
  }
  return best === undefined ? undefined : new Date(best * 1000);
}

/** The last occurrence strictly before `before` (the mirror of nextOccurrence). */
export function previousOccurrence(cron: KestraCron, before: Date, timeZone = 'UTC'): Date | undefined {
  const zone = ZoneId.of(timeZone);
  const beforeSeconds = Math.ceil(before.getTime() / 1000);
  const margin = dstMargin(zone);
  let local = localTimeOf(beforeSeconds + margin, zone);
  const limit = local.year - SEARCH_YEARS;
  let best: number | undefined;
  let bestLocal: number | undefined;
  for (;;) {
    const found = seekBackward(cron, local, limit);
    if (!found) break;
    const foundKey = localKey(found);
    if (bestLocal !== undefined && foundKey < bestLocal - margin) break;
    for (const instant of instantsOf(found, zone)) {
      if (instant < beforeSeconds && (best === undefined || instant > best)) {
        best = instant;
        bestLocal ??= foundKey;
      }
    }
    local = addSeconds(found, -1);
  }
  return best === undefined ? undefined : new Date(best * 1000);
}

/** Zones without DST (UTC above all) need no look-around. */
function dstMargin(zone: ZoneId): number {
  return zone.rules().isFixedOffset() ? 0 : DST_MARGIN_SECONDS;
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

function dayMatches(cron: KestraCron, year: number, month: number, day: number): boolean {
  const byMonthDay = cron.daysOfMonth.includes(day);
  const byWeekDay = cron.daysOfWeek.includes(new Date(Date.UTC(year, month - 1, day)).getUTCDay());
  if (cron.anyDayOfMonth && cron.anyDayOfWeek) return true;
  if (cron.anyDayOfMonth) return byWeekDay;
  if (cron.anyDayOfWeek) return byMonthDay;
  return byMonthDay || byWeekDay;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The first matching wall-clock time at or after `from`. */
function seekForward(cron: KestraCron, from: LocalTime, limitYear: number): LocalTime | undefined {
  let t = { ...from };
  while (t.year <= limitYear) {
    if (!cron.months.includes(t.month)) {
      t = normalise({ year: t.year, month: t.month + 1, day: 1, hour: 0, minute: 0, second: 0 });
      continue;
    }
    if (!dayMatches(cron, t.year, t.month, t.day)) {
      t = normalise({ ...t, day: t.day + 1, hour: 0, minute: 0, second: 0 });
      continue;
    }
    const hour = cron.hours.find((h) => h >= t.hour);
    if (hour === undefined) {
      t = normalise({ ...t, day: t.day + 1, hour: 0, minute: 0, second: 0 });
      continue;
    }
    if (hour > t.hour) t = { ...t, hour, minute: 0, second: 0 };
    const minute = cron.minutes.find((m) => m >= t.minute);
    if (minute === undefined) {
      t = normalise({ ...t, hour: t.hour + 1, minute: 0, second: 0 });
      continue;
    }
    if (minute > t.minute) t = { ...t, minute, second: 0 };
    const second = cron.seconds.find((s) => s >= t.second);
    if (second === undefined) {
      t = normalise({ ...t, minute: t.minute + 1, second: 0 });
      continue;
    }
    return { ...t, second };
  }
  return undefined;
}

/** The last matching wall-clock time at or before `from`. */
function seekBackward(cron: KestraCron, from: LocalTime, limitYear: number): LocalTime | undefined {
  const lastAtMost = (values: readonly number[], max: number) => [...values].reverse().find((v) => v <= max);
  let t = { ...from };
  const endOfPreviousDay = (x: LocalTime) => normalise({ ...x, day: x.day - 1, hour: 23, minute: 59, second: 59 });
  while (t.year >= limitYear) {
    if (!cron.months.includes(t.month)) {
      // The last second of the previous month.
      t = normalise({ year: t.year, month: t.month, day: 0, hour: 23, minute: 59, second: 59 });
      continue;
    }
    if (!dayMatches(cron, t.year, t.month, t.day)) {
      t = endOfPreviousDay(t);
      continue;
    }
    const hour = lastAtMost(cron.hours, t.hour);
    if (hour === undefined) {
      t = endOfPreviousDay(t);
      continue;
    }
    if (hour < t.hour) t = { ...t, hour, minute: 59, second: 59 };
    const minute = lastAtMost(cron.minutes, t.minute);
    if (minute === undefined) {
      t = normalise({ ...t, hour: t.hour - 1, minute: 59, second: 59 });
      continue;
    }
    if (minute < t.minute) t = { ...t, minute, second: 59 };
    const second = lastAtMost(cron.seconds, t.second);
    if (second === undefined) {
      t = normalise({ ...t, minute: t.minute - 1, second: 59 });
      continue;
    }
    return { ...t, second };
  }
  return undefined;
}

/** Carries overflowing (or negative) fields over, like Date.UTC does. */
function normalise(t: LocalTime): LocalTime {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second));
  return fromUtcFields(d);
}

function addSeconds(t: LocalTime, seconds: number): LocalTime {
  return normalise({ ...t, second: t.second + seconds });
}

function fromUtcFields(d: Date): LocalTime {
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Wall-clock time as seconds on a UTC-like scale: only for ordering and distances. */
function localKey(t: LocalTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) / 1000;
}

function localTimeOf(epochSeconds: number, zone: ZoneId): LocalTime {
  const local = LocalDateTime.ofInstant(Instant.ofEpochSecond(epochSeconds), zone);
  return { year: local.year(), month: local.monthValue(), day: local.dayOfMonth(), hour: local.hour(), minute: local.minute(), second: local.second() };
}

/**
 * The instant Temporal fires for a wall-clock time, as Go's time.Date (which Temporal uses) picks
 * it: none in a DST gap (Temporal skips the slot); in a DST overlap, one of the two, the later one
 * east of Greenwich and the earlier one west of it (Go looks the offset up at the wall-clock time
 * read as UTC). Checked against the dev server's next action times.
 */
function instantsOf(t: LocalTime, zone: ZoneId): number[] {
  const wallClock = localKey(t);
  const rules = zone.rules();
  const offsetAt = (epochSeconds: number) => rules.offset(Instant.ofEpochSecond(epochSeconds)).totalSeconds();
  const guess = offsetAt(wallClock);
  let instant = wallClock - guess;
  const actual = offsetAt(instant);
  if (actual !== guess) instant = wallClock - actual;
  return localKey(localTimeOf(instant, zone)) === wallClock ? [instant] : [];
}
