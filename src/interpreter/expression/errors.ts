/** Errors of the expression engine; every one names the template and, where known, the position in it. */

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

/**
 * Pebble's `AttributeNotFoundException` in strict mode. A distinct class because `default`,
 * `is defined`, `??` and `???` swallow exactly this error and nothing else.
 */
export class UndefinedError extends ExpressionError {
  override name = 'UndefinedError';
  constructor(
    readonly attribute: string,
    template: string,
    line: number,
    column: number,
  ) {
    super(`Unable to find \`${attribute}\` used in the expression \`${template}\` at line ${line}`, template, line, column);
  }
}

/** 1-based line and column of `offset` in `text`. */
export function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function errorAt(message: string, template: string, offset: number): ExpressionError {
  const { line, column } = position(template, offset);
  return new ExpressionError(`${message} in the expression \`${template}\` at line ${line}, column ${column}`, template, line, column);
}
