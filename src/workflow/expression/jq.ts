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
 * - the functions of BUILTINS below (`select`, `map`, `keys`, `length`, `to_entries`, `del`, `sort_by`…).
 * Not supported: `def`, `foreach`, `label`, destructuring (`. as [$a]`), `$ENV`/`env`, `input`,
 * `now` and the other date functions, regex functions other than `test`; using one is a syntax
 * error naming its column. jq 1.7's `abs`, `trim`, `ltrim`, `rtrim` are included.
 *
 * Values are the engine's (plain JS plus `JavaDouble`): values selected from the input keep their
 * type, computed numbers are plain JS numbers (an integral result prints as an integer, as in jackson-jq).
 */
import {
  BudgetExceeded,
  charge,
  COSTS,
  chargeItems,
  chargeString,
  checkItems,
  checkStringLength,
  engineLimitMessage,
  LIMITS,
  metered,
  nestingMessage,
  syntaxDepth,
} from './budget';
import { utf8Length } from '../interpreter/payload-size';
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from './codec';
import { flowRegex, FlowRegexError, matchesPart } from './regex';
import { instantToString, isNumber, JavaDouble, num } from './values';

/** A jq error: bad syntax, or a runtime error (`Cannot index number with "a"`), which `try` and `?` catch. */
export class JqError extends Error {
  override name = 'JqError';
  constructor(
    message: string,
    /** The value of `error(v)`, for `catch`. */
    readonly value: unknown = message,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenType = 'punct' | 'field' | 'name' | 'keyword' | 'variable' | 'number' | 'string';
interface Token {
  type: TokenType;
  value: string;
  offset: number;
  /** Strings: literal parts and the tokens of each `\(…)`. */
  parts?: Array<string | Token[]>;
}

const KEYWORDS = new Set([
  'if',
  'then',
  'elif',
  'else',
  'end',
  'as',
  'reduce',
  'foreach',
  'try',
  'catch',
  'and',
  'or',
  'def',
  'label',
  'import',
  'include',
  '__loc__',
]);
const PUNCT = [
  '?//',
  '|=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '//=',
  '==',
  '!=',
  '<=',
  '>=',
  '//',
  '..',
  '.',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  '|',
  ',',
  ':',
  ';',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
  '@',
];
const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;

function syntaxError(message: string, source: string, offset: number): JqError {
  return new JqError(`Invalid jq expression '${source}': ${message} at column ${offset + 1}`);
}

/** Lexes from `start`; with `inInterpolation`, stops at the `)` closing a `\(`. */
function lex(source: string, start: number, inInterpolation: boolean): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let i = start;
  let depth = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '"') {
      const { token, end } = lexString(source, i);
      tokens.push(token);
      i = end;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i))!;
      tokens.push({ type: 'number', value: m[0], offset: i });
      i += m[0].length;
    } else if (c === '.' && IDENT_START.test(source[i + 1] ?? '')) {
      let j = i + 1;
      while (j < source.length && IDENT.test(source[j])) j++;
      tokens.push({ type: 'field', value: source.slice(i + 1, j), offset: i });
      i = j;
    } else if (c === '$' && IDENT_START.test(source[i + 1] ?? '')) {
      let j = i + 1;
      while (j < source.length && IDENT.test(source[j])) j++;
      tokens.push({ type: 'variable', value: source.slice(i + 1, j), offset: i });
      i = j;
    } else if (IDENT_START.test(c)) {
      let j = i;
      while (j < source.length && (IDENT.test(source[j]) || (source[j] === ':' && source[j + 1] === ':'))) j += source[j] === ':' ? 2 : 1;
      const word = source.slice(i, j);
      tokens.push({ type: KEYWORDS.has(word) ? 'keyword' : 'name', value: word, offset: i });
      i = j;
    } else {
      const p = PUNCT.find((x) => source.startsWith(x, i));
      if (!p) throw syntaxError(`unexpected character '${c}'`, source, i);
      if (inInterpolation && p === '(') depth++;
      if (inInterpolation && p === ')') {
        if (depth === 0) return { tokens, end: i + 1 };
        depth--;
      }
      tokens.push({ type: 'punct', value: p, offset: i });
      i += p.length;
    }
  }
  if (inInterpolation) throw syntaxError('unterminated `\\(` in a string', source, start);
  return { tokens, end: i };
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function lexString(source: string, start: number): { token: Token; end: number } {
  const parts: Array<string | Token[]> = [];
  let text = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '"') {
      parts.push(text);
      const plain = parts.every((p) => typeof p === 'string');
      return { token: { type: 'string', value: plain ? parts.join('') : '', offset: start, ...(plain ? {} : { parts }) }, end: i + 1 };
    }
    if (c !== '\\') {
      text += c;
      i++;
      continue;
    }
    const e = source[i + 1];
    if (e === '(') {
      parts.push(text);
      text = '';
      const inner = lex(source, i + 2, true);
      parts.push(inner.tokens);
      i = inner.end;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
      text += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (e !== undefined && ESCAPES[e] !== undefined) {
      text += ESCAPES[e];
      i += 2;
    } else {
      throw syntaxError(`invalid escape '\\${e ?? ''}' in a string`, source, i);
    }
  }
  throw syntaxError('unterminated string', source, start);
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

