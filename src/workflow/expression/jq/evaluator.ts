/** Evaluation: a syntax tree applied to an input yields its outputs, lazily; path expressions yield paths too. */
import { charge, checkItems, COSTS } from '../budget';
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from '../codec';
import { isNumber } from '../values';
import { JqError } from './errors';
import type { Node } from './syntax-tree';
import {
  arithmetic,
  compare,
  describe,
  dump,
  index,
  isObject,
  iterate,
  type Json,
  plainNumber,
  recurse,
  requireArray,
  slice,
  toJqJson,
  toText,
  truthy,
} from './values';
import { delpaths, getpath, type Path, recursePaths, requirePath, setpath } from './paths';
import { builtinsFor, type Env } from './builtins';

/** All values of `node`, collected (for arguments used as values: `join(", ")`, `has("a")`). */
export function values(node: Node, input: Json, env: Env): Json[] {
  const out: Json[] = [];
  for (const v of evaluate(node, input, env)) {
    out.push(v);
    checkItems(out.length, 'an array');
  }
  return out;
}

/** Every builtin, by `name/arity` (the parser refuses unknown ones). */
export const BUILTINS = builtinsFor({ evaluate, values, paths });

function* evaluate(node: Node, input: Json, env: Env): Generator<Json> {
  charge(COSTS.jqStep);
  switch (node.kind) {
    case 'identity':
      yield input;
      return;
    case 'recurse':
      yield* recurse(input);
      return;
    case 'literal':
      yield node.value;
      return;
    case 'string':
      yield* interpolate(node.parts, 0, '', input, env, toText);
      return;
    case 'format': {
      const format = (v: Json) => applyFormat(node.name, v);
      if (node.body?.kind === 'string') yield* interpolate(node.body.parts, 0, '', input, env, format);
      else if (node.body) for (const v of evaluate(node.body, input, env)) yield format(v);
      else yield format(input);
      return;
    }
    case 'assign':
      yield* assign(node, input, env);
      return;
    case 'variable':
      if (!env.has(node.name)) throw new JqError(`$${node.name} is not defined`);
      yield env.get(node.name);
      return;
    case 'index':
      for (const target of evaluate(node.target, input, env)) for (const key of evaluate(node.key, input, env)) yield index(target, key);
      return;
    case 'slice':
      for (const target of evaluate(node.target, input, env)) {
        for (const to of node.to ? evaluate(node.to, input, env) : [null]) {
          for (const from of node.from ? evaluate(node.from, input, env) : [null]) yield slice(target, from, to);
        }
      }
      return;
    case 'iterate':
      for (const target of evaluate(node.target, input, env)) yield* iterate(target);
      return;
    case 'try':
      try {
        // Values produced before an error are kept, as in jq.
        for (const v of evaluate(node.body, input, env)) yield v;
      } catch (error) {
        if (!(error instanceof JqError)) throw error;
        if (node.handler) yield* evaluate(node.handler, error.value, env);
      }
      return;
    case 'pipe':
      for (const v of evaluate(node.left, input, env)) yield* evaluate(node.right, v, env);
      return;
    case 'comma':
      yield* evaluate(node.left, input, env);
      yield* evaluate(node.right, input, env);
      return;
    case 'alternative': {
      let any = false;
      try {
        for (const v of evaluate(node.left, input, env)) {
          if (truthy(v)) {
            any = true;
            yield v;
          }
        }
      } catch (error) {
        if (!(error instanceof JqError)) throw error;
      }
      if (!any) yield* evaluate(node.right, input, env);
      return;
    }
    case 'and':
    case 'or':
      for (const l of evaluate(node.left, input, env)) {
        if (node.kind === 'and' ? !truthy(l) : truthy(l)) yield node.kind === 'or';
        else for (const r of evaluate(node.right, input, env)) yield truthy(r);
      }
      return;
    case 'binary':
      // jq's order: the right operand varies slowest.
      for (const r of evaluate(node.right, input, env)) {
        for (const l of evaluate(node.left, input, env)) {
          switch (node.op) {
            case '==':
              yield compare(l, r) === 0;
              break;
            case '!=':
              yield compare(l, r) !== 0;
              break;
            case '<':
              yield compare(l, r) < 0;
              break;
            case '<=':
              yield compare(l, r) <= 0;
              break;
            case '>':
              yield compare(l, r) > 0;
              break;
            case '>=':
              yield compare(l, r) >= 0;
              break;
            default:
              yield arithmetic(node.op, l, r);
          }
        }
      }
      return;
    case 'negate':
      for (const v of evaluate(node.operand, input, env)) {
        if (!isNumber(v)) throw new JqError(`${describe(v)} cannot be negated`);
        yield -plainNumber(v);
      }
      return;
    case 'array':
      yield node.body ? values(node.body, input, env) : [];
      return;
    case 'object':
      yield* construct(node.entries, 0, {}, input, env);
      return;
    case 'if':
      yield* conditional(node.branches, 0, node.otherwise, input, env);
      return;
    case 'reduce': {
      for (const init of evaluate(node.init, input, env)) {
        let acc: Json = init;
        for (const item of evaluate(node.source, input, env)) {
          const next = values(node.update, acc, new Map(env).set(node.variable, item));
          acc = next.length > 0 ? next[next.length - 1] : null;
        }
        yield acc;
      }
      return;
    }
    case 'bind':
      for (const v of evaluate(node.source, input, env)) yield* evaluate(node.body, input, new Map(env).set(node.variable, v));
      return;
    case 'call':
      yield* BUILTINS[node.name](input, node.args, env);
      return;
  }
}

