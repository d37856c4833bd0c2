/** Errors of the expression engine; every one names the template and, where known, the position in it. */

export class ExpressionError extends Error {
  override name = 'ExpressionError';
  /** The message without the property it came from. */
  readonly detail: string;
  /** The task property the template came from (`message`, `headers.Authorization`, `sql[0]`), once known. */
  property?: string;
  constructor(
    message: string,
    readonly template: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.detail = message;
  }
}

/**
 * Pebble's `AttributeNotFoundException` in strict mode. A distinct class because `default`,
 * `is defined`, `??` and `???` swallow exactly this error and nothing else. Kestra's text ends at
 * the line; we add the column.
 */
export class UndefinedError extends ExpressionError {
  override name = 'UndefinedError';
  constructor(
    readonly attribute: string,
    template: string,
    line: number,
    column: number,
  ) {
    super(`Unable to find \`${attribute}\` used in the expression \`${template}\` at line ${line}, column ${column}`, template, line, column);
  }
}

/**
 * Records that `error` (when an ExpressionError) came from the property `segment` of the value
 * being rendered: segments are added from the leaf outwards, so a caller that renders property
 * `headers` of a task turns `Authorization` into `headers.Authorization`. Returns the error.
 */
export function inProperty<E>(error: E, segment: string): E {
  if (error instanceof ExpressionError) {
    const inner = error.property;
    error.property = inner === undefined ? segment : inner.startsWith('[') ? segment + inner : `${segment}.${inner}`;
    error.message = `property '${error.property}': ${error.detail}`;
  }
  return error;
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
