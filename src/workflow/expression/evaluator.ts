/**
 * Evaluates parsed templates with Kestra's Pebble semantics: strict variables, Java-like operators,
 * JSON output of maps and lists.
 */
import { Args as ArgNodes, Expr, Node, Template } from './ast';
import { BudgetExceeded, charge, COSTS, chargeItems, chargeString, checkStringLength, deeper, engineLimitMessage } from './budget';
import { ExpressionError, position, UndefinedError } from './errors';
import { FILTERS } from './filters';
import { FUNCTIONS, IO_FUNCTIONS } from './functions';
import { memberAccess } from './members';
import { Args, CallContext, CallError, type Context, RenderOptions } from './callables';
import { TESTS } from './tests';
import { double, isDouble, isList, isMap, isNumber, javaEquals, javaToString, num, stringify, toBoolean } from './values';

export type { Context } from './callables';

export const MAX_RENDERING_AMOUNT = 100;

export interface Renderer {
  /** One Pebble pass; `{% raw %}` blocks are kept with their tags (Kestra strips them at the very end). */
  renderOnce(template: string, context: Context, options: RenderOptions): string;
}

type Scope = Map<string, unknown>;

export class Evaluation {
  private readonly scopes: Scope[] = [new Map()];
  private readonly callContext: CallContext;

  constructor(
    private readonly template: Template,
    private readonly context: Context,
    private readonly options: RenderOptions,
    private readonly renderer: Renderer,
  ) {
    this.callContext = {
      variables: () => this.variables(),
      // A `render()` inside a rendering is one level deeper: a template that renders itself stops at the limit.
      render: (text, recursive) => deeper(() => renderString(text, this.variables(), options, renderer, recursive)),
      options,
    };
  }

  /** Characters printed so far, against the size limit of one string. */
  private printed = 0;

  run(): string {
    const out: string[] = [];
    this.renderNodes(this.template.nodes, out);
    return out.join('');
  }

  private print(text: string, out: string[]): void {
    this.printed += text.length;
    checkStringLength(this.printed, 'the rendered text');
    charge(COSTS.item);
    out.push(text);
  }

