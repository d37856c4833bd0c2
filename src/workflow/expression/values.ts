/**
 * Value model shared by the evaluator, filters and functions.
 *
 * Pebble runs on Java types; we mirror the distinctions that change the printed text:
 * integers behave as Java `Long` (integer division, `42`), other numbers as `Double` (`2.5`, `2.0`, `1.0E7`).
 * A JS number cannot tell `2` from `2.0`, so a double with an integral value is boxed in `JavaDouble`.
 */

import { charge, chargeString, COSTS } from './budget';

export class JavaDouble {
  constructor(readonly value: number) {}
}

export type Dict = Record<string, unknown>;

export function isMap(value: unknown): value is Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof JavaDouble);
}

export function isList(value: unknown): value is unknown[] {
  return Array.isArray(value);
}

export function isNumber(value: unknown): value is number | JavaDouble {
  return typeof value === 'number' || value instanceof JavaDouble;
}

export function isDouble(value: unknown): boolean {
  return value instanceof JavaDouble || (typeof value === 'number' && !Number.isInteger(value));
}

export function num(value: number | JavaDouble): number {
  return value instanceof JavaDouble ? value.value : value;
}

/** A Java double: boxed when integral so that it still prints as `2.0`. */
export function double(value: number): number | JavaDouble {
  return Number.isInteger(value) ? new JavaDouble(value) : value;
}

/** Converts engine values back to plain JS (for typed rendering and callers outside the engine). */
export function toPlain(value: unknown): unknown {
  if (value instanceof JavaDouble) return value.value;
  if (Array.isArray(value)) {
    // Copying counts: a value that shares one list many times over is as big as its copy.
    charge(value.length * COSTS.serialized);
    return value.map(toPlain);
  }
  if (isMap(value)) {
    const out: Dict = {};
    const entries = Object.entries(value);
    charge(entries.length * COSTS.serialized);
    for (const [k, v] of entries) out[k] = toPlain(v);
    return out;
  }
  return value;
}

/** Joins the texts of a value's parts, counting the text built against the budget first. */
function joined(parts: string[], separator: string, open: string, close: string): string {
  charge(parts.length * COSTS.serialized);
  let length = open.length + close.length + Math.max(0, parts.length - 1) * separator.length;
  for (const part of parts) length += part.length;
  chargeString(length);
  return open + parts.join(separator) + close;
}

/** Java's `Double.toString`. */
export function javaDoubleToString(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

export function numberToString(value: number | JavaDouble): string {
  if (value instanceof JavaDouble) return javaDoubleToString(value.value);
  // Beyond Long range a JS integer can only have come from a double.
  return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? String(value) : javaDoubleToString(value);
}

/** Java's `Instant.toString`: fraction only when non-zero, in groups of three digits. */
export function instantToString(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * Jackson as configured by Kestra (`JacksonMapper.ofJson()`): compact, map entries whose value is
 * null are left out (`NON_NULL` inclusion), dates as ISO strings.
 */
export function toJson(value: unknown, includeNulls = false): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (isNumber(value)) return numberToString(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return JSON.stringify(instantToString(value));
  if (Array.isArray(value))
    return joined(
      value.map((v) => toJson(v, includeNulls)),
      ',',
      '[',
      ']',
    );
  if (isMap(value)) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (!includeNulls && (v === null || v === undefined)) continue;
      parts.push(`${JSON.stringify(k)}:${toJson(v, includeNulls)}`);
    }
    return joined(parts, ',', '{', '}');
  }
  return JSON.stringify(String(value));
}

/** Kestra's output of a value printed inside a string (`JsonWriter`): maps and lists as JSON, null as nothing. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) || isMap(value)) return toJson(value);
  return javaToString(value);
}

/** Java's `String.valueOf` / `toString()`, used by `~`, string filters and `+` with a string. */
export function javaToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (isNumber(value)) return numberToString(value);
  if (value instanceof Date) return instantToString(value);
  if (Array.isArray(value)) return joined(value.map(javaToString), ', ', '[', ']');
  if (isMap(value))
    return joined(
      Object.entries(value).map(([k, v]) => `${k}=${javaToString(v)}`),
      ', ',
      '{',
      '}',
    );
  return String(value);
}

/** Pebble's `compatibleCast(value, Boolean)`, used by `if`, `and`, `or`, `not` and the ternary. */
export function toBoolean(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (isNumber(value)) {
    const n = num(value);
    return !Number.isNaN(n) && n !== 0;
  }
  if (typeof value === 'string') return value.length > 0;
  return true;
}

/** Java `equals`, with numbers compared by value across Long/Double (Pebble's `OperatorUtils.equals`). */
export function javaEquals(a: unknown, b: unknown): boolean {
  if (isNumber(a) && isNumber(b)) return num(a) === num(b);
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  if (isNumber(a) || isNumber(b)) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => strictEquals(item, b[i]));
  }
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && strictEquals(a[k], b[k]));
  }
  return a === b;
}

/** Element equality inside collections: Java's `Long.equals(Double)` is false. */
function strictEquals(a: unknown, b: unknown): boolean {
  if (isNumber(a) && isNumber(b)) return isDouble(a) === isDouble(b) && num(a) === num(b);
  return javaEquals(a, b);
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (isNumber(value)) return isDouble(value) ? 'java.lang.Double' : 'java.lang.Long';
  if (value instanceof Date) return 'java.time.Instant';
  if (Array.isArray(value)) return 'java.util.ArrayList';
  if (isMap(value)) return 'java.util.LinkedHashMap';
  return typeof value;
}
