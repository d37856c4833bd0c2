/**
 * The filter table: Pebble's core filters with Kestra's overrides and additions
 * (`io.kestra.core.runners.pebble.Extension`). One entry per filter; argument names follow the
 * Java classes so that named arguments (`date(format='yyyy', timeZone='UTC')`) work.
 */
import { charge, chargeCharacters, checkStringLength, COSTS } from './budget';
import { base64Decode, base64Encode, md5, sha1, sha256, sha512, urlDecode, urlEncode, utf8Decode, utf8Encode } from './codec';
import { chronoUnit, formatDate, toZoned, zoneOf } from './dates';
import { decimalFormat } from './decimal-format';
import { runJq } from './jq';
import { parseJson } from './json';
import { yamlPackage } from '../on-first-use';
import { replaceAllJava, splitJava } from './regex';
import { Args, CallError, FilterDef } from './callables';
import { isEmpty } from './tests';
import { double, isDouble, isList, isMap, isNumber, javaEquals, javaToString, num, toJson, toPlain, typeName } from './values';

const str = (input: unknown): string => javaToString(input);

/** Filters of Java strings return null for a null input. */
function stringFilter(args: string[], fn: (input: string, args: Args) => unknown): FilterDef {
  return { args, apply: (input, a) => (input === null || input === undefined ? null : fn(str(input), a)) };
}

/** A string filter whose work per character is counted (COSTS.perCharacter): hashes and codecs in pure JS. */
function slowStringFilter(name: keyof typeof COSTS.perCharacter, fn: (input: string) => unknown): FilterDef {
  return stringFilter([], (s) => {
    chargeCharacters(s, name);
    return fn(s);
  });
}

function requireArg(args: Args, name: string, filter: string): unknown {
  if (args[name] === undefined || args[name] === null) throw new CallError(`The '${filter}' filter expects an argument '${name}'.`);
  return args[name];
}

function intArg(value: unknown, name: string): number {
  if (!isNumber(value)) throw new CallError(`Argument ${name} must be a number. Actual type: ${typeName(value)}`);
  return Math.trunc(num(value));
}

/** Java's `String.trim`: strips characters up to U+0020 only (a loop: `[ ]+$` as a regex is quadratic). */
function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

/** Java's natural ordering for `sort`: numbers, strings, booleans; mixed types fail like `ClassCastException`. */
function naturalCompare(a: unknown, b: unknown): number {
  charge(COSTS.item);
  if (isNumber(a) && isNumber(b)) return num(a) - num(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new CallError(`Can not compare ${typeName(a)} with ${typeName(b)}`);
}

function replaceAll(input: unknown, pairs: Record<string, unknown>, regexp: boolean): unknown {
  if (isMap(input)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) out[k] = isMap(v) || isList(v) ? replaceAll(v, pairs, regexp) : replaceString(str(v), pairs, regexp);
    return out;
  }
  if (isList(input)) return input.map((v) => (isMap(v) || isList(v) ? replaceAll(v, pairs, regexp) : replaceString(str(v), pairs, regexp)));
  return replaceString(str(input), pairs, regexp);
}

function replaceString(s: string, pairs: Record<string, unknown>, regexp: boolean): string {
  let data = s;
  for (const [from, to] of Object.entries(pairs)) {
    data = regexp ? replaceAllJava(data, from, str(to)) : data.split(from).join(str(to));
  }
  return data;
}

/**
 * The first of each group of equal items (Java's `equals`: `1` and `1.0` differ). Scalars are
 * found by key in one pass; lists and maps are compared with the distinct ones kept so far.
 */
