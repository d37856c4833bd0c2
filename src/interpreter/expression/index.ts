/**
 * Kestra's Pebble expressions: the public API of the expression engine.
 *
 * Runs inside the workflow sandbox and in activities alike, so it must stay pure and deterministic.
 * (Walking-skeleton version: dotted paths and `[ ]` access only; the expression issue grows it.)
 */

export class ExpressionError extends Error {
  override name = 'ExpressionError';
  constructor(
    message: string,
    readonly template: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

export type Context = Record<string, unknown>;

const TAG = /\{\{([\s\S]*?)\}\}/g;
const PATH = /^\s*([A-Za-z_][\w]*)((?:\.[A-Za-z_][\w]*|\[\s*(?:'[^']*'|"[^"]*"|\d+)\s*\])*)\s*$/;

function evaluate(expression: string, context: Context, template: string): unknown {
  const match = PATH.exec(expression);
  if (!match) throw new ExpressionError(`Unsupported expression \`${expression.trim()}\``, template);
  const segments = [match[1], ...[...match[2].matchAll(/\.([A-Za-z_]\w*)|\[\s*(?:'([^']*)'|"([^"]*)"|(\d+))\s*\]/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4])];
  let value: unknown = context;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object' || !(segment in (value as object))) {
      throw new ExpressionError(`Unable to find \`${segment}\` used in the expression \`${template}\` at line 1`, template);
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Serialises a rendered value the way Kestra prints it inside a string. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Renders a template to a string (Kestra's `render`). Strings without `{` are returned as they are. */
export function render(template: string, context: Context): string {
  if (!template.includes('{')) return template;
  return template.replace(TAG, (_, expression: string) => stringify(evaluate(expression, context, template)));
}

/** Renders a template; a template that is exactly one `{{ … }}` keeps the value's native type. */
export function renderTyped(template: string, context: Context): unknown {
  const whole = /^\s*\{\{([\s\S]*?)\}\}\s*$/.exec(template);
  if (whole && !whole[1].includes('}}')) return evaluate(whole[1], context, template);
  return render(template, context);
}

/** Renders task properties leaf by leaf: string leaves (and map keys) are rendered, other scalars are kept. */
export function renderProperties(value: unknown, context: Context): unknown {
  if (typeof value === 'string') return render(value, context);
  if (Array.isArray(value)) return value.map((item) => renderProperties(item, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [render(key, context), renderProperties(item, context)]),
    );
  }
  return value;
}

/** Parse problems of a template, without evaluating it (for the compiler). */
export function checkTemplate(template: string): ExpressionError[] {
  const problems: ExpressionError[] = [];
  for (const match of template.matchAll(TAG)) {
    if (!PATH.test(match[1])) problems.push(new ExpressionError(`Unsupported expression \`${match[1].trim()}\``, template));
  }
  return problems;
}

/** Kestra's truthiness of a rendered condition: anything but "false", "0", "-0" and "". */
export function isTruthy(value: unknown): boolean {
  const text = stringify(value).trim();
  return !['false', '0', '-0', ''].includes(text);
}
