/**
 * Kestra's Pebble expressions: the public API of the expression engine.
 *
 * Runs inside the workflow sandbox and in activities alike, so everything here is pure JS and
 * deterministic (`now()` reads `new Date()`, which is the workflow clock in the sandbox).
 *
 * Layout: `scanner` (template segments) → `lexer` (tokens) → `parser` (AST) → `evaluator`;
 * `filters`, `functions`, `tests` are the registries; `values` holds the Java-like value model.
 */
import { Expr, Node, Template } from './ast';
import { BudgetExceeded, engineLimitMessage, metered } from './budget';
import { ExpressionError, inProperty, position } from './errors';
import { Context, Evaluation, renderString, Renderer } from './evaluator';
import { FILTERS } from './filters';
import { FUNCTIONS, IO_FUNCTIONS } from './functions';
import { compileJq, JqError, literalPatterns } from './jq';
import { regexProblem } from './regex';
import { parseTemplate } from './parser';
import { RenderOptions } from './callables';
import { TESTS } from './tests';
import { stringify as stringifyValue, toPlain } from './values';

export { ExpressionError, inProperty, UndefinedError } from './errors';
export type { Context } from './evaluator';
export type { CallContext, FilterDef, FunctionDef, RenderOptions, TestDef } from './callables';
export { CallError } from './callables';
export { FILTERS } from './filters';
export { EXECUTION_RUNTIME, FUNCTIONS, IO_FUNCTIONS, withExecutionRuntime } from './functions';
export type { ExecutionRuntime } from './functions';
export { TESTS } from './tests';
export { JavaDouble, double, stringify, toJson } from './values';
export { parseExpression, parseTemplate } from './parser';
export { JqError, runJq } from './jq';
export { LIMITS } from './budget';
export { FlowRegexError, flowRegex, matchesWhole, regexProblem } from './regex';
export type { Expr, Node, Template } from './ast';

const CACHE_LIMIT = 1000;
const cache = new Map<string, Template>();

/** Parses with a small cache: flows render the same property templates over and over. */
export function parse(template: string): Template {
  let parsed = cache.get(template);
  if (!parsed) {
    parsed = parseTemplate(template);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(template, parsed);
  }
  return parsed;
}

const renderer: Renderer = {
  renderOnce: (template, context, options) => evaluating(template, () => new Evaluation(parse(template), context, options, renderer).run()),
};

/**
 * Runs an evaluation of `template`: a budget exceeded (./budget) or a stack overflow that escaped
 * the evaluator becomes an ExpressionError naming the template, the error every caller reports
 * (a failed task naming its property, an invalid input, a validation diagnostic).
 */
function evaluating<T>(template: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    const message = error instanceof BudgetExceeded ? error.message : engineLimitMessage(error);
    if (message === undefined) throw error;
    throw new ExpressionError(`${message} in the expression \`${template}\``, template);
  }
}

/**
 * Renders a template to a string, one pass, as Kestra does (recursive rendering is off since 0.14).
 * Strings without `{` are returned untouched; `{% raw %}…{% endraw %}` is printed as written.
 */
export function render(template: string, context: Context, options: RenderOptions = {}): string {
  return metered(() => renderString(template, context, options, renderer, false));
}

/** Renders until the text stops changing (at most 100 passes), like the `render()` function. */
export function renderRecursive(template: string, context: Context, options: RenderOptions = {}): string {
  return metered(() => renderString(template, context, options, renderer, true));
}

/** A template that is exactly one `{{ … }}` (surrounding whitespace allowed) keeps the value's native type. */
export function renderTyped(template: string, context: Context, options: RenderOptions = {}): unknown {
  if (!template.includes('{')) return template;
  return metered(() => {
    const parsed = parse(template);
    const prints = parsed.nodes.filter((n) => !(n.kind === 'text' && n.text.trim() === ''));
    if (prints.length === 1 && prints[0].kind === 'print') {
      const evaluation = new Evaluation(parsed, context, options, renderer);
      const print = prints[0];
      return evaluating(template, () => toPlain(evaluation.evaluate(print.expr) ?? null));
    }
    return render(template, context, options);
  });
}