  private renderNodes(nodes: Node[], out: string[]): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          this.print(node.text, out);
          break;
        case 'raw':
          this.print(node.source, out);
          break;
        case 'print': {
          const value = this.evaluate(node.expr);
          this.print(
            this.guard(() => stringify(value), node.offset),
            out,
          );
          break;
        }
        case 'set':
          this.assign(node.name, this.evaluate(node.value));
          break;
        case 'if': {
          const branch = node.branches.find((b) => this.condition(b.condition));
          if (branch) this.renderNodes(branch.body, out);
          else if (node.otherwise) this.renderNodes(node.otherwise, out);
          break;
        }
        case 'for':
          this.renderFor(node, out);
          break;
      }
    }
  }

  private renderFor(node: Extract<Node, { kind: 'for' }>, out: string[]): void {
    const iterable = this.evaluate(node.iterable);
    if (iterable === null || iterable === undefined) return;
    const items = toIterable(iterable);
    if (!items) throw this.fail(`Can not iterate over a ${describe(iterable)}`, node.iterable.offset);
    if (items.length === 0) {
      if (node.otherwise) this.renderNodes(node.otherwise, out);
      return;
    }
    const scope: Scope = new Map();
    this.scopes.push(scope);
    try {
      items.forEach((item, index) => {
        // An iteration is work even when its body is empty (`{% for a in r %}{% for b in r %}…`).
        this.step(node.offset);
        scope.set(node.variable, item);
        scope.set('loop', {
          index,
          revindex: items.length - index - 1,
          first: index === 0,
          last: index === items.length - 1,
          length: items.length,
        });
        this.renderNodes(node.body, out);
      });
    } finally {
      this.scopes.pop();
    }
  }

  /** Pebble's `ScopeChain.set`: update the innermost scope that has the name, else the current one. */
  private assign(name: string, value: unknown): void {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      if (this.scopes[i].has(name)) {
        this.scopes[i].set(name, value);
        return;
      }
    }
    this.scopes[this.scopes.length - 1].set(name, value);
  }

  private variables(): Context {
    const merged: Context = { ...this.context };
    for (const scope of this.scopes) for (const [k, v] of scope) merged[k] = v;
    return merged;
  }

  private condition(expr: Expr): boolean {
    return toBoolean(this.evaluate(expr));
  }

  private fail(message: string, offset: number): ExpressionError {
    const source = this.template.source;
    const { line, column } = position(source, offset);
    return new ExpressionError(`${message} in the expression \`${source}\` at line ${line}, column ${column}`, source, line, column);
  }

  private undefinedError(attribute: string, offset: number): UndefinedError {
    const { line, column } = position(this.template.source, offset);
    return new UndefinedError(attribute, this.template.source, line, column);
  }

  /** Evaluates `expr`, turning "undefined" into `undefined` instead of an error (for the exempt forms). */
  private evaluateLenient(expr: Expr): unknown {
    try {
      return this.evaluate(expr);
    } catch (e) {
      if (e instanceof UndefinedError) return undefined;
      throw e;
    }
  }

  evaluate(expr: Expr): unknown {
    this.step(expr.offset);
    switch (expr.kind) {
      case 'literal':
        return expr.value;
      case 'variable':
        return this.lookup(expr.name, expr.offset);
      case 'attribute':
        return this.attribute(expr);
      case 'list':
        return expr.items.map((item) => this.evaluate(item));
      case 'map': {
        const map: Record<string, unknown> = {};
        for (const [k, v] of expr.entries) map[javaToString(this.evaluate(k))] = this.evaluate(v);
        return map;
      }
      case 'unary':
        return this.unary(expr);
      case 'binary':
        return this.binary(expr);
      case 'ternary':
        return this.condition(expr.condition) ? this.evaluate(expr.then) : this.evaluate(expr.otherwise);
      case 'filter':
        return this.filter(expr);
      case 'test':
        return this.test(expr);
      case 'call':
        return this.call(expr);
    }
  }

  private lookup(name: string, offset: number): unknown {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      if (this.scopes[i].has(name)) return this.scopes[i].get(name);
    }
    if (Object.prototype.hasOwnProperty.call(this.context, name)) return nullish(this.context[name]);
    throw this.undefinedError(name, offset);
  }

  private attribute(expr: Extract<Expr, { kind: 'attribute' }>): unknown {
    const object = this.evaluate(expr.object);
    const key = this.evaluate(expr.key);
    const name = javaToString(key);
    if (object === null || object === undefined) {
      // Pebble names the root variable when it is the one that is null, else the attribute.
      if (expr.object.kind === 'variable') throw this.undefinedError(expr.object.name, expr.object.offset);
      throw this.undefinedError(name, expr.offset);
    }
    if (expr.args === undefined) {
      if (isMap(object) && Object.prototype.hasOwnProperty.call(object, name)) return nullish(object[name]);
      if (isList(object)) {
        const index = isNumber(key) ? num(key) : /^-?\d+$/.test(name) ? Number(name) : NaN;
        if (Number.isInteger(index)) {
          if (index >= 0 && index < object.length) return nullish(object[index]);
          throw this.undefinedError(name, expr.offset);
        }
      }
    }
    const args = expr.args ? expr.args.positional.map((a) => this.evaluate(a)) : undefined;
    const member = this.guard(() => memberAccess(object, name, args), expr.offset);
    if (member.found) return this.guard(() => sized(member.value), expr.offset);
    throw this.undefinedError(name, expr.offset);
  }

  private unary(expr: Extract<Expr, { kind: 'unary' }>): unknown {
    const value = this.evaluate(expr.operand);
    if (expr.op === 'not') return !toBoolean(value);
    return this.guard(() => arithmetic('*', expr.op === '-' ? -1 : 1, value), expr.offset);
  }

  private binary(expr: Extract<Expr, { kind: 'binary' }>): unknown {
    switch (expr.op) {
      case 'and':
        return this.condition(expr.left) && this.condition(expr.right);
      case 'or':
        return this.condition(expr.left) || this.condition(expr.right);
      case '??': {
        const left = this.evaluateLenient(expr.left);
        return left === null || left === undefined ? this.evaluate(expr.right) : left;
      }
      case '???': {
        const left = this.evaluateLenient(expr.left);
        return left === undefined ? this.evaluate(expr.right) : left;
      }
    }
    const left = this.evaluate(expr.left);
    const right = this.evaluate(expr.right);
    switch (expr.op) {
      case '~':
        return this.guard(
          () =>
            concat(left === null || left === undefined ? '' : javaToString(left), right === null || right === undefined ? '' : javaToString(right)),
          expr.offset,
        );
      case '==':
        return javaEquals(left, right);
      case '!=':
        return !javaEquals(left, right);
      case '<':
      case '>':
      case '<=':
      case '>=':
        return this.guard(() => compare(expr.op, left, right), expr.offset);
      case 'contains':
        return this.guard(() => contains(left, right), expr.offset);
      case '..':
        return this.guard(() => FUNCTIONS.range.call({ start: left, end: right }, this.callContext), expr.offset);
      default:
        return this.guard(() => arithmetic(expr.op, left, right), expr.offset);
    }
  }

  private arguments(nodes: ArgNodes, names: string[] | 'variadic', what: string): Args {
    const args: Args = {};
    if (names === 'variadic') {
      if (nodes.named.length > 0) throw this.fail(`${what} takes no named arguments`, nodes.named[0].value.offset);
      nodes.positional.forEach((node, i) => (args[String(i)] = this.evaluate(node)));
      return args;
    }
    nodes.positional.forEach((node, i) => {
      if (i >= names.length) {
        throw this.fail(`The argument at position ${i + 1} is not allowed for ${what}. Only ${names.length} argument(s) are allowed`, node.offset);
      }
      args[names[i]] = this.evaluate(node);
    });
    for (const { name, value } of nodes.named) {
      if (!names.includes(name))
        throw this.fail(`The argument \`${name}\` is not allowed for ${what}. Allowed: ${names.join(', ') || 'none'}`, value.offset);
      args[name] = this.evaluate(value);
    }
    return args;
  }

  private filter(expr: Extract<Expr, { kind: 'filter' }>): unknown {
    const filter = this.options.filters?.[expr.name] ?? FILTERS[expr.name];
    if (!filter) throw this.fail(`Filter [${expr.name}] does not exist`, expr.offset);
    // Pebble evaluates the input of `default` without strictness.
    const input = expr.name === 'default' ? nullish(this.evaluateLenient(expr.input)) : this.evaluate(expr.input);
    const args = this.arguments(expr.args, filter.args, `filter \`${expr.name}\``);
    return this.guard(() => {
      const result = filter.apply(input, args, this.callContext);
      // A filter that hands its input back (`default`, `sort` of a non-list) built nothing.
      return result === input ? result : sized(result);
    }, expr.offset);
  }

  private test(expr: Extract<Expr, { kind: 'test' }>): boolean {
    const test = TESTS[expr.name];
    if (!test) throw this.fail(`Test [${expr.name}] does not exist`, expr.offset);
    const input = expr.name === 'defined' ? nullish(this.evaluateLenient(expr.input)) : this.evaluate(expr.input);
    const args = this.arguments(expr.args, test.args, `test \`${expr.name}\``);
    const result = this.guard(() => test.test(input, args, this.callContext), expr.offset);
    return expr.negated ? !result : result;
  }

  private call(expr: Extract<Expr, { kind: 'call' }>): unknown {
    const fn = this.options.functions?.[expr.name] ?? FUNCTIONS[expr.name];
    if (!fn) {
      if (IO_FUNCTIONS.includes(expr.name)) {
        throw this.fail(
          `Function \`${expr.name}()\` is not available here: it needs I/O and must be supplied through RenderOptions.functions`,
          expr.offset,
        );
      }
      throw this.fail(`Function or Macro [${expr.name}] does not exist`, expr.offset);
    }
    const args = this.arguments(expr.args, fn.args, `function \`${expr.name}\``);
    return this.guard(() => sized(fn.call(args, this.callContext)), expr.offset);
  }

  /** One step of the budget, failing with the position of the expression being evaluated. */
  private step(offset: number): void {
    try {
      charge(COSTS.node);
    } catch (e) {
      throw this.fail((e as Error).message, offset);
    }
  }

  /**
   * Runs a filter/function/operator body, giving its failures the template and position; a budget
   * exceeded or a stack overflow becomes such an error too, so it fails the task or the validation.
   */
  private guard<T>(body: () => T, offset: number): T {
    try {
      return body();
    } catch (e) {
      if (e instanceof ExpressionError) throw e;
      const message = e instanceof BudgetExceeded ? e.message : (engineLimitMessage(e) ?? (e instanceof Error ? e.message : String(e)));
      throw this.fail(message, offset);
    }
  }
}

