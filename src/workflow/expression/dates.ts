/**
 * Kestra's date handling (`AbstractDate`): inputs are converted to a ZonedDateTime in the target
 * zone and formatted with Java `DateTimeFormatter` patterns, through js-joda (a port of java.time).
 *
 * js-joda prints text fields (`EEE`, `MMM`, `a`) only with its locale plugin, so English text is
 * substituted here as quoted literals before the pattern reaches js-joda.
 */
import { ChronoUnit, DateTimeFormatter, Instant, LocalDate, LocalDateTime, ZonedDateTime, ZoneId, ZoneOffset } from '@js-joda/core';
import '@js-joda/timezone';
import { CallError } from './callables';
import { isNumber, num } from './values';

const NAMED: Record<string, DateTimeFormatter | string> = {
  iso: "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
  iso_sec: "yyyy-MM-dd'T'HH:mm:ssXXX",
  sql: 'yyyy-MM-dd HH:mm:ss.SSSSSS',
  sql_seq: 'yyyy-MM-dd HH:mm:ss',
  iso_date_time: DateTimeFormatter.ISO_DATE_TIME,
  iso_date: DateTimeFormatter.ISO_DATE,
  iso_time: DateTimeFormatter.ISO_TIME,
  iso_local_date: DateTimeFormatter.ISO_LOCAL_DATE,
  iso_instant: DateTimeFormatter.ISO_INSTANT,
  iso_local_date_time: DateTimeFormatter.ISO_LOCAL_DATE_TIME,
  iso_local_time: DateTimeFormatter.ISO_LOCAL_TIME,
  iso_offset_time: DateTimeFormatter.ISO_OFFSET_TIME,
  iso_ordinal_date: DateTimeFormatter.ISO_ORDINAL_DATE,
  iso_week_date: DateTimeFormatter.ISO_WEEK_DATE,
  iso_zoned_date_time: DateTimeFormatter.ISO_ZONED_DATE_TIME,
};

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export interface DateArgs {
  format?: unknown;
  timeZone?: unknown;
  existingFormat?: unknown;
  locale?: unknown;
}

/** The zone of `timeZone`, or the server default: UTC, as in Kestra's Docker image. */
export function zoneOf(timeZone: unknown): ZoneId {
  if (timeZone === null || timeZone === undefined) return ZoneOffset.UTC;
  try {
    return ZoneId.of(String(timeZone));
  } catch {
    throw new CallError(`Unknown time-zone ID: ${String(timeZone)}`);
  }
}

const PATTERNS = new Map<string, DateTimeFormatter>();

/** Compiling a pattern costs more than formatting with it, and flows reuse a handful of patterns. */
function ofPattern(pattern: string): DateTimeFormatter {
  let formatter = PATTERNS.get(pattern);
  if (!formatter) {
    formatter = DateTimeFormatter.ofPattern(pattern);
    if (PATTERNS.size >= 500) PATTERNS.clear();
    PATTERNS.set(pattern, formatter);
  }
  return formatter;
}

function parser(format: string): DateTimeFormatter {
  const named = NAMED[format];
  if (named instanceof DateTimeFormatter) return named;
  return ofPattern(named ?? format);
}

/** `AbstractDate.convert`: Date/Instant, epoch seconds, or a string (zoned, then local date-time, then local date). */
export function toZoned(value: unknown, zone: ZoneId, existingFormat?: unknown): ZonedDateTime {
  if (value instanceof Date) return ZonedDateTime.ofInstant(Instant.ofEpochMilli(value.getTime()), zone);
  if (value instanceof ZonedDateTime) return value;
  if (isNumber(value)) return ZonedDateTime.ofInstant(Instant.ofEpochSecond(Math.trunc(num(value))), zone);
  if (typeof value !== 'string') throw new CallError(`Unable to parse a date from a ${value === null ? 'null' : typeof value} value`);
  const fmt = existingFormat === null || existingFormat === undefined ? undefined : parser(String(existingFormat));
  const attempts: Array<() => ZonedDateTime> = [
    () => (fmt ? ZonedDateTime.parse(value, fmt) : ZonedDateTime.parse(value)),
    () => (fmt ? LocalDateTime.parse(value, fmt) : LocalDateTime.parse(value)).atZone(zone),
    () => (fmt ? LocalDate.parse(value, fmt) : LocalDate.parse(value)).atStartOfDay().atZone(zone),
  ];
  let first: unknown;
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch (e) {
      first ??= e;
    }
  }
  throw new CallError(`Text '${value}' could not be parsed${fmt ? ` with the format '${String(existingFormat)}'` : ''}`);
}

/** `AbstractDate.format`: the result is always printed in the target zone, even for a zoned input. */
export function formatDate(input: unknown, args: DateArgs): string {
  const zone = zoneOf(args.timeZone);
  const date = toZoned(input, zone, args.existingFormat).withZoneSameInstant(zone);
  return formatZoned(date, args.format === undefined || args.format === null ? 'iso' : String(args.format), args.locale);
}