type Node =
  | { kind: 'identity' }
  | { kind: 'recurse' }
  | { kind: 'literal'; value: unknown }
  | { kind: 'string'; parts: Array<string | Node> }
  | { kind: 'variable'; name: string; offset: number }
  | { kind: 'index'; target: Node; key: Node; offset: number }
  | { kind: 'slice'; target: Node; from?: Node; to?: Node; offset: number }
  | { kind: 'iterate'; target: Node; offset: number }
  | { kind: 'try'; body: Node; handler?: Node }
  | { kind: 'pipe'; left: Node; right: Node }
  | { kind: 'comma'; left: Node; right: Node }
  | { kind: 'alternative'; left: Node; right: Node }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node; offset: number }
  | { kind: 'negate'; operand: Node; offset: number }
  | { kind: 'array'; body?: Node }
  | { kind: 'object'; entries: Array<{ key: Node; value: Node }> }
  | { kind: 'if'; branches: Array<{ condition: Node; then: Node }>; otherwise?: Node }
  | { kind: 'reduce'; source: Node; variable: string; init: Node; update: Node }
  | { kind: 'bind'; source: Node; variable: string; body: Node }
  | { kind: 'call'; name: string; args: Node[]; offset: number }
  | { kind: 'assign'; op: string; target: Node; value: Node }
  | { kind: 'format'; name: string; body?: Node };

const FORMATS = ['text', 'json', 'html', 'uri', 'csv', 'tsv', 'sh', 'base64', 'base64d'];
const ASSIGNMENTS = ['=', '|=', '+=', '-=', '*=', '/=', '%=', '//='];

const IDENTITY: Node = { kind: 'identity' };

