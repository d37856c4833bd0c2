/**
 * jq's view of values: types and their total order, truthiness, arithmetic, indexing and the
 * value-only functions the builtins use. Errors are JqErrors, which `try` and `?` catch.
 */
import { charge, chargeItems, chargeString, checkStringLength, COSTS } from '../budget';
import { isNumber, num } from '../values';
import { JqError } from './errors';

export type Json = unknown;

export function typeOf(v: Json): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (isNumber(v)) return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

const TYPE_ORDER = ['null', 'boolean', 'number', 'string', 'array', 'object'];

export function isObject(v: Json): v is Record<string, Json> {
  return typeOf(v) === 'object';
}

export function truthy(v: Json): boolean {
  return v !== null && v !== undefined && v !== false;
}

/** jq's text of a value (compact JSON), cut short for error messages. */
export function dump(v: Json, max = 40): string {
  const text = toJqJson(v);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

export function toJqJson(v: Json): string {
  if (v === null || v === undefined) return 'null';
  if (isNumber(v)) {
    const n = num(v);
    return Number.isFinite(n) ? String(n) : n > 0 ? '1.7976931348623157e+308' : n < 0 ? '-1.7976931348623157e+308' : 'null';
  }
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  const parts = Array.isArray(v)
    ? v.map((x) => toJqJson(x))
    : Object.entries(v as Record<string, Json>).map(([k, x]) => `${JSON.stringify(k)}:${toJqJson(x)}`);
  charge(parts.length * COSTS.serialized);
  chargeString(parts.reduce((n, part) => n + part.length + 1, 2));
  return Array.isArray(v) ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

export function describe(v: Json): string {
  return `${typeOf(v)} (${dump(v)})`;
}

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
export function compare(a: Json, b: Json): number {
  const [ta, tb] = [typeOf(a), typeOf(b)];
  if (ta !== tb) return TYPE_ORDER.indexOf(ta) - TYPE_ORDER.indexOf(tb);
  switch (ta) {
    case 'null':
      return 0;
    case 'boolean':
      return Number(a) - Number(b);
    case 'number':
      return Math.sign(num(a as number) - num(b as number));
    case 'string':
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 'array': {
      const [x, y] = [a as Json[], b as Json[]];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: {
      const [x, y] = [a as Record<string, Json>, b as Record<string, Json>];
      const c = compare(Object.keys(x).sort(), Object.keys(y).sort());
      if (c !== 0) return c;
      for (const k of Object.keys(x).sort()) {
        const d = compare(x[k], y[k]);
        if (d !== 0) return d;
      }
      return 0;
    }
  }
}

export function plainNumber(v: Json): number {
  return num(v as number);
}

export function arithmetic(op: string, a: Json, b: Json): Json {
  const [ta, tb] = [typeOf(a), typeOf(b)];
  const fail = (verb: string) => new JqError(`${describe(a)} and ${describe(b)} cannot be ${verb}`);
  switch (op) {
    case '+':
      if (ta === 'null') return b;
      if (tb === 'null') return a;
      if (ta !== tb) throw fail('added');
      if (ta === 'number') return plainNumber(a) + plainNumber(b);
      if (ta === 'string') {
        // V8 joins strings lazily: the size is what matters, not a copy.
        checkStringLength((a as string).length + (b as string).length);
        charge(COSTS.item);
        return (a as string) + (b as string);
      }
      if (ta === 'array') {
        chargeItems((a as Json[]).length + (b as Json[]).length, 'an array');
        return [...(a as Json[]), ...(b as Json[])];
      }
      if (ta === 'object') {
        chargeItems(Object.keys(a as object).length + Object.keys(b as object).length, 'an object');
        return { ...(a as object), ...(b as object) };
      }
      throw fail('added');
    case '-':
      if (ta === 'number' && tb === 'number') return plainNumber(a) - plainNumber(b);
      if (ta === 'array' && tb === 'array') {
        charge((a as Json[]).length * (b as Json[]).length);
        return (a as Json[]).filter((x) => !(b as Json[]).some((y) => compare(x, y) === 0));
      }
      throw fail('subtracted');
    case '*':
      if (ta === 'number' && tb === 'number') return plainNumber(a) * plainNumber(b);
      if ((ta === 'string' && tb === 'number') || (ta === 'number' && tb === 'string')) {
        const [s, n] = ta === 'string' ? [a as string, plainNumber(b)] : [b as string, plainNumber(a)];
        if (!(n > 0)) return null;
        const times = Math.max(1, Math.ceil(n));
        chargeString(s.length * times);
        return s.repeat(times);
      }
      if (ta === 'object' && tb === 'object') return deepMerge(a as Record<string, Json>, b as Record<string, Json>);
      throw fail('multiplied');
    case '/':
      if (ta === 'number' && tb === 'number') {
        if (plainNumber(b) === 0) throw fail('divided because the divisor is zero');
        return plainNumber(a) / plainNumber(b);
      }
      if (ta === 'string' && tb === 'string') return splitString(a as string, b as string);
      throw fail('divided');
    default: {
      if (ta !== 'number' || tb !== 'number') throw fail('divided');
      const [x, y] = [Math.trunc(plainNumber(a)), Math.trunc(plainNumber(b))];
      if (y === 0) throw fail('divided because the divisor is zero');
      const r = Math.abs(x) % Math.abs(y);
      return x < 0 ? -r : r;
    }
  }
}

function deepMerge(a: Record<string, Json>, b: Record<string, Json>): Record<string, Json> {
  charge(Object.keys(a).length + Object.keys(b).length);
  const out: Record<string, Json> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObject(out[k]) && isObject(v) ? deepMerge(out[k] as Record<string, Json>, v) : v;
  return out;
}

export function splitString(s: string, separator: string): string[] {
  if (s === '') return [];
  return separator === '' ? [...s] : s.split(separator);
}

export function index(target: Json, key: Json): Json {
  const [tt, tk] = [typeOf(target), typeOf(key)];
  if (tt === 'null' && (tk === 'string' || tk === 'number' || tk === 'null')) return null;
  if (tt === 'object' && tk === 'string') {
    const o = target as Record<string, Json>;
    return Object.prototype.hasOwnProperty.call(o, key as string) ? o[key as string] : null;
  }
  if (tt === 'array' && tk === 'number') {
    const a = target as Json[];
    let i = Math.floor(plainNumber(key));
    if (i < 0) i += a.length;
    return i >= 0 && i < a.length ? a[i] : null;
  }
  if (tt === 'array' && tk === 'object') return slice(target, (key as Record<string, Json>).start ?? null, (key as Record<string, Json>).end ?? null);
  throw new JqError(`Cannot index ${tt} with ${tk === 'string' ? JSON.stringify(key) : tk}`);
}

export function slice(target: Json, from: Json, to: Json): Json {
  const t = typeOf(target);
  if (t === 'null') return null;
  if (t !== 'array' && t !== 'string') throw new JqError(`Cannot index ${t} with object`);
  for (const bound of [from, to])
    if (bound !== null && !isNumber(bound)) throw new JqError('Start and end indices of an array slice must be numbers');
  const length = (target as string | Json[]).length;
  const clamp = (b: Json, fallback: number) => {
    if (b === null) return fallback;
    let i = Math.floor(plainNumber(b));
    if (i < 0) i += length;
    return Math.min(Math.max(i, 0), length);
  };
  const [a, b] = [clamp(from, 0), clamp(to, length)];
  return (target as string | Json[]).slice(a, Math.max(a, b));
}

export function* iterate(target: Json): Generator<Json> {
  if (Array.isArray(target)) {
    charge(target.length * COSTS.jqStep);
    yield* target;
  } else if (isObject(target)) {
    const items = Object.values(target);
    charge(items.length * COSTS.jqStep);
    yield* items;
  } else throw new JqError(target === null || target === undefined ? 'Cannot iterate over null' : `Cannot iterate over ${describe(target)}`);
}

export function* recurse(v: Json): Generator<Json> {
  charge(COSTS.item);
  yield v;
  if (Array.isArray(v) || isObject(v)) for (const child of iterate(v)) yield* recurse(child);
}

export function length(v: Json): Json {
  switch (typeOf(v)) {
    case 'null':
      return 0;
    case 'boolean':
      throw new JqError(`${describe(v)} has no length`);
    case 'number':
      return Math.abs(plainNumber(v));
    case 'string': {
      // Code points, counted without spreading the string into an array.
      let count = 0;
      for (const _ of v as string) count++;
      return count;
    }
    case 'array':
      return (v as Json[]).length;
    default:
      return Object.keys(v as object).length;
  }
}

export function keys(v: Json, sorted: boolean): Json {
  if (Array.isArray(v)) return v.map((_, i) => i);
  if (isObject(v)) return sorted ? Object.keys(v).sort() : Object.keys(v);
  throw new JqError(`${describe(v)} has no keys`);
}

export function has(v: Json, key: Json): boolean {
  if (isObject(v) && typeof key === 'string') return Object.prototype.hasOwnProperty.call(v, key);
  if (Array.isArray(v) && isNumber(key)) return plainNumber(key) >= 0 && plainNumber(key) < v.length;
  throw new JqError(`Cannot check whether ${typeOf(v)} has a ${typeOf(key)} key`);
}

export function contains(a: Json, b: Json): boolean {
  charge(COSTS.item);
  const [ta, tb] = [typeOf(a), typeOf(b)];
  if (ta !== tb) throw new JqError(`${describe(a)} and ${describe(b)} cannot have their containment checked`);
  if (ta === 'object') return Object.entries(b as Record<string, Json>).every(([k, v]) => has(a, k) && contains((a as Record<string, Json>)[k], v));
  if (ta === 'array') return (b as Json[]).every((y) => (a as Json[]).some((x) => typeOf(x) === typeOf(y) && contains(x, y)));
  if (ta === 'string') return (a as string).includes(b as string);
  return compare(a, b) === 0;
}

export function toEntries(v: Json): Json {
  if (Array.isArray(v)) return v.map((value, key) => ({ key, value }));
  if (!isObject(v)) throw new JqError(`${describe(v)} has no keys`);
  return Object.entries(v).map(([key, value]) => ({ key, value }));
}

/** Positions of `x` in a string (substring) or an array (element, or sub-array when `x` is one). */
export function indices(v: Json, x: Json): Json {
  if (v === null) return null;
  const out: number[] = [];
  if (typeof v === 'string' && typeof x === 'string') {
    if (x === '') return null;
    for (let i = v.indexOf(x); i >= 0; i = v.indexOf(x, i + 1)) out.push(i);
    return out;
  }
  if (Array.isArray(v)) {
    const needle = Array.isArray(x) ? x : [x];
    if (needle.length === 0) return null;
    charge(v.length * needle.length);
    for (let i = 0; i + needle.length <= v.length; i++) if (needle.every((y, j) => compare(v[i + j], y) === 0)) out.push(i);
    return out;
  }
  throw new JqError(`Cannot determine the indices of ${describe(x)} in ${describe(v)}`);
}

export function fromEntries(v: Json): Json {
  const out: Record<string, Json> = {};
  for (const entry of iterate(v)) {
    if (!isObject(entry)) throw new JqError(`Cannot index ${typeOf(entry)} with "key"`);
    const key = ['key', 'k', 'name', 'Name', 'Key', 'K'].map((k) => entry[k]).find((k) => k !== undefined && k !== null && k !== false);
    const value = ['value', 'v', 'Value', 'V'].map((k) => entry[k]).find((x) => x !== undefined);
    if (typeof key === 'boolean' || key === undefined) throw new JqError(`Cannot use ${typeOf(key ?? null)} (${dump(key ?? null)}) as object key`);
    out[typeof key === 'string' ? key : toJqJson(key)] = value === undefined ? null : value;
  }
  return out;
}

export function toText(v: Json): string {
  return typeof v === 'string' ? v : toJqJson(v);
}

export function toNumber(v: Json): number {
  if (isNumber(v)) return plainNumber(v);
  // `\d+(\.\d*)?`, not `\d+\.?\d*` (same numbers): the latter backtracks quadratically on long digit runs.
  if (typeof v === 'string' && /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  throw new JqError(`${describe(v)} cannot be parsed as a number`);
}

export function flatten(v: Json, depth: number): Json[] {
  if (!Array.isArray(v)) throw new JqError(`Cannot iterate over ${describe(v)}`);
  if (depth < 0) throw new JqError('flatten depth must not be negative');
  return v.flatMap((x) => (Array.isArray(x) && depth > 0 ? flatten(x, depth - 1) : [x]));
}

export function sortedBy(v: Json, keysOf: (x: Json) => Json[]): Json[] {
  if (!Array.isArray(v)) throw new JqError(`${describe(v)} cannot be sorted, as it is not an array`);
  return v
    .map((x, i) => ({ x, k: keysOf(x), i }))
    .sort((p, q) => (charge(COSTS.item), compare(p.k, q.k) || p.i - q.i))
    .map((p) => p.x);
}

export function requireArray(v: Json, what: string): Json[] {
  if (!Array.isArray(v)) throw new JqError(`${what} needs an array, got ${describe(v)}`);
  return v;
}

export function requireString(v: Json, what: string): string {
  if (typeof v !== 'string') throw new JqError(`${what} needs a string, got ${describe(v)}`);
  return v;
}