/** Evaluates a bare expression (no `{{ }}`) to its native value, e.g. for `tflow expr`. */
export function evaluateExpression(expression: string, context: Context, options: RenderOptions = {}): unknown {
  return renderTyped(`{{ ${expression} }}`, context, options);
}

/**
 * Renders task properties leaf by leaf: string leaves (and map keys) are rendered, other scalars are
 * kept. An error names the leaf it came from (`property 'headers.Authorization': …`).
 */
export function renderProperties(value: unknown, context: Context, options: RenderOptions = {}): unknown {
  // One budget for the whole value: a task's properties together cost at most one rendering.
  return metered(() => renderLeaves(value, context, options));
}

function renderLeaves(value: unknown, context: Context, options: RenderOptions): unknown {
  if (typeof value === 'string') return render(value, context, options);
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      try {
        return renderLeaves(item, context, options);
      } catch (error) {
        throw inProperty(error, `[${i}]`);
      }
    });
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      try {
        const renderedKey = render(key, context, options);
        // Kestra's `putIfAbsent`: the first key that renders to a name wins.
        if (!(renderedKey in out)) out[renderedKey] = renderLeaves(item, context, options);
      } catch (error) {
        throw inProperty(error, key);
      }
    }
    return out;
  }
  return value;
}

/**
 * Runs `body`, which renders `template` (a string, list or map) taken from `properties`; an
 * ExpressionError it throws is given the path of that property (`condition`, `inputs.name`), found
 * by searching `properties` for the template itself. For callers that render one property at a
 * time without knowing its name (flowable tasks).
 */
export function renderingProperty<T>(properties: Record<string, unknown>, template: unknown, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ExpressionError) {
      const path = pathOf(properties, template);
      if (path) for (const segment of path.reverse()) inProperty(error, segment);
    }
    throw error;
  }
}

/** Segments of the first place in `value` that holds `target` (equal string or same object), outermost first. */
function pathOf(value: unknown, target: unknown): string[] | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (value[i] === target) return [`[${i}]`];
      const inner = pathOf(value[i], target);
      if (inner) return [`[${i}]`, ...inner];
    }
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      if (item === target) return [key];
      const inner = pathOf(item, target);
      if (inner) return [key, ...inner];
    }
  }
  return undefined;
}

/**
 * Parse problems of a template, without evaluating it (for the compiler): syntax errors, and
 * filters, functions or tests that do not exist. Each error carries line and column.
 */
export function checkTemplate(template: string, options: RenderOptions = {}): ExpressionError[] {
  if (!template.includes('{')) return [];
  let parsed: Template;
  try {
    parsed = parseTemplate(template);
  } catch (e) {
    if (e instanceof ExpressionError) return [e];
    throw e;
  }
  const problems: ExpressionError[] = [];
  const report = (message: string, offset: number) => {
    const { line, column } = position(template, offset);
    problems.push(new ExpressionError(`${message} in the expression \`${template}\` at line ${line}, column ${column}`, template, line, column));
  };
  const visitExpr = (e: Expr): void => {
    switch (e.kind) {
      case 'filter':
        if (!FILTERS[e.name] && !options.filters?.[e.name]) report(`Filter [${e.name}] does not exist`, e.offset);
        if (e.name === 'jq') checkJq(e.args.positional[0] ?? e.args.named.find((a) => a.name === 'expression')?.value, report);
        for (const pattern of literalFilterPatterns(e)) {
          const problem = regexProblem(pattern.value);
          if (problem !== undefined) report(problem, pattern.offset);
        }
        visitExpr(e.input);
        e.args.positional.forEach(visitExpr);
        e.args.named.forEach((a) => visitExpr(a.value));
        break;
      case 'test':
        if (!TESTS[e.name]) report(`Test [${e.name}] does not exist`, e.offset);
        visitExpr(e.input);
        e.args.positional.forEach(visitExpr);
        break;
      case 'call':
        if (!FUNCTIONS[e.name] && !IO_FUNCTIONS.includes(e.name) && !options.functions?.[e.name])
          report(`Function or Macro [${e.name}] does not exist`, e.offset);
        e.args.positional.forEach(visitExpr);
        e.args.named.forEach((a) => visitExpr(a.value));
        break;
      case 'attribute':
        visitExpr(e.object);
        visitExpr(e.key);
        break;
      case 'list':
        e.items.forEach(visitExpr);
        break;
      case 'map':
        e.entries.forEach(([k, v]) => (visitExpr(k), visitExpr(v)));
        break;
      case 'unary':
        visitExpr(e.operand);
        break;
      case 'binary':
        visitExpr(e.left);
        visitExpr(e.right);
        break;
      case 'ternary':
        visitExpr(e.condition);
        visitExpr(e.then);
        visitExpr(e.otherwise);
        break;
    }
  };
  visitTemplateExpressions(parsed.nodes, visitExpr);
  return problems;
}