class Parser {
  private i = 0;
  /** Nesting levels open (parentheses, brackets, calls, unary minus): refused past the limit. */
  private depth: number;
  /**
   * `parsePostfix` results by start token: `parsePipe` tries a term (for `term as $x | …`) and
   * parses again from the same token when it is not a binding; without the memo nested
   * parentheses would be parsed 2^depth times.
   */
  private readonly postfixAt = new Map<number, { node?: Node; error?: unknown; end: number }>();
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    /** Levels open around these tokens (a `\(…)` inside a string). */
    depth = 0,
  ) {
    this.depth = depth;
  }

  private nested<T>(parse: () => T): T {
    if (this.depth >= LIMITS.nesting) throw this.fail(nestingMessage('the jq expression'));
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private peek(ahead = 0): Token | undefined {
    return this.tokens[this.i + ahead];
  }

  private at(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t !== undefined && (t.type === 'punct' || t.type === 'keyword') && t.value === value;
  }

  private fail(message: string, token = this.peek()): JqError {
    return syntaxError(message, this.source, token ? token.offset : this.source.length);
  }

  private describe(token: Token | undefined): string {
    if (!token) return 'the end of the expression';
    return token.type === 'string'
      ? 'a string'
      : token.type === 'field'
        ? `'.${token.value}'`
        : `'${token.type === 'variable' ? '$' : ''}${token.value}'`;
  }

  private expect(value: string): Token {
    const t = this.peek();
    if (!this.at(value)) throw this.fail(`expected '${value}', found ${this.describe(t)}`, t);
    this.i++;
    return t!;
  }

  parseProgram(): Node {
    const node = this.parsePipe();
    if (this.peek()) throw this.fail(`unexpected ${this.describe(this.peek())}`);
    return node;
  }

  /** `a | b`, `a as $x | b`; the loosest level. `noComma` inside object values. */
  parsePipe(noComma = false): Node {
    return this.nested(() => this.parsePipeLevel(noComma));
  }

  private parsePipeLevel(noComma: boolean): Node {
    const start = this.i;
    if (this.peek() && !this.at('-') && !this.at('reduce') && !this.at('if') && !this.at('try')) {
      const term = this.tryParse(() => this.parsePostfix());
      if (term && this.at('as')) {
        this.i++;
        const variable = this.parseVariableName();
        this.expect('|');
        return { kind: 'bind', source: term, variable, body: this.parsePipe(noComma) };
      }
      this.i = start;
    }
    const left = noComma ? this.parseAlternative() : this.parseComma();
    if (this.at('|')) {
      this.i++;
      return { kind: 'pipe', left, right: this.parsePipe(noComma) };
    }
    return left;
  }

  private tryParse(parse: () => Node): Node | undefined {
    try {
      return parse();
    } catch (error) {
      if (error instanceof JqError) return undefined;
      throw error;
    }
  }

  private parseVariableName(): string {
    const t = this.peek();
    if (!t || t.type !== 'variable') throw this.fail(`expected a variable like $x, found ${this.describe(t)}`, t);
    this.i++;
    return t.value;
  }

  private parseComma(): Node {
    let left = this.parseAlternative();
    while (this.at(',')) {
      this.i++;
      left = { kind: 'comma', left, right: this.parseAlternative() };
    }
    return left;
  }

  private parseAlternative(): Node {
    const left = this.parseAssignment();
    if (this.at('//')) {
      this.i++;
      return { kind: 'alternative', left, right: this.parseAlternative() };
    }
    return left;
  }

  /** `path = value`, `path |= f`, `path += value`…: binds tighter than `//`, looser than `or` (jq's grammar). */
  private parseAssignment(): Node {
    const target = this.parseOr();
    const op = ASSIGNMENTS.find((o) => this.at(o));
    if (!op) return target;
    this.i++;
    const node: Node = { kind: 'assign', op, target, value: this.parseOr() };
    if (ASSIGNMENTS.some((o) => this.at(o))) throw this.fail('assignments do not chain: add parentheses');
    return node;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.at('or')) {
      this.i++;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseComparison();
    while (this.at('and')) {
      this.i++;
      left = { kind: 'and', left, right: this.parseComparison() };
    }
    return left;
  }

  private parseComparison(): Node {
    const left = this.parseAdditive();
    const op = ['==', '!=', '<=', '>=', '<', '>'].find((o) => this.at(o));
    if (!op) return left;
    const t = this.peek()!;
    this.i++;
    const node: Node = { kind: 'binary', op, left, right: this.parseAdditive(), offset: t.offset };
    if (['==', '!=', '<=', '>=', '<', '>'].some((o) => this.at(o))) throw this.fail('comparisons do not chain: add parentheses');
    return node;
  }

  private parseAdditive(): Node {
    let left = this.parseMultiplicative();
    for (let op = this.additiveOp(); op; op = this.additiveOp()) {
      const t = this.peek()!;
      this.i++;
      left = { kind: 'binary', op, left, right: this.parseMultiplicative(), offset: t.offset };
    }
    return left;
  }

  private additiveOp(): string | undefined {
    return this.at('+') ? '+' : this.at('-') ? '-' : undefined;
  }

  private parseMultiplicative(): Node {
    let left = this.parseUnary();
    for (let op = ['*', '/', '%'].find((o) => this.at(o)); op; op = ['*', '/', '%'].find((o) => this.at(o))) {
      const t = this.peek()!;
      this.i++;
      left = { kind: 'binary', op, left, right: this.parseUnary(), offset: t.offset };
    }
    return left;
  }

  private parseUnary(): Node {
    if (this.at('-')) {
      const t = this.peek()!;
      this.i++;
      return { kind: 'negate', operand: this.nested(() => this.parseUnary()), offset: t.offset };
    }
    if (this.at('reduce')) return this.parseReduce();
    if (this.at('if')) return this.parsePostfixOf(this.parseIf());
    if (this.at('try')) {
      this.i++;
      const body = this.parsePostfix();
      if (!this.at('catch')) return { kind: 'try', body };
      this.i++;
      return { kind: 'try', body, handler: this.parsePostfix() };
    }
    return this.parsePostfix();
  }

  private parseReduce(): Node {
    this.expect('reduce');
    const source = this.parsePostfix();
    this.expect('as');
    const variable = this.parseVariableName();
    this.expect('(');
    const init = this.parsePipe();
    this.expect(';');
    const update = this.parsePipe();
    this.expect(')');
    return { kind: 'reduce', source, variable, init, update };
  }

  private parseIf(): Node {
    this.expect('if');
    const branches: Array<{ condition: Node; then: Node }> = [];
    const condition = this.parsePipe();
    this.expect('then');
    branches.push({ condition, then: this.parsePipe() });
    for (;;) {
      if (this.at('elif')) {
        this.i++;
        const c = this.parsePipe();
        this.expect('then');
        branches.push({ condition: c, then: this.parsePipe() });
      } else if (this.at('else')) {
        this.i++;
        const otherwise = this.parsePipe();
        this.expect('end');
        return { kind: 'if', branches, otherwise };
      } else {
        this.expect('end');
        return { kind: 'if', branches };
      }
    }
  }

  private parsePostfix(): Node {
    const start = this.i;
    const known = this.postfixAt.get(start);
    if (known) {
      if (known.error) throw known.error;
      this.i = known.end;
      return known.node!;
    }
    try {
      const node = this.parsePostfixOf(this.parsePrimary());
      this.postfixAt.set(start, { node, end: this.i });
      return node;
    } catch (error) {
      this.postfixAt.set(start, { error, end: this.i });
      throw error;
    }
  }

  /** Suffixes: `.foo`, `."foo"`, `[e]`, `[]`, `[a:b]`, `?`. */
  private parsePostfixOf(node: Node): Node {
    for (;;) {
      const t = this.peek();
      if (!t) return node;
      if (t.type === 'field') {
        this.i++;
        node = { kind: 'index', target: node, key: { kind: 'literal', value: t.value }, offset: t.offset };
      } else if (this.at('.') && this.peek(1)?.type === 'string') {
        this.i++;
        node = { kind: 'index', target: node, key: this.parseString(this.peek()!), offset: t.offset };
      } else if (this.at('.') && this.at('[', 1)) {
        this.i++;
      } else if (this.at('[')) {
        node = this.parseBracket(node);
      } else if (this.at('?')) {
        this.i++;
        node = { kind: 'try', body: node };
      } else {
        return node;
      }
    }
  }

  private parseBracket(target: Node): Node {
    const open = this.expect('[');
    if (this.at(']')) {
      this.i++;
      return { kind: 'iterate', target, offset: open.offset };
    }
    if (this.at(':')) {
      this.i++;
      const to = this.parsePipe();
      this.expect(']');
      return { kind: 'slice', target, to, offset: open.offset };
    }
    const key = this.parsePipe();
    if (this.at(':')) {
      this.i++;
      const to = this.at(']') ? undefined : this.parsePipe();
      this.expect(']');
      return { kind: 'slice', target, from: key, ...(to ? { to } : {}), offset: open.offset };
    }
    this.expect(']');
    return { kind: 'index', target, key, offset: open.offset };
  }

  private parseString(t: Token): Node {
    this.i++;
    if (!t.parts) return { kind: 'literal', value: t.value };
    return {
      kind: 'string',
      parts: t.parts.map((p) => (typeof p === 'string' ? p : this.nested(() => new Parser(p, this.source, this.depth).parseProgram()))),
    };
  }

  private parsePrimary(): Node {
    const t = this.peek();
    if (!t) throw this.fail('expected a filter, found the end of the expression');
    switch (t.type) {
      case 'number':
        this.i++;
        return { kind: 'literal', value: Number(t.value) };
      case 'string':
        return this.parseString(t);
      case 'field':
        this.i++;
        return { kind: 'index', target: IDENTITY, key: { kind: 'literal', value: t.value }, offset: t.offset };
      case 'variable':
        this.i++;
        return { kind: 'variable', name: t.value, offset: t.offset };
      case 'name':
        return this.parseCall(t);
      case 'keyword':
        if (t.value === 'if') return this.parseIf();
        if (t.value === 'reduce') return this.parseReduce();
        if (t.value === 'def' || t.value === 'foreach' || t.value === 'label' || t.value === 'import' || t.value === 'include') {
          throw this.fail(`'${t.value}' is not supported by tflow's jq`);
        }
        throw this.fail(`unexpected '${t.value}'`);
    }
    switch (t.value) {
      case '.':
        this.i++;
        if (this.peek()?.type === 'string') return { kind: 'index', target: IDENTITY, key: this.parseString(this.peek()!), offset: t.offset };
        return IDENTITY;
      case '..':
        this.i++;
        return { kind: 'recurse' };
      case '(': {
        this.i++;
        const inner = this.parsePipe();
        this.expect(')');
        return inner;
      }
      case '[': {
        this.i++;
        if (this.at(']')) {
          this.i++;
          return { kind: 'array' };
        }
        const body = this.parsePipe();
        this.expect(']');
        return { kind: 'array', body };
      }
      case '{':
        return this.parseObject();
      case '@': {
        this.i++;
        const name = this.peek();
        if (!name || name.type !== 'name' || name.offset !== t.offset + 1 || !FORMATS.includes(name.value)) {
          throw this.fail(`unknown format: use one of ${FORMATS.map((f) => `@${f}`).join(', ')}`, t);
        }
        this.i++;
        // `@base64 "x\(.a)"` applies the format to each interpolated value.
        const next = this.peek();
        if (next?.type === 'string') return { kind: 'format', name: name.value, body: this.parseString(next) };
        return { kind: 'format', name: name.value };
      }
    }
    throw this.fail(`unexpected ${this.describe(t)}`);
  }

  private parseCall(t: Token): Node {
    this.i++;
    switch (t.value) {
      case 'true':
        return { kind: 'literal', value: true };
      case 'false':
        return { kind: 'literal', value: false };
      case 'null':
        return { kind: 'literal', value: null };
    }
    const args: Node[] = [];
    if (this.at('(')) {
      this.i++;
      args.push(this.parsePipe());
      while (this.at(';')) {
        this.i++;
        args.push(this.parsePipe());
      }
      this.expect(')');
    }
    const key = `${t.value}/${args.length}`;
    if (!BUILTINS[key]) {
      const known = Object.keys(BUILTINS).filter((k) => k.startsWith(`${t.value}/`));
      throw this.fail(known.length > 0 ? `${key} is not defined (known: ${known.join(', ')})` : `${key} is not defined`, t);
    }
    return { kind: 'call', name: key, args, offset: t.offset };
  }

  private parseObject(): Node {
    this.expect('{');
    const entries: Array<{ key: Node; value: Node }> = [];
    while (!this.at('}')) {
      if (entries.length > 0) this.expect(',');
      const t = this.peek();
      if (!t) throw this.fail("expected '}'");
      let key: Node;
      let shorthand: Node | undefined;
      if (t.type === 'variable') {
        this.i++;
        key = { kind: 'literal', value: t.value };
        shorthand = { kind: 'variable', name: t.value, offset: t.offset };
      } else if (t.type === 'name' || t.type === 'keyword') {
        this.i++;
        key = { kind: 'literal', value: t.value };
      } else if (t.type === 'string') {
        key = this.parseString(t);
      } else if (t.type === 'number') {
        throw this.fail('object keys must be strings: quote the number', t);
      } else if (this.at('(')) {
        this.i++;
        key = this.parsePipe();
        this.expect(')');
      } else {
        throw this.fail(`unexpected ${this.describe(t)} in an object`, t);
      }
      if (this.at(':')) {
        if (shorthand) throw this.fail('a $variable key takes no value');
        this.i++;
        entries.push({ key, value: this.parsePipe(true) });
      } else {
        entries.push({ key, value: shorthand ?? { kind: 'index', target: IDENTITY, key, offset: t.offset } });
      }
    }
    this.expect('}');
    return { kind: 'object', entries };
  }
}

