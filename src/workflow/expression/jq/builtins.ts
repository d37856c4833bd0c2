/**
 * jq's builtin functions, by `name/arity`. They evaluate their arguments through the evaluator
 * they are built with (./evaluator.ts builds them once), so this module does not import it.
 */
import { charge, chargeItems, COSTS } from '../budget';
import { utf8Length } from '../../interpreter/payload-size';
import { flowRegex, FlowRegexError, matchesPart } from '../regex';
import { isNumber } from '../values';
import { JqError } from './errors';
import type { Node } from './syntax-tree';
import {
  arithmetic,
  compare,
  contains,
  describe,
  dump,
  flatten,
  fromEntries,
  has,
  index,
  indices,
  isObject,
  iterate,
  type Json,
  keys,
  length,
  plainNumber,
  recurse,
  requireArray,
  requireString,
  sortedBy,
  splitString,
  toEntries,
  toJqJson,
  toNumber,
  toText,
  truthy,
  typeOf,
} from './values';
import { delpaths, getpath, type Path, recursePaths, requirePath, setpath } from './paths';

/** Variable bindings (`$x`). */
export type Env = ReadonlyMap<string, unknown>;

type Builtin = (input: Json, args: Node[], env: Env) => Iterable<Json>;

/** What the builtins need of the evaluator. */
interface Evaluator {
  evaluate(node: Node, input: Json, env: Env): Generator<Json>;
  values(node: Node, input: Json, env: Env): Json[];
  paths(node: Node, input: Json, env: Env): Generator<[Path, Json]>;
}

/** A function of the input alone: one output. */
function map1(fn: (input: Json) => Json): Builtin {
  return function* (input) {
    yield fn(input);
  };
}

function typeSelector(type: string | string[]): Builtin {
  const types = Array.isArray(type) ? type : [type];
  return function* (input) {
    if (types.includes(typeOf(input))) yield input;
  };
}