function* interpolate(parts: Array<string | Node>, i: number, prefix: string, input: Json, env: Env, text: (v: Json) => string): Generator<Json> {
  if (i === parts.length) {
    yield prefix;
    return;
  }
  const part = parts[i];
  if (typeof part === 'string') {
    yield* interpolate(parts, i + 1, prefix + part, input, env, text);
    return;
  }
  for (const v of evaluate(part, input, env)) yield* interpolate(parts, i + 1, prefix + text(v), input, env, text);
}

/** `@csv`, `@base64`…: a value as text in that format. */
function applyFormat(name: string, v: Json): string {
  switch (name) {
    case 'json':
      return toJqJson(v);
    case 'html':
      return toText(v).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c]!);
    case 'uri':
      return [...utf8Encode(toText(v))]
        .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
        .join('');
    case 'csv':
    case 'tsv':
      return requireArray(v, `@${name}`)
        .map((x) => {
          if (x === null) return '';
          if (typeof x === 'boolean' || isNumber(x)) return toText(x);
          if (typeof x !== 'string') throw new JqError(`${describe(x)} is not valid in a csv row`);
          return name === 'csv'
            ? `"${x.replace(/"/g, '""')}"`
            : x.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
        })
        .join(name === 'csv' ? ',' : '\t');
    case 'sh':
      return (Array.isArray(v) ? v : [v])
        .map((x) => {
          if (Array.isArray(x) || isObject(x)) throw new JqError(`${describe(x)} can not be escaped for shell`);
          return typeof x === 'string' ? `'${x.replace(/'/g, "'\\''")}'` : toText(x);
        })
        .join(' ');
    case 'base64':
      return base64Encode(utf8Encode(toText(v)));
    case 'base64d':
      return utf8Decode(base64Decode(toText(v)));
    default:
      return toText(v);
  }
}

