/**
 * Parses templates and expressions with Pebble's grammar and operator precedence
 * (`ExpressionParser`: precedence climbing; ternary only at the top of an expression; array and
 * map literals take no postfix access; filter and test names are not expressions).
 */
import { Args, Expr, Node, Template } from './ast';
import { engineLimitMessage, LIMITS, nestingMessage, syntaxDepth } from './budget';
import { errorAt, ExpressionError } from './errors';
import { lex, Token } from './lexer';
import { scan, Segment } from './scanner';
import { double } from './values';

interface BinaryOperator {
  precedence: number;
  type: 'normal' | 'filter' | 'test';
}

const BINARY: Record<string, BinaryOperator> = {
  or: { precedence: 10, type: 'normal' },
  and: { precedence: 15, type: 'normal' },
  is: { precedence: 20, type: 'test' },
  'is not': { precedence: 20, type: 'test' },
  contains: { precedence: 20, type: 'normal' },
  '==': { precedence: 30, type: 'normal' },
  equals: { precedence: 30, type: 'normal' },
  '!=': { precedence: 30, type: 'normal' },
  '>': { precedence: 30, type: 'normal' },
  '<': { precedence: 30, type: 'normal' },
  '>=': { precedence: 30, type: 'normal' },
  '<=': { precedence: 30, type: 'normal' },
  '+': { precedence: 40, type: 'normal' },
  '-': { precedence: 40, type: 'normal' },
  '*': { precedence: 60, type: 'normal' },
  '/': { precedence: 60, type: 'normal' },
  '%': { precedence: 60, type: 'normal' },
  '|': { precedence: 100, type: 'filter' },
  '~': { precedence: 110, type: 'normal' },
  '..': { precedence: 120, type: 'normal' },
  // Kestra's extension operators.
  '??': { precedence: 120, type: 'normal' },
  '???': { precedence: 120, type: 'normal' },
};

const UNARY_PRECEDENCE = 500;
const UNARY = ['not', '+', '-'];
const RESERVED = ['true', 'false', 'null', 'none'];