export function formatZoned(date: ZonedDateTime, format: string, locale?: unknown): string {
  if (locale !== undefined && locale !== null && !/^en([_-]|$)/i.test(String(locale)) && needsText(format)) {
    throw new CallError(`Locale '${String(locale)}' is not supported: only English month and day names are available`);
  }
  if (format === 'rfc_1123_date_time') return rfc1123(date);
  if (format === 'short' || format === 'medium') return localized(date, format);
  if (format === 'full' || format === 'long') throw new CallError(`The '${format}' date style is not supported; use a pattern instead`);
  const named = NAMED[format];
  if (named instanceof DateTimeFormatter) return named.format(date);
  try {
    return ofPattern(withEnglishText(named ?? format, date)).format(date);
  } catch (e) {
    throw new CallError(`Invalid date format '${format}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

function needsText(format: string): boolean {
  if (format === 'rfc_1123_date_time' || format === 'short' || format === 'medium') return true;
  if (NAMED[format] !== undefined) return false;
  return splitPattern(format).some((p) => p.letters && isText(p.text));
}

function isText(run: string): boolean {
  const letter = run[0];
  return letter === 'E' || letter === 'a' || letter === 'G' || ((letter === 'M' || letter === 'L') && run.length >= 3);
}

/** Splits a Java pattern into letter runs and everything else (quoted literals kept as written). */
function splitPattern(pattern: string): Array<{ text: string; letters: boolean }> {
  const parts: Array<{ text: string; letters: boolean }> = [];
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === "'") {
      let j = i + 1;
      while (j < pattern.length) {
        if (pattern[j] === "'" && pattern[j + 1] === "'") j += 2;
        else if (pattern[j] === "'") break;
        else j++;
      }
      parts.push({ text: pattern.slice(i, j + 1), letters: false });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      parts.push({ text: pattern.slice(i, j), letters: true });
      i = j;
    } else {
      parts.push({ text: c, letters: false });
      i++;
    }
  }
  return parts;
}

function withEnglishText(pattern: string, date: ZonedDateTime): string {
  return splitPattern(pattern)
    .map((p) => {
      if (!p.letters || !isText(p.text)) return p.text;
      const n = p.text.length;
      let text: string;
      switch (p.text[0]) {
        case 'E': {
          const day = DAYS[date.dayOfWeek().value() - 1];
          text = n === 4 ? day : n === 5 ? day[0] : day.slice(0, 3);
          break;
        }
        case 'a':
          text = date.hour() < 12 ? 'AM' : 'PM';
          break;
        case 'G':
          text =
            n === 4 ? (date.year() > 0 ? 'Anno Domini' : 'Before Christ') : n === 5 ? (date.year() > 0 ? 'A' : 'B') : date.year() > 0 ? 'AD' : 'BC';
          break;
        default: {
          const month = MONTHS[date.monthValue() - 1];
          text = n === 4 ? month : n === 5 ? month[0] : month.slice(0, 3);
        }
      }
      return `'${text.replace(/'/g, "''")}'`;
    })
    .join('');
}

function rfc1123(date: ZonedDateTime): string {
  const offset = date.offset().totalSeconds();
  const zone = offset === 0 ? 'GMT' : DateTimeFormatter.ofPattern('xx').format(date);
  return `${DAYS[date.dayOfWeek().value() - 1].slice(0, 3)}, ${date.dayOfMonth()} ${MONTHS[date.monthValue() - 1].slice(0, 3)} ${date.year()} ${DateTimeFormatter.ofPattern('HH:mm:ss').format(date)} ${zone}`;
}

/** Java 21 (CLDR 42) English styles; the space before AM/PM is U+202F as in that JDK. */
function localized(date: ZonedDateTime, style: 'short' | 'medium'): string {
  const hour12 = date.hour() % 12 === 0 ? 12 : date.hour() % 12;
  const ampm = date.hour() < 12 ? 'AM' : 'PM';
  const mm = String(date.minute()).padStart(2, '0');
  const ss = String(date.second()).padStart(2, '0');
  if (style === 'short')
    return `${date.monthValue()}/${date.dayOfMonth()}/${String(date.year() % 100).padStart(2, '0')}, ${hour12}:${mm}\u202f${ampm}`;
  return `${MONTHS[date.monthValue() - 1].slice(0, 3)} ${date.dayOfMonth()}, ${date.year()}, ${hour12}:${mm}:${ss}\u202f${ampm}`;
}

const UNITS = [
  'NANOS',
  'MICROS',
  'MILLIS',
  'SECONDS',
  'MINUTES',
  'HOURS',
  'HALF_DAYS',
  'DAYS',
  'WEEKS',
  'MONTHS',
  'YEARS',
  'DECADES',
  'CENTURIES',
  'MILLENNIA',
  'ERAS',
];

export function chronoUnit(unit: unknown): ChronoUnit {
  const name = String(unit);
  if (!UNITS.includes(name)) throw new CallError(`No enum constant java.time.temporal.ChronoUnit.${name}`);
  return (ChronoUnit as unknown as Record<string, ChronoUnit>)[name];
}
