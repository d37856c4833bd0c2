/**
 * A compact jq (https://jqlang.org) for Kestra's `jq` filter, pure JS so that it runs inside the
 * workflow sandbox. No npm package fitted: the pure-JS ones were ESM-only, gave wrong results
 * (`//`, `,` under `|`) or had no useful error messages.
 *
 * The subset (jq 1.6 semantics, as Kestra's jackson-jq):
 * - paths: `.`, `..`, `.foo`, `."foo"`, `.[e]`, `.[n]` (negative from the end), `.[]`, `.[a:b]`,
 *   optional `?` after any of them, `$var`;
 * - operators: `|`, `,`, `//`, `or`, `and`, `== != < <= > >=` (jq's total order), `+ - * / %`
 *   (with jq's meaning on strings, arrays, objects and null), unary `-`, and the assignments
 *   `=`, `|=`, `+=`, `-=`, `*=`, `/=`, `%=`, `//=` on path expressions;
 * - literals: numbers, strings with escapes and `\(…)` interpolation, `true`, `false`, `null`,
 *   array `[…]` and object `{a: e, "b": e, (k): e, $x, a}` construction;
 * - `if … then … elif … else … end`, `try e catch e`, `reduce e as $x (init; update)`, `e as $x | body`;
 * - formats `@text @json @csv @tsv @html @uri @sh @base64 @base64d` (also before a string);
 * - the functions of ./builtins.ts (`select`, `map`, `keys`, `length`, `to_entries`, `del`, `sort_by`…).
 * Not supported: `def`, `foreach`, `label`, destructuring (`. as [$a]`), `$ENV`/`env`, `input`,
 * `now` and the other date functions, regex functions other than `test`; using one is a syntax
 * error naming its column. jq 1.7's `abs`, `trim`, `ltrim`, `rtrim` are included.
 *
 * Values are the engine's (plain JS plus `JavaDouble`): values selected from the input keep their
 * type, computed numbers are plain JS numbers (an integral result prints as an integer, as in jackson-jq).
 */
import { BudgetExceeded, charge, COSTS, engineLimitMessage, LIMITS, metered, nestingMessage, syntaxDepth } from '../budget';
import { instantToString, JavaDouble } from '../values';
import { JqError, syntaxError } from './errors';
import { lex } from './lexer';
import type { Node } from './syntax-tree';
import { Parser } from './parser';
import type { Json } from './values';
import { values } from './evaluator';

const CACHE_LIMIT = 200;
const compiled = new Map<string, Node>();

/** Parses a jq program; throws a JqError naming the column of a syntax error. */
export function compileJq(source: string): Node {
  let program = compiled.get(source);
  if (!program) {
    try {
      program = new Parser(lex(source, 0, false).tokens, source).parseProgram();
    } catch (error) {
      // The lexer recurses into `\(…)` too: a stack overflow there is the same nesting error.
      if (engineLimitMessage(error) === undefined) throw error;
      throw syntaxError(nestingMessage('the jq expression'), source, 0);
    }
    // `.a.a.a…` or `1 + 1 + …` builds a deep tree without recursing while parsing; evaluating it recurses.
    if (syntaxDepth(program) > LIMITS.nesting) throw syntaxError(nestingMessage('the jq expression'), source, 0);
    if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
    compiled.set(source, program);
  }
  return program;
}

/** The patterns of `test` calls written as string literals (`test("^a+$")`), for validation. */
export function literalPatterns(program: Node): string[] {
  const found: string[] = [];
  const stack: unknown[] = [program];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const n = node as Node;
    if (n.kind === 'call' && (n.name === 'test/1' || n.name === 'test/2') && n.args[0].kind === 'literal' && typeof n.args[0].value === 'string')
      found.push(n.args[0].value);
    stack.push(...Object.values(node));
  }
  return found;
}

/** Dates become ISO strings and `undefined` null, as Jackson's `valueToTree` does. */
function toJqInput(value: unknown): Json {
  if (value === undefined) return null;
  if (value instanceof Date) return instantToString(value);
  if (value instanceof JavaDouble) return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) {
    charge(value.length * COSTS.serialized);
    return value.map(toJqInput);
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    charge(entries.length * COSTS.serialized);
    return Object.fromEntries(entries.map(([k, v]) => [k, toJqInput(v)]));
  }
  return value;
}

/** Runs `program` on `input` and returns every result, as Kestra's `jq` filter does. */
export function runJq(program: string, input: unknown): unknown[] {
  return metered(() => {
    const node = compileJq(program);
    try {
      return values(node, toJqInput(input), new Map());
    } catch (error) {
      // Budgets (../budget.ts) are not JqErrors: `try` inside the program cannot catch them.
      if (error instanceof BudgetExceeded) throw new BudgetExceeded(`jq expression '${program}': ${error.message}`);
      const limit = engineLimitMessage(error);
      if (limit !== undefined) throw new BudgetExceeded(`jq expression '${program}': ${limit}`);
      if (error instanceof JqError) throw new JqError(`jq expression '${program}' failed: ${error.message}`, error.value);
      throw error;
    }
  });
}

export { JqError };
