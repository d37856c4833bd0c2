/**
 * Shapes of filters, functions and tests. Each entry declares its argument names (Pebble's
 * `getArgumentNames`): positional arguments are mapped onto them in order, named ones by name.
 */
/** The variables an expression sees. */
export type Context = Record<string, unknown>;

export type Args = Record<string, unknown>;

export interface CallContext {
  /** The variables visible where the call is evaluated (root context plus `set` and loop variables). */
  variables(): Context;
  /** Renders a string against `variables()`, as Kestra's `render()` / `renderOnce()` do. */
  render(template: string, recursive: boolean): string;
  /** Extension points supplied by the caller (see `RenderOptions`). */
  options: RenderOptions;
}

export interface FilterDef {
  args: string[];
  apply(input: unknown, args: Args, ctx: CallContext): unknown;
}

export interface FunctionDef {
  /** Argument names, or `'variadic'` for Pebble functions without names (`max(1, 2, 3)`: keys "0", "1", …). */
  args: string[] | 'variadic';
  call(args: Args, ctx: CallContext): unknown;
}

export interface TestDef {
  args: string[];
  test(input: unknown, args: Args, ctx: CallContext): boolean;
}

export interface RenderOptions {
  /** Extra or overriding functions, e.g. `kv`, `secret`, `read` backed by I/O outside the sandbox. */
  functions?: Record<string, FunctionDef>;
  filters?: Record<string, FilterDef>;
  /** The clock of `now()`; defaults to `new Date()` (the workflow's deterministic clock in the sandbox). */
  now?: () => Date;
}

/** An error raised by a filter, function or test; the evaluator adds the template and position. */
export class CallError extends Error {}
