/** jq's grammar: tokens (./lexer.ts) to a syntax tree (./syntax-tree.ts), with errors naming the column. */
import { LIMITS, nestingMessage } from '../budget';
import { JqError, syntaxError } from './errors';
import type { Token } from './lexer';
import type { Node } from './syntax-tree';
import { BUILTINS } from './evaluator';

const FORMATS = ['text', 'json', 'html', 'uri', 'csv', 'tsv', 'sh', 'base64', 'base64d'];
const ASSIGNMENTS = ['=', '|=', '+=', '-=', '*=', '/=', '%=', '//='];

const IDENTITY: Node = { kind: 'identity' };

export class Parser {
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
