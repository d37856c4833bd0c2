/** jq's errors: a syntax error names its column; a runtime error carries the value `catch` sees. */

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

export function syntaxError(message: string, source: string, offset: number): JqError {
  return new JqError(`Invalid jq expression '${source}': ${message} at column ${offset + 1}`);
}