// ---------------------------------------------------------------------------------------------
// Values

type Env = ReadonlyMap<string, unknown>;
type Json = unknown;

function typeOf(v: Json): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (isNumber(v)) return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

const TYPE_ORDER = ['null', 'boolean', 'number', 'string', 'array', 'object'];

function isObject(v: Json): v is Record<string, Json> {
  return typeOf(v) === 'object';
}

function truthy(v: Json): boolean {
  return v !== null && v !== undefined && v !== false;
}

/** jq's text of a value (compact JSON), cut short for error messages. */
function dump(v: Json, max = 40): string {
  const text = toJqJson(v);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function toJqJson(v: Json): string {
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

function describe(v: Json): string {
  return `${typeOf(v)} (${dump(v)})`;
}

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
function compare(a: Json, b: Json): number {
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

function plainNumber(v: Json): number {
  return num(v as number);
}

function arithmetic(op: string, a: Json, b: Json): Json {
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

function splitString(s: string, separator: string): string[] {
  if (s === '') return [];
  return separator === '' ? [...s] : s.split(separator);
}

function index(target: Json, key: Json): Json {
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

function slice(target: Json, from: Json, to: Json): Json {
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

function* iterate(target: Json): Generator<Json> {
  if (Array.isArray(target)) {
    charge(target.length * COSTS.jqStep);
    yield* target;
  } else if (isObject(target)) {
    const items = Object.values(target);
    charge(items.length * COSTS.jqStep);
    yield* items;
  } else throw new JqError(target === null || target === undefined ? 'Cannot iterate over null' : `Cannot iterate over ${describe(target)}`);
}

function* recurse(v: Json): Generator<Json> {
  charge(COSTS.item);
  yield v;
  if (Array.isArray(v) || isObject(v)) for (const child of iterate(v)) yield* recurse(child);
}

function length(v: Json): Json {
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

function keys(v: Json, sorted: boolean): Json {
  if (Array.isArray(v)) return v.map((_, i) => i);
  if (isObject(v)) return sorted ? Object.keys(v).sort() : Object.keys(v);
  throw new JqError(`${describe(v)} has no keys`);
}

function has(v: Json, key: Json): boolean {
  if (isObject(v) && typeof key === 'string') return Object.prototype.hasOwnProperty.call(v, key);
  if (Array.isArray(v) && isNumber(key)) return plainNumber(key) >= 0 && plainNumber(key) < v.length;
  throw new JqError(`Cannot check whether ${typeOf(v)} has a ${typeOf(key)} key`);
}

function contains(a: Json, b: Json): boolean {
  charge(COSTS.item);
  const [ta, tb] = [typeOf(a), typeOf(b)];
  if (ta !== tb) throw new JqError(`${describe(a)} and ${describe(b)} cannot have their containment checked`);
  if (ta === 'object') return Object.entries(b as Record<string, Json>).every(([k, v]) => has(a, k) && contains((a as Record<string, Json>)[k], v));
  if (ta === 'array') return (b as Json[]).every((y) => (a as Json[]).some((x) => typeOf(x) === typeOf(y) && contains(x, y)));
  if (ta === 'string') return (a as string).includes(b as string);
  return compare(a, b) === 0;
}

function toEntries(v: Json): Json {
  if (Array.isArray(v)) return v.map((value, key) => ({ key, value }));
  if (!isObject(v)) throw new JqError(`${describe(v)} has no keys`);
  return Object.entries(v).map(([key, value]) => ({ key, value }));
}

/** Positions of `x` in a string (substring) or an array (element, or sub-array when `x` is one). */
function indices(v: Json, x: Json): Json {
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

function fromEntries(v: Json): Json {
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

function toText(v: Json): string {
  return typeof v === 'string' ? v : toJqJson(v);
}

function toNumber(v: Json): number {
  if (isNumber(v)) return plainNumber(v);
  // `\d+(\.\d*)?`, not `\d+\.?\d*` (same numbers): the latter backtracks quadratically on long digit runs.
  if (typeof v === 'string' && /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  throw new JqError(`${describe(v)} cannot be parsed as a number`);
}

function flatten(v: Json, depth: number): Json[] {
  if (!Array.isArray(v)) throw new JqError(`Cannot iterate over ${describe(v)}`);
  if (depth < 0) throw new JqError('flatten depth must not be negative');
  return v.flatMap((x) => (Array.isArray(x) && depth > 0 ? flatten(x, depth - 1) : [x]));
}

function sortedBy(v: Json, keysOf: (x: Json) => Json[]): Json[] {
  if (!Array.isArray(v)) throw new JqError(`${describe(v)} cannot be sorted, as it is not an array`);
  return v
    .map((x, i) => ({ x, k: keysOf(x), i }))
    .sort((p, q) => (charge(COSTS.item), compare(p.k, q.k) || p.i - q.i))
    .map((p) => p.x);
}

function requireArray(v: Json, what: string): Json[] {
  if (!Array.isArray(v)) throw new JqError(`${what} needs an array, got ${describe(v)}`);
  return v;
}

function requireString(v: Json, what: string): string {
  if (typeof v !== 'string') throw new JqError(`${what} needs a string, got ${describe(v)}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Builtin = (input: Json, args: Node[], env: Env) => Iterable<Json>;

/** All values of `node`, collected (for arguments used as values: `join(", ")`, `has("a")`). */
function values(node: Node, input: Json, env: Env): Json[] {
  const out: Json[] = [];
  for (const v of evaluate(node, input, env)) {
    out.push(v);
    checkItems(out.length, 'an array');
  }
  return out;
}

/** A function of the input alone: one output. */
function map1(fn: (input: Json) => Json): Builtin {
  return function* (input) {
    yield fn(input);
  };
}

/** A function of the input and one argument: one output per value of the argument. */
function withArg(fn: (input: Json, arg: Json) => Json): Builtin {
  return function* (input, [arg], env) {
    for (const a of evaluate(arg, input, env)) yield fn(input, a);
  };
}

function typeSelector(type: string | string[]): Builtin {
  const types = Array.isArray(type) ? type : [type];
  return function* (input) {
    if (types.includes(typeOf(input))) yield input;
  };
}

const BUILTINS: Record<string, Builtin> = {
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

/** jq's regex with its flags (`i`, `s`; `x`, `n`, `g` change nothing for `test`), on RE2 (see ./regex). */
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

// ---------------------------------------------------------------------------------------------
// Paths: what `path(f)`, `del(f)` and the assignment operators work on

type Path = Json[];

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

function* recursePaths(prefix: Path, v: Json): Generator<[Path, Json]> {
  charge(1 + prefix.length);
  yield [prefix, v];
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* recursePaths([...prefix, i], v[i]);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) yield* recursePaths([...prefix, k], x);
}

function requirePath(p: Json): Path {
  if (!Array.isArray(p)) throw new JqError('Path must be specified as an array');
  return p;
}

function getpath(v: Json, path: Path): Json {
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
function setpath(v: Json, path: Path, value: Json, owned?: Set<object>): Json {
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

function delpaths(v: Json, list: Path[]): Json {
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

// ---------------------------------------------------------------------------------------------
// Public API

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
      // Budgets (./budget) are not JqErrors: `try` inside the program cannot catch them.
      if (error instanceof BudgetExceeded) throw new BudgetExceeded(`jq expression '${program}': ${error.message}`);
      const limit = engineLimitMessage(error);
      if (limit !== undefined) throw new BudgetExceeded(`jq expression '${program}': ${limit}`);
      if (error instanceof JqError) throw new JqError(`jq expression '${program}' failed: ${error.message}`, error.value);
      throw error;
    }
  });
}