/** Calls `visitExpr` on every top expression of a template (prints, sets, conditions, loop iterables), nested blocks included. */
export function visitTemplateExpressions(nodes: Node[], visitExpr: (e: Expr) => void): void {
  for (const n of nodes) {
    if (n.kind === 'print') visitExpr(n.expr);
    else if (n.kind === 'set') visitExpr(n.value);
    else if (n.kind === 'if') {
      n.branches.forEach((b) => (visitExpr(b.condition), visitTemplateExpressions(b.body, visitExpr)));
      if (n.otherwise) visitTemplateExpressions(n.otherwise, visitExpr);
    } else if (n.kind === 'for') {
      visitExpr(n.iterable);
      visitTemplateExpressions(n.body, visitExpr);
      if (n.otherwise) visitTemplateExpressions(n.otherwise, visitExpr);
    }
  }
}

/**
 * A jq program written as a literal is compiled at check time too, so its syntax errors show
 * before a run, and so are the literal patterns of its `test` calls.
 */
function checkJq(program: Expr | undefined, report: (message: string, offset: number) => void): void {
  if (program?.kind !== 'literal' || typeof program.value !== 'string') return;
  try {
    for (const pattern of literalPatterns(compileJq(program.value))) {
      const problem = regexProblem(pattern);
      if (problem !== undefined) report(`jq expression '${program.value}': ${problem}`, program.offset);
    }
  } catch (error) {
    if (error instanceof JqError) report(error.message, program.offset);
    else throw error;
  }
}

type StringLiteral = { value: string; offset: number };

/** Regex patterns written as literals in a `split` or `replace(…, regexp=true)`, checked at validation. */
function literalFilterPatterns(e: Extract<Expr, { kind: 'filter' }>): StringLiteral[] {
  const arg = (position: number, name: string) => e.args.positional[position] ?? e.args.named.find((a) => a.name === name)?.value;
  const literal = (x: Expr | undefined): StringLiteral[] =>
    x?.kind === 'literal' && typeof x.value === 'string' ? [{ value: x.value, offset: x.offset }] : [];
  if (e.name === 'split') return literal(arg(0, 'delimiter'));
  const regexp = arg(1, 'regexp');
  const pairs = arg(0, 'replace_pairs');
  if (e.name === 'replace' && regexp?.kind === 'literal' && regexp.value === true && pairs?.kind === 'map')
    return pairs.entries.flatMap(([key]) => literal(key));
  return [];
}

/** Kestra's truthiness of a rendered condition: anything but "false", "0", "-0" and "". */
export function isTruthy(value: unknown): boolean {
  const text = stringifyValue(value).trim();
  return !['false', '0', '-0', ''].includes(text);
}