function distinct(input: unknown[]): unknown[] {
  const seen = new Set<string>();
  const kept: unknown[] = [];
  const keptCollections: unknown[] = [];
  for (const x of input) {
    if (isList(x) || isMap(x)) {
      charge(keptCollections.length);
      if (keptCollections.some((y) => javaEquals(x, y))) continue;
      keptCollections.push(x);
    } else {
      const key = scalarKey(x);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    kept.push(x);
  }
  return kept;
}

function scalarKey(x: unknown): string {
  if (x === null || x === undefined) return 'null';
  if (isNumber(x)) return `${isDouble(x) ? 'd' : 'l'}${num(x)}`;
  if (x instanceof Date) return `t${x.getTime()}`;
  return `${typeof x}:${String(x)}`;
}

function timestampOf(input: unknown, args: Args) {
  return toZoned(input, zoneOf(args.timeZone), args.existingFormat);
}

function numberFromString(val: string, type: string): unknown {
  const t = val.trim();
  const integer = /^[+-]?\d+$/.test(t);
  const hex = /^[+-]?(0x|0X|#)[0-9a-fA-F]+$/.test(t);
  switch (type) {
    case 'INT':
    case 'LONG':
    case 'BIGINTEGER':
      if (hex) return parseInt(t.replace('#', '0x'), 16);
      if (!integer) throw new CallError(`For input string: "${val}"`);
      return Number(t.replace(/[lL]$/, ''));
    case 'FLOAT':
    case 'DOUBLE':
    case 'BIGDECIMAL': {
      const n = Number(t.replace(/[fFdD]$/, ''));
      if (Number.isNaN(n) || t === '') throw new CallError(`${val} is not a valid number.`);
      return double(n);
    }
  }
  // NumberUtils.createNumber: integers stay integral, anything with a point or exponent is a double.
  if (hex) return parseInt(t.replace('#', '0x'), 16);
  if (/^[+-]?\d+[lL]?$/.test(t)) return Number(t.replace(/[lL]$/, ''));
  // `\d+(\.\d*)?`, not `\d+\.?\d*` (same numbers): the latter backtracks quadratically on long digit runs.
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(t)) return double(Number(t.replace(/[fFdD]$/, '')));
  throw new CallError(`${val} is not a valid number.`);
}

function indent(kind: 'indent' | 'nindent'): FilterDef {
  return {
    args: ['amount', 'prefix'],
    apply(input, args) {
      if (input === null || input === undefined) return null;
      const s = str(input);
      if (s === '') return s;
      if (args.amount === undefined || !isNumber(args.amount)) throw new CallError(`The '${kind}' filter expects an integer as argument 'amount'.`);
      const amount = num(args.amount);
      if (amount < 0) throw new CallError(`The '${kind}' filter expects a positive integer >=0 as argument 'amount'.`);
      const prefix = args.prefix === undefined ? ' ' : str(args.prefix);
      const newLine = s.includes('\r\n') ? '\r\n' : s.includes('\n\r') ? '\n\r' : s.includes('\n') ? '\n' : s.includes('\r') ? '\r' : '\n';
      const source = kind === 'nindent' ? newLine + s : s;
      const lines = source.split(newLine);
      const padding = prefix.length * amount;
      checkStringLength(padding, `the indentation of '${kind}'`);
      checkStringLength(source.length + (lines.length - 1) * (newLine.length + padding), `the result of '${kind}'`);
      return lines.join(newLine + prefix.repeat(amount));
    },
  };
}

const json: FilterDef = {
  args: ['includeNulls'],
  apply: (input, args) => (input === null || input === undefined ? 'null' : toJson(input, args.includeNulls === true)),
};

const numberFormat: FilterDef = {
  args: ['format'],
  apply(input, args) {
    if (input === null || input === undefined) return null;
    const n = isNumber(input) ? num(input) : Number(str(input));
    if (Number.isNaN(n)) throw new CallError(`Cannot format given Object as a Number: ${str(input)}`);
    return decimalFormat(n, str(requireArg(args, 'format', 'numberFormat')));
  },
};

export const FILTERS: Record<string, FilterDef> = {
  // Strings
  upper: stringFilter([], (s) => s.toUpperCase()),
  lower: stringFilter([], (s) => s.toLowerCase()),
  trim: stringFilter([], javaTrim),
  capitalize: stringFilter([], (s) => (s === '' ? s : s[0].toUpperCase() + s.slice(1))),
  title: stringFilter([], (s) => s.replace(/(^|\s)(\S)/g, (_, ws: string, c: string) => ws + c.toUpperCase())),
  abbreviate: stringFilter(['length'], (s, a) => {
    const max = intArg(requireArg(a, 'length', 'abbreviate'), 'length');
    if (s.length <= max) return s;
    return max <= 3 ? s.slice(0, max) : `${s.slice(0, max - 3)}...`;
  }),
  split: stringFilter(['delimiter', 'limit'], (s, a) => {
    if (a.delimiter === undefined || a.delimiter === null) throw new CallError('missing delimiter parameter in split filter');
    return splitJava(s, str(a.delimiter), a.limit === undefined || a.limit === null ? 0 : intArg(a.limit, 'limit'));
  }),
  replace: {
    args: ['replace_pairs', 'regexp'],
    apply(input, args) {
      if (input === null || input === undefined) return null;
      const pairs = args.replace_pairs;
      if (pairs === undefined || pairs === null) throw new CallError("The argument 'replace_pairs' is required.");
      if (!isMap(pairs)) throw new CallError("The argument 'replace_pairs' must be a map, e.g. replace({'a': 'b'})");
      return replaceAll(input, pairs, args.regexp === true);
    },
  },
  slugify: stringFilter([], (s) => {
    let slug = s
      .replace(/\s/g, '-')
      .normalize('NFD')
      .replace(/[^\w-]/g, '')
      .replace(/_/g, '-');
    while (slug.includes('--')) slug = slug.split('--').join('-');
    return slug.replace(/^-/, '').replace(/-$/, '').toLowerCase();
  }),
  substringBefore: stringFilter(['separator'], (s, a) => {
    const sep = str(requireArg(a, 'separator', 'substringBefore'));
    if (s === '') return s;
    if (sep === '') return '';
    const i = s.indexOf(sep);
    return i < 0 ? s : s.slice(0, i);
  }),
  substringAfter: stringFilter(['separator'], (s, a) => {
    const sep = str(requireArg(a, 'separator', 'substringAfter'));
    if (s === '') return s;
    const i = s.indexOf(sep);
    return i < 0 ? '' : s.slice(i + sep.length);
  }),
  substringBeforeLast: stringFilter(['separator'], (s, a) => {
    const sep = str(requireArg(a, 'separator', 'substringBeforeLast'));
    if (s === '' || sep === '') return s;
    const i = s.lastIndexOf(sep);
    return i < 0 ? s : s.slice(0, i);
  }),
  substringAfterLast: stringFilter(['separator'], (s, a) => {
    const sep = str(requireArg(a, 'separator', 'substringAfterLast'));
    if (s === '') return s;
    if (sep === '') return '';
    const i = s.lastIndexOf(sep);
    return i < 0 || i === s.length - sep.length ? '' : s.slice(i + sep.length);
  }),
  startsWith: { args: ['value'], apply: (input, a) => str(input).startsWith(str(a.value)) },
  endsWith: { args: ['value'], apply: (input, a) => str(input).endsWith(str(a.value)) },
  urlencode: slowStringFilter('urlencode', urlEncode),
  urldecode: slowStringFilter('urldecode', urlDecode),
  base64encode: slowStringFilter('base64encode', (s) => base64Encode(utf8Encode(s))),
  base64decode: slowStringFilter('base64decode', (s) => utf8Decode(base64Decode(s))),
  md5: slowStringFilter('md5', md5),
  sha1: slowStringFilter('sha1', sha1),
  sha256: slowStringFilter('sha256', sha256),
  sha512: slowStringFilter('sha512', sha512),
  indent: indent('indent'),
  nindent: indent('nindent'),
  nl2br: stringFilter([], (s) => s.replace(/\r\n|\n|\r/g, '<br />')),

  // Collections
  length: {
    args: [],
    apply(input) {
      if (input === null || input === undefined) return 0;
      if (typeof input === 'string' || isList(input)) return input.length;
      if (isMap(input)) return Object.keys(input).length;
      return 0;
    },
  },
  first: {
    args: [],
    apply(input) {
      if (input === null || input === undefined) return null;
      if (typeof input === 'string') return input.length > 0 ? input[0] : null;
      if (isList(input)) return input.length > 0 ? input[0] : null;
      if (isMap(input)) {
        const values = Object.values(input);
        return values.length > 0 ? values[0] : null;
      }
      return input;
    },
  },
  last: {
    args: [],
    apply(input) {
      if (input === null || input === undefined) return null;
      if (typeof input === 'string') return input.length > 0 ? input[input.length - 1] : null;
      if (isList(input)) return input.length > 0 ? input[input.length - 1] : null;
      if (isMap(input)) {
        const values = Object.values(input);
        return values.length > 0 ? values[values.length - 1] : null;
      }
      return input;
    },
  },
  join: {
    args: ['separator'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      const items = (isList(input) ? input : isMap(input) ? Object.values(input) : [input]).map(str);
      const separator = a.separator === undefined || a.separator === null ? '' : str(a.separator);
      checkStringLength(
        items.reduce((n, item) => n + item.length, Math.max(0, items.length - 1) * separator.length),
        "the result of 'join'",
      );
      return items.join(separator);
    },
  },
  slice: {
    args: ['fromIndex', 'toIndex'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      const from = a.fromIndex === undefined || a.fromIndex === null ? 0 : intArg(a.fromIndex, 'fromIndex');
      if (from < 0) throw new CallError('fromIndex must be greater than 0');
      if (typeof input !== 'string' && !isList(input)) {
        throw new CallError(`Slice filter can only be applied to String, List and array inputs. Actual type was: ${typeName(input)}`);
      }
      const length = input.length;
      let to = length;
      if (a.toIndex !== undefined && a.toIndex !== null) {
        to = intArg(a.toIndex, 'toIndex');
        if (to > length) throw new CallError(`toIndex must be smaller than input size: ${length}`);
        if (from >= to) throw new CallError('toIndex must be greater than fromIndex');
      }
      return input.slice(from, to);
    },
  },
  sort: { args: [], apply: (input) => (isList(input) ? [...input].sort(naturalCompare) : input) },
  rsort: { args: [], apply: (input) => (isList(input) ? [...input].sort((x, y) => naturalCompare(y, x)) : input) },
  reverse: {
    args: [],
    apply(input) {
      if (isList(input)) return [...input].reverse();
      if (typeof input === 'string') return [...input].reverse().join('');
      return input;
    },
  },
  merge: {
    args: ['items'],
    apply(input, a) {
      const items = a.items ?? null;
      if (input === null || input === undefined) {
        if (items === null) throw new CallError('The two arguments to be merged are null');
        return items;
      }
      if (items === null) return input;
      if (isMap(input)) {
        if (isMap(items)) return { ...input, ...items };
        if (isList(items)) return { ...input, ...Object.fromEntries(items.map((o) => [str(o), o])) };
        throw new CallError(`Currently, only Maps and Lists can be merged with a Map. Arg2: ${typeName(items)}`);
      }
      if (isList(input)) {
        if (isList(items)) return [...input, ...items];
        if (isMap(items)) return [...input, ...Object.entries(items).map(([k, v]) => ({ [k]: v }))];
        throw new CallError(`Currently, only Maps and Lists can be merged with a List. Arg2: ${typeName(items)}`);
      }
      throw new CallError('The object being filtered is not a Map/List/Array');
    },
  },
  keys: {
    args: [],
    apply(input) {
      if (input === null || input === undefined) return null;
      if (isMap(input)) return Object.keys(input);
      if (isList(input)) return input.map((_, i) => i);
      throw new CallError(`'keys' filter can only be applied to List, Map, Array. Actual type was: ${typeName(input)}`);
    },
  },
  values: {
    args: [],
    apply(input) {
      if (input === null || input === undefined) return null;
      if (isMap(input)) return Object.values(input);
      if (isList(input)) return [...input];
      throw new CallError(`'values' filter can only be applied to List, Map, Array. Actual type was: ${typeName(input)}`);
    },
  },
  chunk: {
    args: ['size'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      if (a.size === undefined || a.size === null) throw new CallError("'chunk' filter expects an argument 'size'.");
      if (!isList(input)) throw new CallError(`'chunk' filter can only be applied to List. Actual type was: ${typeName(input)}`);
      if (!isNumber(a.size)) throw new CallError(`'chunk' filter argument 'size' must be a number. Actual type was: ${typeName(a.size)}`);
      const size = Math.trunc(num(a.size));
      if (size <= 0) throw new CallError('size must be greater than 0');
      const out: unknown[][] = [];
      for (let i = 0; i < input.length; i += size) out.push(input.slice(i, i + size));
      return out;
    },
  },
  flatten: {
    args: [],
    apply(input) {
      if (input === null || input === undefined) return null;
      if (!isList(input)) throw new CallError("The 'flatten' filter can only be applied to lists.");
      return input.flatMap((o) => (isList(o) ? o : [o]));
    },
  },
  distinct: {
    args: [],
    apply(input) {
      if (input === null || input === undefined) return null;
      if (!isList(input)) throw new CallError(`'distinct' filter can only be applied to List. Actual type was: ${typeName(input)}`);
      return distinct(input);
    },
  },

  // Numbers
  abs: {
    args: [],
    apply(input) {
      if (input === null || input === undefined) return null;
      if (!isNumber(input)) throw new CallError(`abs filter can only be applied to numbers. Actual type was: ${typeName(input)}`);
      return isDouble(input) ? double(Math.abs(num(input))) : Math.abs(num(input));
    },
  },
  number: {
    args: ['type'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      if (typeof input !== 'string') throw new CallError(`'number' filter can only be applied to String. Actual type was: ${typeName(input)}`);
      return numberFromString(input, a.type === undefined || a.type === null ? '' : str(a.type));
    },
  },
  numberFormat,
  numberformat: numberFormat,

  // Dates
  date: {
    args: ['format', 'timeZone', 'existingFormat', 'locale'],
    apply: (input, a) => (input === null || input === undefined ? null : formatDate(input, a)),
  },
  dateAdd: {
    args: ['amount', 'unit', 'format', 'timeZone', 'existingFormat', 'locale'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      const amount = a.amount;
      if (!isNumber(amount)) throw new CallError("The 'dateAdd' filter expects an integer argument 'amount'.");
      if (a.unit === undefined || a.unit === null) throw new CallError("The 'dateAdd' filter expects an argument 'unit'.");
      const zone = zoneOf(a.timeZone);
      const date = toZoned(input, zone, a.existingFormat).plus(Math.trunc(num(amount)), chronoUnit(a.unit));
      return formatDate(date, { ...a, existingFormat: undefined });
    },
  },
  timestamp: {
    args: ['timeZone', 'existingFormat'],
    apply: (input, a) => (input === null || input === undefined ? null : timestampOf(input, a).toEpochSecond()),
  },
  timestampMilli: {
    args: ['timeZone', 'existingFormat'],
    apply: (input, a) => (input === null || input === undefined ? null : timestampOf(input, a).toInstant().toEpochMilli()),
  },
  timestampMicro: {
    args: ['timeZone', 'existingFormat'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      const d = timestampOf(input, a);
      return (BigInt(d.toEpochSecond()) * 1000000n + BigInt(Math.floor(d.nano() / 1000))).toString();
    },
  },
  timestampNano: {
    args: ['timeZone', 'existingFormat'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      const d = timestampOf(input, a);
      return (BigInt(d.toEpochSecond()) * 1000000000n + BigInt(d.nano())).toString();
    },
  },

  // Serialisation
  yaml: {
    args: [],
    // Jackson's YAML as Kestra configures it: no `---`, minimal quotes, indented lists.
    apply: (input) => (input === null || input === undefined ? 'null' : yamlPackage().stringify(toPlain(input), { indentSeq: true, lineWidth: 0 })),
  },
  className: { args: [], apply: (input) => (input === null || input === undefined ? null : typeName(input)) },
  escapeChar: {
    args: ['type'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      const type = String(requireArg(a, 'type', 'escapeChar')).toUpperCase();
      const replacements: Record<string, [string, string]> = { SINGLE: ["'", "\\'"], DOUBLE: ['"', '\\"'], SHELL: ["'", "'\\''"] };
      const replacement = replacements[type];
      if (!replacement) throw new CallError("The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double', or 'shell'.");
      const escape = (value: unknown): unknown => {
        if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escape(v)]));
        if (isList(value)) return value.map(escape);
        return str(value).split(replacement[0]).join(replacement[1]);
      };
      return escape(input);
    },
  },
  jq: {
    args: ['expression'],
    apply(input, a) {
      if (input === null || input === undefined) return null;
      if (a.expression === undefined || a.expression === null) throw new CallError("The 'jq' filter expects an argument 'expression'.");
      // Kestra reads a string input as JSON (an HTTP body, a file's content).
      let value: unknown = input;
      if (typeof input === 'string') {
        try {
          chargeCharacters(input, 'json');
          value = parseJson(input);
        } catch (error) {
          throw new CallError(`The input of the 'jq' filter is a string that is not JSON: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return runJq(str(a.expression), value);
    },
  },
  toJson: json,
  json,
  jsonEncode: json,

  default: { args: ['default'], apply: (input, a) => (isEmpty(input) ? (a.default ?? null) : input) },
};