class ExpressionParser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly template: string,
    private readonly endOffset: number,
    /** Nesting levels already open around these tokens (an interpolation inside a string). */
    private depth = 0,
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  private peek(ahead = 0): Token | undefined {
    return this.tokens[this.i + ahead];
  }

  private fail(message: string, token = this.peek()): ExpressionError {
    return errorAt(message, this.template, token ? token.offset : this.endOffset);
  }

  private describe(token: Token | undefined): string {
    return token ? `\`${token.type === 'string' ? `'${token.value}'` : token.value}\`` : 'end of the expression';
  }

  private is(type: Token['type'], value?: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t !== undefined && t.type === type && (value === undefined || t.value === value);
  }

  expect(type: Token['type'], value?: string): Token {
    const t = this.peek();
    if (!t || t.type !== type || (value !== undefined && t.value !== value)) {
      throw this.fail(`Unexpected ${this.describe(t)}, expected ${value ? `\`${value}\`` : `a ${type}`}`, t);
    }
    this.i++;
    return t;
  }

  expectEnd(): void {
    if (!this.done) throw this.fail(`Unexpected ${this.describe(this.peek())}`);
  }

  /** One nesting level (the parser recurses per level): refused past the limit, before the stack runs out. */
  parseExpression(minPrecedence = 0): Expr {
    if (this.depth >= LIMITS.nesting) throw new TooDeep();
    this.depth++;
    try {
      return this.parseLevel(minPrecedence);
    } finally {
      this.depth--;
    }
  }

  private parseLevel(minPrecedence: number): Expr {
    const token = this.peek();
    if (!token) throw this.fail('Expected an expression');
    let expr: Expr;
    if (token.type === 'operator' && UNARY.includes(token.value)) {
      this.i++;
      expr = { kind: 'unary', op: token.value, operand: this.parseExpression(UNARY_PRECEDENCE), offset: token.offset };
    } else if (this.is('punct', '(')) {
      this.i++;
      expr = this.parseExpression();
      this.expect('punct', ')');
      expr = this.parsePostfix(expr);
    } else if (this.is('punct', '[')) {
      expr = this.parseList();
    } else if (this.is('punct', '{')) {
      expr = this.parseMap();
    } else {
      expr = this.parsePostfix(this.parsePrimary());
    }

    for (let t = this.peek(); t && t.type === 'operator' && BINARY[t.value] && BINARY[t.value].precedence >= minPrecedence; t = this.peek()) {
      const operator = BINARY[t.value];
      this.i++;
      if (operator.type === 'filter') {
        const name = this.expect('name');
        expr = { kind: 'filter', input: expr, name: name.value, args: this.parseOptionalArgs(), offset: name.offset };
      } else if (operator.type === 'test') {
        const name = this.expect('name');
        expr = { kind: 'test', input: expr, name: name.value, negated: t.value === 'is not', args: this.parseOptionalArgs(), offset: name.offset };
      } else {
        const right = this.parseExpression(operator.precedence + 1);
        expr = { kind: 'binary', op: t.value === 'equals' ? '==' : t.value, left: expr, right, offset: t.offset };
      }
    }

    if (minPrecedence === 0 && this.is('punct', '?')) {
      const q = this.peek()!;
      this.i++;
      const then = this.parseExpression();
      this.expect('punct', ':');
      const otherwise = this.parseExpression();
      expr = { kind: 'ternary', condition: expr, then, otherwise, offset: q.offset };
    }
    return expr;
  }

  private parsePrimary(): Expr {
    const token = this.peek()!;
    switch (token.type) {
      case 'name': {
        this.i++;
        switch (token.value) {
          case 'true':
          case 'TRUE':
            return { kind: 'literal', value: true, offset: token.offset };
          case 'false':
          case 'FALSE':
            return { kind: 'literal', value: false, offset: token.offset };
          case 'null':
          case 'NULL':
          case 'none':
          case 'NONE':
            return { kind: 'literal', value: null, offset: token.offset };
        }
        if (this.is('punct', '(')) return { kind: 'call', name: token.value, args: this.parseArgs(), offset: token.offset };
        return { kind: 'variable', name: token.value, offset: token.offset };
      }
      case 'number': {
        this.i++;
        const value = Number(token.value);
        return { kind: 'literal', value: token.value.includes('.') ? double(value) : value, offset: token.offset };
      }
      case 'string':
        this.i++;
        return { kind: 'literal', value: token.value, offset: token.offset };
      case 'interpolation': {
        this.i++;
        const parts: Expr[] = (token.parts ?? []).map((part) => {
          if (typeof part === 'string') return { kind: 'literal', value: part, offset: token.offset };
          const inner = new ExpressionParser(part, this.template, token.offset, this.depth);
          const e = inner.parseExpression();
          inner.expectEnd();
          return e;
        });
        return parts.reduce((left, right) => ({ kind: 'binary', op: '~', left, right, offset: token.offset }));
      }
      default:
        throw this.fail(`Unexpected ${this.describe(token)}`, token);
    }
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.is('punct', '.')) {
        this.i++;
        const name = this.expect('name');
        const args = this.is('punct', '(') ? this.parseArgs() : undefined;
        if (args && args.named.length > 0) throw this.fail('Can not use named arguments when calling a bean method', name);
        node = { kind: 'attribute', object: node, key: { kind: 'literal', value: name.value, offset: name.offset }, args, offset: name.offset };
      } else if (this.is('punct', '[')) {
        const open = this.peek()!;
        this.i++;
        const key = this.parseExpression();
        this.expect('punct', ']');
        node = { kind: 'attribute', object: node, key, offset: open.offset + 1 };
      } else if (this.is('punct', '(')) {
        throw this.fail('Only functions can be called');
      } else {
        return node;
      }
    }
  }

  private parseOptionalArgs(): Args {
    return this.is('punct', '(') ? this.parseArgs() : { positional: [], named: [] };
  }

  private parseArgs(): Args {
    const args: Args = { positional: [], named: [] };
    this.expect('punct', '(');
    while (!this.is('punct', ')')) {
      if (args.positional.length + args.named.length > 0) this.expect('punct', ',');
      if (this.is('name') && this.is('punct', '=', 1)) {
        const name = this.expect('name');
        if (RESERVED.includes(name.value)) throw this.fail(`Can not assign a value to ${name.value}`, name);
        this.i++;
        args.named.push({ name: name.value, value: this.parseExpression() });
      } else {
        const start = this.peek();
        const value = this.parseExpression();
        if (args.named.length > 0) throw this.fail('Positional arguments must be declared before any named arguments.', start);
        args.positional.push(value);
      }
    }
    this.expect('punct', ')');
    return args;
  }

  private parseList(): Expr {
    const open = this.expect('punct', '[');
    const items: Expr[] = [];
    while (!this.is('punct', ']')) {
      if (items.length > 0) this.expect('punct', ',');
      items.push(this.parseExpression());
    }
    this.expect('punct', ']');
    return { kind: 'list', items, offset: open.offset };
  }

  private parseMap(): Expr {
    const open = this.expect('punct', '{');
    const entries: Array<[Expr, Expr]> = [];
    while (!this.is('punct', '}')) {
      if (entries.length > 0) this.expect('punct', ',');
      const key = this.parseExpression();
      this.expect('punct', ':');
      entries.push([key, this.parseExpression()]);
    }
    this.expect('punct', '}');
    return { kind: 'map', entries, offset: open.offset };
  }

  parseNewVariableName(): string {
    const name = this.expect('name');
    if (RESERVED.includes(name.value)) throw this.fail(`Can not assign a value to ${name.value}`, name);
    return name.value;
  }
}

/** Parses a bare expression (no `{{ }}`), e.g. for a `tflow expr` console or compile-time checks. */
export function parseExpression(source: string): Expr {
  return withinNesting(source, () => {
    const { tokens } = lex(source, 0, null);
    const parser = new ExpressionParser(tokens, source, source.length);
    const expr = parser.parseExpression();
    parser.expectEnd();
    return expr;
  });
}

/**
 * Parses with the nesting limit: the parser refuses deep recursion itself; a tree made deep by
 * long operator chains (`a ~ b ~ c …`, evaluated recursively) or block nesting is measured after,
 * and a stack overflow in the scanner or lexer becomes the same clear error.
 */
function withinNesting<T extends object>(source: string, parse: () => T): T {
  let tree: T;
  try {
    tree = parse();
  } catch (error) {
    if (!(error instanceof TooDeep) && engineLimitMessage(error) === undefined) throw error;
    throw tooDeep(source);
  }
  if (syntaxDepth(tree) > LIMITS.nesting) throw tooDeep(source);
  return tree;
}

/** Thrown by the parser at the nesting limit; `withinNesting` turns it into the error for the whole source. */
class TooDeep extends Error {}

/** The template is shown cut short: one nested this deep is long and repetitive. */
function tooDeep(source: string): ExpressionError {
  const shown = source.length > 80 ? `${source.slice(0, 77)}...` : source;
  return new ExpressionError(`${nestingMessage('the expression')} in the expression \`${shown}\``, source);
}