/**
 * Counts a value a filter, function or member returned against the budget: a string by its
 * length, a list or map by its items (the work of building it; a size beyond the limit is refused).
 */
function sized<T>(value: T): T {
  if (typeof value === 'string') chargeString(value.length);
  else if (isList(value)) chargeItems(value.length);
  else if (isMap(value)) chargeItems(Object.keys(value).length, 'a map');
  return value;
}

/** `~` and `+` on strings: refused before a string beyond the size limit is built. */
function concat(left: string, right: string): string {
  chargeString(left.length + right.length);
  return left + right;
}

function nullish(value: unknown): unknown {
  return value === undefined ? null : value;
}

function describe(value: unknown): string {
  if (isMap(value)) return 'map';
  if (isList(value)) return 'list';
  return typeof value;
}

/** Pebble's `for` accepts lists and maps (iterating entries with `key` and `value`). */
function toIterable(value: unknown): unknown[] | undefined {
  if (isList(value)) return value;
  if (isMap(value)) return Object.entries(value).map(([key, v]) => ({ key, value: v }));
  return undefined;
}

/** Pebble's `OperatorUtils` arithmetic with Java's Long/Double widening. */
export function arithmetic(op: string, left: unknown, right: unknown): unknown {
  if (op === '+' && (typeof left === 'string' || typeof right === 'string')) return concat(javaToString(left), javaToString(right));
  if (op === '+' && isList(left)) {
    chargeItems(left.length + (isList(right) ? right.length : 1));
    return isList(right) ? [...left, ...right] : [...left, right];
  }
  if (op === '-' && isList(left)) {
    // Each item of the left is compared with each of the right.
    charge(left.length * (isList(right) ? right.length : 1));
    return isList(right) ? left.filter((x) => !right.some((y) => javaEquals(x, y))) : removeFirst(left, right);
  }
  const names: Record<string, string> = { '+': 'ADD', '-': 'SUBTRACT', '*': 'MULTIPLICATION', '/': 'DIVISION', '%': 'MODULUS' };
  if (!isNumber(left) || !isNumber(right)) throw new CallError(`invalid operands for mathematical operation [${names[op]}]`);
  const a = num(left);
  const b = num(right);
  if (isDouble(left) || isDouble(right)) {
    switch (op) {
      case '+':
        return double(a + b);
      case '-':
        return double(a - b);
      case '*':
        return double(a * b);
      case '/':
        return double(a / b);
      default:
        return double(a % b);
    }
  }
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new CallError('/ by zero');
      return Math.trunc(a / b);
    default:
      if (b === 0) throw new CallError('/ by zero');
      return a % b;
  }
}