/** The builtins, evaluating their arguments with `evaluator`. */
export function builtinsFor({ evaluate, values, paths }: Evaluator): Record<string, Builtin> {
  /** A function of the input and one argument: one output per value of the argument. */
  function withArg(fn: (input: Json, arg: Json) => Json): Builtin {
    return function* (input, [arg], env) {
      for (const a of evaluate(arg, input, env)) yield fn(input, a);
    };
  }

  return {
    'empty/0': function* () {},
    'not/0': map1((v) => !truthy(v)),
    'length/0': map1(length),
    'utf8bytelength/0': map1((v) => utf8Length(requireString(v, 'utf8bytelength'))),
    'keys/0': map1((v) => keys(v, true)),
    'keys_unsorted/0': map1((v) => keys(v, false)),
    'has/1': withArg(has),
    'in/1': withArg((input, obj) => has(obj, input)),
    'contains/1': withArg(contains),
    'inside/1': withArg((input, outer) => contains(outer, input)),
    'type/0': map1(typeOf),
    'select/1': function* (input, [f], env) {
      for (const c of evaluate(f, input, env)) if (truthy(c)) yield input;
    },
    'map/1': function* (input, [f], env) {
      const out: Json[] = [];
      for (const item of iterate(input)) out.push(...evaluate(f, item, env));
      yield out;
    },
    'map_values/1': function* (input, [f], env) {
      if (Array.isArray(input)) {
        yield input.flatMap((item) => values(f, item, env).slice(0, 1));
        return;
      }
      if (!isObject(input)) throw new JqError(`Cannot iterate over ${describe(input)}`);
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(input)) {
        const first = values(f, v, env);
        if (first.length > 0) out[k] = first[0];
      }
      yield out;
    },
    'recurse/0': function* (input) {
      yield* recurse(input);
    },
    'to_entries/0': map1(toEntries),
    'path/1': function* (input, [f], env) {
      for (const [p] of paths(f, input, env)) yield p;
    },
    'paths/0': function* (input) {
      for (const [p] of recursePaths([], input)) if (p.length > 0) yield p;
    },
    'getpath/1': function* (input, [f], env) {
      for (const p of evaluate(f, input, env)) {
        try {
          yield getpath(input, requirePath(p));
        } catch {
          yield null;
        }
      }
    },
    'setpath/2': function* (input, [p, v], env) {
      for (const value of evaluate(v, input, env)) for (const path of evaluate(p, input, env)) yield setpath(input, requirePath(path), value);
    },
    'delpaths/1': withArg((v, list) => delpaths(v, requireArray(list, 'delpaths').map(requirePath))),
    'del/1': function* (input, [f], env) {
      yield delpaths(
        input,
        [...paths(f, input, env)].map(([p]) => p),
      );
    },
    'indices/1': withArg(indices),
    'index/1': withArg((v, x) => {
      const all = indices(v, x);
      return Array.isArray(all) && all.length > 0 ? all[0] : null;
    }),
    'rindex/1': withArg((v, x) => {
      const all = indices(v, x);
      return Array.isArray(all) && all.length > 0 ? all[all.length - 1] : null;
    }),
    'abs/0': map1((v) => Math.abs(toNumberStrict(v, 'abs'))),
    'trim/0': map1((v) => requireString(v, 'trim').trim()),
    'ltrim/0': map1((v) => requireString(v, 'ltrim').trimStart()),
    'rtrim/0': map1((v) => requireString(v, 'rtrim').trimEnd()),
    'explode/0': map1((v) => {
      const s = requireString(v, 'explode');
      chargeItems(s.length, 'an array');
      return [...s].map((c) => c.codePointAt(0)!);
    }),
    'implode/0': map1((v) =>
      requireArray(v, 'implode')
        .map((c) => String.fromCodePoint(toNumberStrict(c, 'implode')))
        .join(''),
    ),
    'from_entries/0': map1(fromEntries),
    'with_entries/1': function* (input, [f], env) {
      const mapped: Json[] = [];
      for (const entry of toEntries(input) as Json[]) mapped.push(...evaluate(f, entry, env));
      yield fromEntries(mapped);
    },
    'add/0': map1((v) => {
      let acc: Json = null;
      for (const item of iterate(v)) acc = arithmetic('+', acc, item);
      return acc;
    }),
    'any/0': map1((v) => requireArray(v, 'any').some(truthy)),
    'all/0': map1((v) => requireArray(v, 'all').every(truthy)),
    'any/1': function* (input, [f], env) {
      yield [...iterate(input)].some((item) => values(f, item, env).some(truthy));
    },
    'all/1': function* (input, [f], env) {
      yield [...iterate(input)].every((item) => values(f, item, env).every(truthy));
    },
    'flatten/0': map1((v) => flatten(v, 1e9)),
    'flatten/1': withArg((v, d) => flatten(v, toNumber(d))),
    'range/1': function* (input, [n], env) {
      for (const upto of evaluate(n, input, env)) yield* counted(0, toNumber(upto));
    },
    'range/2': function* (input, [a, b], env) {
      for (const from of evaluate(a, input, env)) for (const upto of evaluate(b, input, env)) yield* counted(toNumber(from), toNumber(upto));
    },
    'floor/0': map1((v) => Math.floor(toNumberStrict(v, 'floor'))),
    'ceil/0': map1((v) => Math.ceil(toNumberStrict(v, 'ceil'))),
    'round/0': map1((v) => Math.round(toNumberStrict(v, 'round'))),
    'sqrt/0': map1((v) => Math.sqrt(toNumberStrict(v, 'sqrt'))),
    'fabs/0': map1((v) => Math.abs(toNumberStrict(v, 'fabs'))),
    'tostring/0': map1(toText),
    'tonumber/0': map1(toNumber),
    'tojson/0': map1(toJqJson),
    'fromjson/0': map1((v) => {
      try {
        return JSON.parse(requireString(v, 'fromjson')) as Json;
      } catch (error) {
        if (error instanceof JqError) throw error;
        throw new JqError(`${dump(v)} cannot be parsed as JSON`);
      }
    }),
    'ascii_downcase/0': map1((v) => requireString(v, 'ascii_downcase').replace(/[A-Z]/g, (c) => c.toLowerCase())),
    'ascii_upcase/0': map1((v) => requireString(v, 'ascii_upcase').replace(/[a-z]/g, (c) => c.toUpperCase())),
    'ltrimstr/1': withArg((v, p) => (typeof v === 'string' && typeof p === 'string' && v.startsWith(p) ? v.slice(p.length) : v)),
    'rtrimstr/1': withArg((v, s) =>
      typeof v === 'string' && typeof s === 'string' && s !== '' && v.endsWith(s) ? v.slice(0, v.length - s.length) : v,
    ),
    'startswith/1': withArg((v, p) => requireString(v, 'startswith').startsWith(requireString(p, 'startswith'))),
    'endswith/1': withArg((v, s) => requireString(v, 'endswith').endsWith(requireString(s, 'endswith'))),
    'split/1': withArg((v, s) => splitString(requireString(v, 'split'), requireString(s, 'split'))),
    'join/1': withArg((v, s) => {
      const separator = requireString(s, 'join');
      return [...iterate(v)]
        .map((x) => {
          if (x === null) return '';
          if (typeof x === 'string' || typeof x === 'boolean' || isNumber(x)) return toText(x);
          throw new JqError(`Cannot join with ${typeOf(x)}`);
        })
        .join(separator);
    }),
    'test/1': withArg((v, re) => matchesPart(regExp(re, null), requireString(v, 'test'))),
    'test/2': function* (input, [re, flags], env) {
      for (const f of evaluate(flags, input, env))
        for (const r of evaluate(re, input, env)) yield matchesPart(regExp(r, f), requireString(input, 'test'));
    },
    'sort/0': map1((v) => sortedBy(v, (x) => [x])),
    'sort_by/1': function* (input, [f], env) {
      yield sortedBy(input, (x) => values(f, x, env));
    },
    'group_by/1': function* (input, [f], env) {
      const groups: Json[][] = [];
      let last: Json[] | undefined;
      for (const x of sortedBy(input, (y) => values(f, y, env))) {
        const k = values(f, x, env);
        if (last && compare(last, k) === 0) groups[groups.length - 1].push(x);
        else groups.push([x]);
        last = k;
      }
      yield groups;
    },
    'unique/0': map1((v) => sortedBy(v, (x) => [x]).filter((x, i, a) => i === 0 || compare(a[i - 1], x) !== 0)),
    'unique_by/1': function* (input, [f], env) {
      const sorted = sortedBy(input, (x) => values(f, x, env));
      yield sorted.filter((x, i) => i === 0 || compare(values(f, sorted[i - 1], env), values(f, x, env)) !== 0);
    },
    'min/0': map1((v) => extreme(requireArray(v, 'min'), (x) => [x], -1)),
    'max/0': map1((v) => extreme(requireArray(v, 'max'), (x) => [x], 1)),
    'min_by/1': function* (input, [f], env) {
      yield extreme(requireArray(input, 'min_by'), (x) => values(f, x, env), -1);
    },
    'max_by/1': function* (input, [f], env) {
      yield extreme(requireArray(input, 'max_by'), (x) => values(f, x, env), 1);
    },
    'reverse/0': map1((v) => (v === null ? [] : typeof v === 'string' ? [...v].reverse().join('') : [...requireArray(v, 'reverse')].reverse())),
    'first/0': map1((v) => index(v, 0)),
    'last/0': map1((v) => index(v, -1)),
    'nth/1': withArg((v, n) => index(v, n)),
    'first/1': function* (input, [f], env) {
      for (const v of evaluate(f, input, env)) {
        yield v;
        return;
      }
    },
    'last/1': function* (input, [f], env) {
      const all = values(f, input, env);
      if (all.length > 0) yield all[all.length - 1];
    },
    'limit/2': function* (input, [n, f], env) {
      for (const count of evaluate(n, input, env)) {
        let left = toNumber(count);
        if (left <= 0) continue;
        for (const v of evaluate(f, input, env)) {
          yield v;
          if (--left <= 0) break;
        }
      }
    },
    'isempty/1': function* (input, [f], env) {
      for (const _ of evaluate(f, input, env)) {
        yield false;
        return;
      }
      yield true;
    },
    'error/0': function* (input) {
      throw new JqError(typeof input === 'string' ? input : `${dump(input)} (not a string)`, input);
    },
    'error/1': function* (input, [m], env) {
      for (const message of evaluate(m, input, env))
        throw new JqError(typeof message === 'string' ? message : `${dump(message)} (not a string)`, message);
    },
    'values/0': typeSelector(['boolean', 'number', 'string', 'array', 'object']),
    'nulls/0': typeSelector('null'),
    'booleans/0': typeSelector('boolean'),
    'numbers/0': typeSelector('number'),
    'strings/0': typeSelector('string'),
    'arrays/0': typeSelector('array'),
    'objects/0': typeSelector('object'),
    'iterables/0': typeSelector(['array', 'object']),
    'scalars/0': typeSelector(['null', 'boolean', 'number', 'string']),
  };
}