type Frame = { tag: 'if' | 'for'; node: Extract<Node, { kind: 'if' | 'for' }>; offset: number };

export function parseTemplate(source: string): Template {
  return withinNesting(source, () => parseTemplateNodes(source));
}

function parseTemplateNodes(source: string): Template {
  const root: Node[] = [];
  const stack: Frame[] = [];
  let target = root;
  const segments: Segment[] = scan(source);
  for (const segment of segments) {
    switch (segment.kind) {
      case 'text':
        target.push({ kind: 'text', text: segment.text });
        break;
      case 'raw':
        target.push({ kind: 'raw', content: segment.content, source: segment.source });
        break;
      case 'print': {
        if (segment.tokens.length === 0) throw errorAt('Empty expression', source, segment.offset);
        const parser = new ExpressionParser(segment.tokens, source, segment.end - 2);
        const expr = parser.parseExpression();
        parser.expectEnd();
        target.push({ kind: 'print', expr, offset: segment.offset });
        break;
      }
      case 'tag': {
        const [head] = segment.tokens;
        if (!head || head.type !== 'name') throw errorAt('Expected a tag name', source, head ? head.offset : segment.offset);
        const parser = new ExpressionParser(segment.tokens.slice(1), source, segment.end - 2);
        const top = stack[stack.length - 1];
        switch (head.value) {
          case 'if': {
            const condition = parser.parseExpression();
            parser.expectEnd();
            const body: Node[] = [];
            const node: Node = { kind: 'if', branches: [{ condition, body }], offset: segment.offset };
            target.push(node);
            stack.push({ tag: 'if', node, offset: segment.offset });
            target = body;
            break;
          }
          case 'elseif': {
            if (!top || top.tag !== 'if' || top.node.kind !== 'if' || top.node.otherwise) throw errorAt('Unexpected `elseif`', source, head.offset);
            const condition = parser.parseExpression();
            parser.expectEnd();
            const body: Node[] = [];
            top.node.branches.push({ condition, body });
            target = body;
            break;
          }
          case 'else': {
            parser.expectEnd();
            if (!top || top.node.otherwise) throw errorAt('Unexpected `else`', source, head.offset);
            top.node.otherwise = [];
            target = top.node.otherwise;
            break;
          }
          case 'endif':
          case 'endfor': {
            parser.expectEnd();
            if (!top || `end${top.tag}` !== head.value) throw errorAt(`Unexpected \`${head.value}\``, source, head.offset);
            stack.pop();
            target = currentBody(stack, root);
            break;
          }
          case 'for': {
            const variable = parser.parseNewVariableName();
            parser.expect('name', 'in');
            const iterable = parser.parseExpression();
            parser.expectEnd();
            const body: Node[] = [];
            const node: Node = { kind: 'for', variable, iterable, body, offset: segment.offset };
            target.push(node);
            stack.push({ tag: 'for', node, offset: segment.offset });
            target = body;
            break;
          }
          case 'set': {
            const name = parser.parseNewVariableName();
            parser.expect('punct', '=');
            const value = parser.parseExpression();
            parser.expectEnd();
            target.push({ kind: 'set', name, value, offset: segment.offset });
            break;
          }
          default:
            throw errorAt(`Unexpected tag name \`${head.value}\``, source, head.offset);
        }
        break;
      }
    }
  }
  const open = stack[stack.length - 1];
  if (open) throw errorAt(`Unclosed \`{% ${open.tag} %}\`: expected \`{% end${open.tag} %}\``, source, open.offset);
  return { source, nodes: root };
}

function currentBody(stack: Frame[], root: Node[]): Node[] {
  const top = stack[stack.length - 1];
  if (!top) return root;
  const node = top.node;
  if (node.otherwise) return node.otherwise;
  if (node.kind === 'if') return node.branches[node.branches.length - 1].body;
  return node.body;
}