/** The paths (from the input) of the values `node` selects, with those values; an error for non-path expressions. */
function* paths(node: Node, input: Json, env: Env): Generator<[Path, Json]> {
  switch (node.kind) {
    case 'identity':
      yield [[], input];
      return;
    case 'recurse':
      yield* recursePaths([], input);
      return;
    case 'index':
      for (const [p, v] of paths(node.target, input, env)) for (const key of evaluate(node.key, input, env)) yield [[...p, key], index(v, key)];
      return;
    case 'iterate':
      for (const [p, v] of paths(node.target, input, env)) {
        if (v === null) continue;
        const ks = Array.isArray(v) ? v.map((_, i) => i) : isObject(v) ? Object.keys(v) : undefined;
        if (!ks) throw new JqError(`Cannot iterate over ${describe(v)}`);
        for (const k of ks) yield [[...p, k], index(v, k)];
      }
      return;
    case 'pipe':
      for (const [p, v] of paths(node.left, input, env)) for (const [q, w] of paths(node.right, v, env)) yield [[...p, ...q], w];
      return;
    case 'comma':
      yield* paths(node.left, input, env);
      yield* paths(node.right, input, env);
      return;
    case 'try':
      try {
        for (const pv of paths(node.body, input, env)) yield pv;
      } catch (error) {
        if (!(error instanceof JqError)) throw error;
        if (node.handler) throw new JqError('try … catch is not a path expression');
      }
      return;
    case 'alternative': {
      let any = false;
      try {
        for (const pv of paths(node.left, input, env)) {
          if (truthy(pv[1])) {
            any = true;
            yield pv;
          }
        }
      } catch (error) {
        if (!(error instanceof JqError)) throw error;
      }
      if (!any) yield* paths(node.right, input, env);
      return;
    }
    case 'if':
      for (const c of evaluate(node.branches[0].condition, input, env)) {
        if (truthy(c)) yield* paths(node.branches[0].then, input, env);
        else if (node.branches.length > 1) yield* paths({ ...node, branches: node.branches.slice(1) }, input, env);
        else if (node.otherwise) yield* paths(node.otherwise, input, env);
        else yield [[], input];
      }
      return;
    case 'bind':
      for (const v of evaluate(node.source, input, env)) yield* paths(node.body, input, new Map(env).set(node.variable, v));
      return;
    case 'call':
      switch (node.name) {
        case 'empty/0':
          return;
        case 'select/1':
          for (const c of evaluate(node.args[0], input, env)) if (truthy(c)) yield [[], input];
          return;
        case 'recurse/0':
          yield* recursePaths([], input);
          return;
        case 'first/1':
          for (const pv of paths(node.args[0], input, env)) {
            yield pv;
            return;
          }
          return;
        case 'getpath/1':
          for (const p of evaluate(node.args[0], input, env)) yield [requirePath(p), getpath(input, requirePath(p))];
          return;
      }
  }
  for (const v of evaluate(node, input, env)) throw new JqError(`Invalid path expression with result ${dump(v)}`);
}

function* assign(node: Extract<Node, { kind: 'assign' }>, input: Json, env: Env): Generator<Json> {
  const targets = () => [...paths(node.target, input, env)].map(([p]) => p);
  // Copies made by this update may be changed in place (see setpath): only the update holds them,
  // as long as none is handed to the program (overlapping paths) or to delpaths.
  const owned = new Set<object>();
  const handedOut = (value: Json) => {
    if (value !== null && typeof value === 'object' && owned.has(value)) owned.clear();
  };
  if (node.op === '|=') {
    let out = input;
    for (const p of targets()) {
      const old = getpath(out, p);
      handedOut(old);
      const next = values(node.value, old, env);
      if (next.length > 0) out = setpath(out, p, next[0], owned);
      else {
        out = delpaths(out, [p]);
        owned.clear();
      }
    }
    yield out;
    return;
  }
  for (const v of evaluate(node.value, input, env)) {
    let out = input;
    owned.clear();
    for (const p of targets()) {
      const old = getpath(out, p);
      handedOut(old);
      let updated: Json;
      if (node.op === '=') updated = v;
      else if (node.op === '//=') updated = truthy(old) ? old : v;
      else updated = arithmetic(node.op.slice(0, -1), old, v);
      out = setpath(out, p, updated, owned);
    }
    yield out;
  }
}

function* construct(entries: Array<{ key: Node; value: Node }>, i: number, built: Record<string, Json>, input: Json, env: Env): Generator<Json> {
  if (i === entries.length) {
    yield built;
    return;
  }
  for (const key of evaluate(entries[i].key, input, env)) {
    if (typeof key !== 'string') throw new JqError(`Object keys must be strings, got ${describe(key)}`);
    for (const value of evaluate(entries[i].value, input, env)) yield* construct(entries, i + 1, { ...built, [key]: value }, input, env);
  }
}

function* conditional(
  branches: Array<{ condition: Node; then: Node }>,
  i: number,
  otherwise: Node | undefined,
  input: Json,
  env: Env,
): Generator<Json> {
  if (i === branches.length) {
    yield* otherwise ? evaluate(otherwise, input, env) : [input];
    return;
  }
  for (const c of evaluate(branches[i].condition, input, env)) {
    if (truthy(c)) yield* evaluate(branches[i].then, input, env);
    else yield* conditional(branches, i + 1, otherwise, input, env);
  }
}