/** `range(from; upto)`: each number is a step (an infinite range stops at the budget, not the heap). */
function* counted(from: number, upto: number): Generator<Json> {
  for (let i = from; i < upto; i++) {
    charge(COSTS.jqStep);
    yield i;
    // Beyond 2^53, `i++` stops moving: stop rather than yield the same number forever.
    if (i + 1 === i) return;
  }
}

function toNumberStrict(v: Json, what: string): number {
  if (!isNumber(v)) throw new JqError(`${describe(v)} number required (${what})`);
  return plainNumber(v);
}

function extreme(items: Json[], keyOf: (x: Json) => Json[], sign: number): Json {
  let best: { x: Json; k: Json[] } | undefined;
  for (const x of items) {
    const k = keyOf(x);
    // jq keeps the last of equal maxima and the first of equal minima.
    if (!best || (sign > 0 ? compare(k, best.k) >= 0 : compare(k, best.k) < 0)) best = { x, k };
  }
  return best ? best.x : null;
}

/** jq's regex with its flags (`i`, `s`; `x`, `n`, `g` change nothing for `test`), on RE2 (see ../regex.ts). */
function regExp(re: Json, flags: Json) {
  const source = requireString(re, 'test');
  const f = flags === null ? '' : requireString(flags, 'test');
  try {
    return flowRegex(source, { caseInsensitive: f.includes('i'), dotAll: f.includes('s') });
  } catch (error) {
    if (!(error instanceof FlowRegexError)) throw error;
    throw new JqError(`${dump(re)} cannot be matched: ${error.message}`);
  }
}