function removeFirst(list: unknown[], item: unknown): unknown[] {
  const i = list.findIndex((x) => javaEquals(x, item));
  return i < 0 ? [...list] : [...list.slice(0, i), ...list.slice(i + 1)];
}

/** Kestra's comparison operators: numbers by value, strings lexicographically, null never compares. */
function compare(op: string, left: unknown, right: unknown): boolean {
  if (left === null || left === undefined || right === null || right === undefined) return false;
  let c: number;
  if (typeof left === 'string' && typeof right === 'string') c = left < right ? -1 : left > right ? 1 : 0;
  else if (isNumber(left) && isNumber(right)) c = Math.sign(num(left) - num(right));
  else {
    const names: Record<string, string> = { '<': 'less than', '>': 'greater than', '<=': 'less than equals', '>=': 'greater than equals' };
    throw new CallError(`Could not perform ${names[op]} comparison between ${javaToString(left)} and ${javaToString(right)}`);
  }
  switch (op) {
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    default:
      return c >= 0;
  }
}

/** Pebble's `contains`: list membership, map keys, substrings. */
function contains(left: unknown, right: unknown): boolean {
  if (left === null || left === undefined) return false;
  if (isMap(left)) {
    const has = (k: unknown) => Object.prototype.hasOwnProperty.call(left, javaToString(k));
    return isList(right) ? right.every(has) : has(right);
  }
  if (isList(left)) {
    charge(left.length * (isList(right) ? right.length : 1));
    const has = (x: unknown) => left.some((y) => javaEquals(y, x));
    return isList(right) ? right.every(has) : has(right);
  }
  if (typeof left === 'string') return left.includes(javaToString(right));
  throw new CallError(
    `Contains operator can only be used on Maps, Collections, Strings and arrays. Actual type of the left-hand operand was: ${describe(left)}`,
  );
}

/** Kestra's `render()`: one pass, or passes until the text stops changing (at most 100). */
export function renderString(text: string, context: Context, options: RenderOptions, renderer: Renderer, recursive: boolean): string {
  if (!text.includes('{')) return text;
  let current = renderer.renderOnce(text, context, options);
  if (recursive) {
    for (let count = 0; ; count++) {
      if (count > MAX_RENDERING_AMOUNT) throw new ExpressionError('Too many rendering attempts', text);
      const next = renderer.renderOnce(current, context, options);
      if (next === current) break;
      current = next;
    }
  }
  return stripRaw(current);
}

const RAW_OPEN = /\{%-*\s*raw\s*-*%\}/g;
const RAW_CLOSE = /\{%-*\s*endraw\s*-*%\}/g;

/**
 * Kestra's final `RAW_PATTERN` replacement (`{% raw %}x{% endraw %}` → `x`), as a scan: the
 * regex with a lazy body tries every opening against the rest of the text, which is quadratic
 * when rendered data holds many openings without a closing.
 */
export function stripRaw(text: string): string {
  if (!text.includes('raw')) return text;
  let out = '';
  let from = 0;
  RAW_OPEN.lastIndex = 0;
  for (let open = RAW_OPEN.exec(text); open; open = RAW_OPEN.exec(text)) {
    RAW_CLOSE.lastIndex = open.index + open[0].length;
    const close = RAW_CLOSE.exec(text);
    if (!close) break; // no later opening has a closing either
    out += text.slice(from, open.index) + text.slice(open.index + open[0].length, close.index);
    from = close.index + close[0].length;
    RAW_OPEN.lastIndex = from;
  }
  return out + text.slice(from);
}
