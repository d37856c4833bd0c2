/** Path updates: reading, setting and deleting the values at paths (`getpath`, `setpath`, `delpaths`, assignments). */
import { charge, checkItems, COSTS, LIMITS } from '../budget';
import { isNumber } from '../values';
import { JqError } from './errors';
import { compare, index, isObject, type Json, plainNumber, typeOf } from './values';

export type Path = Json[];

export function* recursePaths(prefix: Path, v: Json): Generator<[Path, Json]> {
  charge(1 + prefix.length);
  yield [prefix, v];
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* recursePaths([...prefix, i], v[i]);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) yield* recursePaths([...prefix, k], x);
}

export function requirePath(p: Json): Path {
  if (!Array.isArray(p)) throw new JqError('Path must be specified as an array');
  return p;
}

export function getpath(v: Json, path: Path): Json {
  let current = v;
  for (const key of path) {
    if (current === null) return null;
    current = index(current, key);
  }
  return current;
}

/**
 * `v` with the value at `path` replaced. Values are immutable, so the maps and arrays along the
 * path are copied, except those in `owned`: copies this same update made (an assignment updates
 * many paths: `.[] |= f` copies the array once, not once per item).
 */
export function setpath(v: Json, path: Path, value: Json, owned?: Set<object>): Json {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (typeof key === 'string') {
    if (v !== null && !isObject(v)) throw new JqError(`Cannot index ${typeOf(v)} with ${JSON.stringify(key)}`);
    const o = (v ?? {}) as Record<string, Json>;
    const updated = o[key] ?? null;
    const target = owned?.has(o) ? o : copied({ ...o }, Object.keys(o).length, owned);
    target[key] = setpath(updated, rest, value, owned);
    return target;
  }
  if (isNumber(key)) {
    if (v !== null && !Array.isArray(v)) throw new JqError(`Cannot index ${typeOf(v)} with number`);
    let i = Math.floor(plainNumber(key));
    if (i >= LIMITS.items) checkItems(i + 1, `setting index ${i} gives an array that`);
    const source = (v ?? []) as Json[];
    const a = owned?.has(source) ? source : copied([...source], source.length, owned);
    if (i < 0) i += a.length;
    if (i < 0) throw new JqError('Out of bounds negative array index');
    // `.[300000000] = 1` pads with nulls: refused before the padding, not when the heap runs out.
    checkItems(i + 1, `setting index ${i} gives an array that`);
    if (i > a.length) charge(i - a.length);
    while (a.length < i) a.push(null);
    a[i] = setpath(a[i] ?? null, rest, value, owned);
    return a;
  }
  throw new JqError(`Cannot update field at object index of ${typeOf(v)}`);
}

/** A copy setpath made, counted, and owned by the update under way when there is one. */
function copied<T extends object>(copy: T, items: number, owned: Set<object> | undefined): T {
  charge(Math.ceil(items / COSTS.itemsCopiedPerStep));
  owned?.add(copy);
  return copy;
}

export function delpaths(v: Json, list: Path[]): Json {
  const filtered = deleteIndices(v, list);
  if (filtered !== undefined) return filtered;
  // Longest and last paths first, so that deleting one does not move the others.
  const sorted = [...list].sort((a, b) => compare(b, a));
  return sorted.reduce((acc, path) => deletePath(acc, path), v);
}

/**
 * `del(.[] | select(…))`: many items of one array deleted in one pass (one by one, each deletion
 * copies the array). Undefined unless the paths are distinct non-negative indices of `v`.
 */
function deleteIndices(v: Json, list: Path[]): Json[] | undefined {
  if (!Array.isArray(v) || list.length < 2) return undefined;
  const doomed = new Set<number>();
  for (const path of list) {
    if (path.length !== 1 || !isNumber(path[0])) return undefined;
    const i = Math.floor(plainNumber(path[0]));
    if (i < 0 || doomed.has(i)) return undefined;
    doomed.add(i);
  }
  charge(v.length);
  return v.filter((_, i) => !doomed.has(i));
}

function deletePath(v: Json, path: Path): Json {
  if (path.length === 0) return null;
  if (v === null) return null;
  const [key, ...rest] = path;
  if (rest.length > 0) {
    const child = index(v, key);
    if (child === null) return v;
    return setpath(v, [key], deletePath(child, rest));
  }
  if (typeof key === 'string' && isObject(v)) {
    const { [key]: _removed, ...others } = v;
    charge(Math.ceil(Object.keys(others).length / COSTS.itemsCopiedPerStep));
    return others;
  }
  if (isNumber(key) && Array.isArray(v)) {
    let i = Math.floor(plainNumber(key));
    if (i < 0) i += v.length;
    // Each deletion copies the array: deleting many items of a long array is quadratic, and counted so.
    charge(Math.ceil(v.length / COSTS.itemsCopiedPerStep));
    return i >= 0 && i < v.length ? [...v.slice(0, i), ...v.slice(i + 1)] : v;
  }
  throw new JqError(`Cannot delete field at ${typeOf(key)} index of ${typeOf(v)}`);
}
