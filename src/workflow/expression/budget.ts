/**
 * The budget of one evaluation: what an expression (with its filters, functions and jq programs)
 * may cost before it is stopped with a clear error instead of taking the process down.
 *
 * Expressions are written by flow authors and evaluated in the API process (`/flows/validate`,
 * input defaults, input validation) and in the worker, which share one event loop, and inside the
 * Temporal workflow sandbox. So the budget counts work, never time (deterministic: a replay stops
 * at the same step), and is small enough that reaching it costs well under a second of CPU.
 * docs/expressions.md documents these numbers for flow authors; change them here only.
 */

export const LIMITS = {
  /**
   * Nesting of one expression (parentheses, operators, filter chains, list and map literals),
   * of `{% if %}` / `{% for %}` blocks, and of a jq program; at run time also of `render()` calls
   * inside rendered text. Real flows nest a handful of levels.
   */
  nesting: 100,
  /**
   * Units of work of one rendering (one property, one condition, one input default), weighted
   * by COSTS below: about 2.5 million expression nodes, 1.2 million jq steps or 20 million items
   * copied, compared or sorted. A million-item `range` or a jq program over a few MB of task
   * output (parsing 3 MB of JSON is 6 million) stays below it; reaching it costs about half a
   * second of CPU.
   */
  steps: 20_000_000,
  /** Items of one list or map an expression builds (`range`, jq arrays, `+` on lists, `split`…). */
  items: 1_000_000,
  /** Characters of one string an expression builds (`~`, `join`, `*` on strings in jq, `toJson`…). */
  stringLength: 10_000_000,
} as const;

/**
 * What one piece of work costs in steps, from measurements (a Pebble node ≈ 0.3 µs, a jq step,
 * a generator, ≈ 0.7 µs, copying or comparing an item ≈ 30 ns on a 2-core machine).
 */
export const COSTS = {
  /** Evaluating one node of an expression (a variable, an operator, a filter call…). */
  node: 8,
  /** One step of a jq program (one filter applied to one input, one value passed on by `.[]` or `range`). */
  jqStep: 16,
  /** One value of a list or map turned into text (`json`, `tojson`, printing) or copied out of the engine. */
  serialized: 4,
  /** One item of a list or map built, copied or compared; one comparison of a sort. */
  item: 1,
  /** Items copied in bulk (`[...list]`, a jq update copying an array) for one step. */
  itemsCopiedPerStep: 4,
  /** Characters of text built for one step (building a string is cheap per character). */
  charactersPerStep: 64,
  /**
   * Steps per character read by the filters that are slow per character (pure-JS hashes and
   * codecs, JSON parsing): `sha512` of 1 MB is seconds of CPU, so it is counted as such.
   */
  perCharacter: { sha512: 128, sha1: 40, urldecode: 40, sha256: 32, md5: 20, urlencode: 20, base64encode: 16, base64decode: 10, json: 2 },
} as const;

/** Counts reading `text` with one of the slow per-character filters of `COSTS.perCharacter`. */
export function chargeCharacters(text: string, filter: keyof typeof COSTS.perCharacter): void {
  charge(text.length * COSTS.perCharacter[filter]);
}

/**
 * A budget was exceeded. Not a JqError, so jq's `try` and `?` cannot swallow it, and not an
 * UndefinedError, so `default` and `??` cannot either; the evaluator adds the template and position.
 */
export class BudgetExceeded extends Error {
  override name = 'BudgetExceeded';
}

class Meter {
  steps = 0;
  depth = 0;
}

/** The meter of the evaluation under way: evaluation is synchronous, so there is at most one. */
let active: Meter | undefined;

/**
 * Runs `body` under one budget: the outermost call starts a fresh meter, nested calls (a
 * `render()` inside a rendering, the leaves of a property map) share it.
 */
export function metered<T>(body: () => T): T {
  if (active) return body();
  active = new Meter();
  try {
    return body();
  } finally {
    active = undefined;
  }
}

/** Counts `units` steps of work; throws once the budget of the current evaluation is spent. */
export function charge(units: number): void {
  if (active && (active.steps += units) > LIMITS.steps) {
    active.steps = LIMITS.steps + 1;
    throw new BudgetExceeded(`the expression needs more than ${grouped(LIMITS.steps)} evaluation steps (limit of one rendering)`);
  }
}

/** Counts building a string of `length` characters, refusing one beyond the size limit. */
export function chargeString(length: number, what = 'a string'): void {
  checkStringLength(length, what);
  charge(Math.ceil(length / COSTS.charactersPerStep));
}

/** Counts building a collection of `count` items, refusing one beyond the size limit. */
export function chargeItems(count: number, what = 'a list'): void {
  checkItems(count, what);
  charge(count);
}

/** Refuses a collection of `count` items before it is built. */
export function checkItems(count: number, what = 'a list'): void {
  if (!(count <= LIMITS.items)) {
    throw new BudgetExceeded(`${what} would have ${describeCount(count)} items, more than the limit of ${grouped(LIMITS.items)}`);
  }
}

/** Refuses a string of `length` characters before it is built. */
export function checkStringLength(length: number, what = 'a string'): void {
  if (!(length <= LIMITS.stringLength)) {
    throw new BudgetExceeded(`${what} would have ${describeCount(length)} characters, more than the limit of ${grouped(LIMITS.stringLength)}`);
  }
}

/** Runs `body` one nesting level deeper (a nested `render()`), refusing to go beyond the limit. */
export function deeper<T>(body: () => T): T {
  if (!active) return body();
  const meter = active;
  if (++meter.depth > LIMITS.nesting) {
    meter.depth--;
    throw new BudgetExceeded(nestingMessage('the rendering'));
  }
  try {
    return body();
  } finally {
    meter.depth--;
  }
}

export function nestingMessage(what: string): string {
  return `${what} is nested more than ${LIMITS.nesting} levels deep`;
}

/**
 * What a failure of the JS engine itself means for a flow author: a stack overflow (data or
 * templates nested too deeply) or a string or array beyond what V8 can hold. Undefined for
 * other errors.
 */
export function engineLimitMessage(error: unknown): string | undefined {
  if (!(error instanceof RangeError)) return undefined;
  if (/call stack/i.test(error.message)) return `the expression or its data is nested too deeply (${error.message})`;
  if (/invalid (string|array|typed array) length|array buffer allocation/i.test(error.message))
    return `the expression builds a value too large (${error.message})`;
  return undefined;
}

function describeCount(n: number): string {
  return Number.isFinite(n) ? grouped(Math.trunc(n)) : 'infinitely many';
}

/** `20000000` → `20,000,000` (no Intl: the same text everywhere, sandbox included). */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * How deeply `root` nests syntax nodes (objects with a `kind`), walked without recursion so that
 * a tree too deep for the stack is measured too. Stops counting past the nesting limit.
 */
export function syntaxDepth(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    const level = typeof (value as { kind?: unknown }).kind === 'string' ? depth + 1 : depth;
    if (level > deepest) deepest = level;
    if (deepest > LIMITS.nesting) return deepest;
    for (const child of Array.isArray(value) ? value : Object.values(value))
      if (child !== null && typeof child === 'object') stack.push([child, level]);
  }
  return deepest;
}
