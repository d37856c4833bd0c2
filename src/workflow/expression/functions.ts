/**
 * The function table. Functions that need I/O or execution state (`kv`, `secret`, `read`…)
 * are not built in: callers supply them through `RenderOptions.functions`, and calling one that
 * was not supplied gives a clear error instead of "does not exist".
 */
import { ZonedDateTime, Instant } from '@js-joda/core';
import { chargeCharacters, checkItems } from './budget';
import { formatZoned, zoneOf } from './dates';
import { parseJson } from './json';
import { yamlPackage } from '../on-first-use';
import { Args, CallContext, CallError, FunctionDef } from './callables';
import { isList, isMap, isNumber, javaToString, num, typeName } from './values';

/** Kestra functions that read storage, the KV store, secrets or execution state. */
export const IO_FUNCTIONS = [
  'kv',
  'secret',
  'read',
  'fileURI',
  'fileSize',
  'fileExists',
  'isFileEmpty',
  'fileEmpty',
  'encrypt',
  'decrypt',
  'http',
  'fromIon',
  'ionDecode',
  'id',
  'tasksWithState',
];

/**
 * What the interpreter of a running execution adds to the context of a task run, for the functions
 * that read execution state. Under a symbol key: spreading the context keeps it, while
 * `printContext()`, JSON and attribute lookups never see it.
 */
export interface ExecutionRuntime {
  /** The execution's ERROR log entries so far, for `errorLogs()`. */
  errorLogs(): unknown[];
  /** The values of the enclosing ForEach iterations, outermost first, for `currentEachOutput()`. */
  loopValues: readonly string[];
}

export const EXECUTION_RUNTIME = Symbol.for('tflow.executionRuntime');

/** Adds `runtime` to `context` (in place) and returns it. */
export function withExecutionRuntime<C extends Record<string, unknown>>(context: C, runtime: ExecutionRuntime): C {
  (context as Record<symbol, unknown>)[EXECUTION_RUNTIME] = runtime;
  return context;
}

function runtimeOf(ctx: CallContext): ExecutionRuntime | undefined {
  return (ctx.variables() as Record<symbol, unknown>)[EXECUTION_RUNTIME] as ExecutionRuntime | undefined;
}

/**
 * Kestra's `currentEachOutput(outputs.t)`: the outputs of task `t` for the current ForEach values,
 * found by walking the outputs map down by each loop value, outermost first. Outside an execution
 * (`tflow expr`), the loop values are read from the context as Kestra does: the values of the
 * `parents`, farthest first, then `taskrun.value`.
 */
function currentEachOutput(args: Args, ctx: CallContext): unknown {
  if (args.outputs === undefined) throw new CallError("The 'currentEachOutput' function expects an argument 'outputs'.");
  if (!isMap(args.outputs)) throw new CallError("The 'currentEachOutput' function expects an argument 'outputs' with type map.");
  let outputs = args.outputs;
  const path = runtimeOf(ctx)?.loopValues ?? loopValuesOf(ctx.variables());
  for (const [i, value] of path.entries()) {
    const next: unknown = outputs[value];
    if (i === path.length - 1) return next ?? null;
    if (!isMap(next)) throw new CallError('No execution outputs for the current task runs path');
    outputs = next;
  }
  return null;
}

function loopValuesOf(variables: Record<string, unknown>): string[] {
  const valueOf = (taskrun: unknown) =>
    isMap(taskrun) && taskrun.value !== undefined && taskrun.value !== null ? [javaToString(taskrun.value)] : [];
  const parents = isList(variables.parents) ? [...variables.parents].reverse() : [];
  return [...parents.flatMap((p) => (isMap(p) ? valueOf(p.taskrun) : [])), ...valueOf(variables.taskrun)];
}

/** Items of `range(a, b, step)`, computed before building it (an infinite bound gives Infinity). */
function rangeLength(a: number, b: number, step: number): number {
  const span = step > 0 ? b - a : a - b;
  return span >= 0 ? Math.floor(span / Math.abs(step)) + 1 : 0; // NaN bounds: nothing, as the loop would
}

function fromJson(args: Args): unknown {
  const json = args.json;
  if (json === null || json === undefined) return null;
  if (typeof json !== 'string') throw new CallError(`Invalid json input, must be a string, got ${typeName(json)}`);
  chargeCharacters(json, 'json');
  return parseJson(json);
}

function extreme(args: Args, pick: (a: number, b: number) => boolean): unknown {
  let best: unknown = null;
  for (const value of Object.values(args)) {
    if (value === null || value === undefined) continue;
    if (!isNumber(value)) throw new CallError(`invalid operands for mathematical comparison: ${javaToString(value)}`);
    if (best === null || pick(num(value), num(best as number))) best = value;
  }
  return best;
}

/** `Math.random` is seeded per workflow run by the Temporal sandbox, so these replay identically. */
function uuid4(): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const context: FunctionDef = { args: [], call: (_, ctx) => ctx.variables() };
const json: FunctionDef = { args: ['json'], call: fromJson };

export const FUNCTIONS: Record<string, FunctionDef> = {
  render: {
    args: ['toRender', 'recursive'],
    call(args, ctx) {
      const value = args.toRender;
      if (value === null || value === undefined) return null;
      if (typeof value !== 'string') return value;
      return ctx.render(value, args.recursive === undefined || args.recursive === null ? true : args.recursive === true);
    },
  },
  renderOnce: {
    args: ['toRender'],
    call(args, ctx) {
      const value = args.toRender;
      if (value === null || value === undefined) return null;
      return typeof value === 'string' ? ctx.render(value, false) : value;
    },
  },
  now: {
    args: ['format', 'timeZone', 'locale'],
    call(args, ctx) {
      const zone = zoneOf(args.timeZone);
      const now = ctx.options.now ? ctx.options.now() : new Date();
      const date = ZonedDateTime.ofInstant(Instant.ofEpochMilli(now.getTime()), zone);
      return formatZoned(date, args.format === undefined || args.format === null ? 'iso' : String(args.format), args.locale);
    },
  },
  fromJson: json,
  json,
  jsonDecode: json,
  yaml: {
    args: ['yaml'],
    call(args) {
      const text = args.yaml;
      if (text === null || text === undefined) return null;
      if (typeof text !== 'string') throw new CallError(`Invalid yaml input, must be a string, got ${typeName(text)}`);
      return yamlPackage().parse(text) as unknown;
    },
  },
  range: {
    args: ['start', 'end', 'increment'],
    call(args) {
      const { start, end } = args;
      const increment = args.increment === undefined || args.increment === null ? 1 : args.increment;
      if (!isNumber(increment)) throw new CallError(`The increment of the range function must be a number ${javaToString(increment)}`);
      const step = Math.trunc(num(increment));
      if (step === 0) throw new CallError('The increment of the range function must be different than 0');
      const out: unknown[] = [];
      if (isNumber(start) && isNumber(end)) {
        const [a, b] = [Math.trunc(num(start)), Math.trunc(num(end))];
        const length = rangeLength(a, b, step);
        checkItems(length, `range(${javaToString(start)}, ${javaToString(end)})`);
        // Counted, not compared: beyond 2^53, `i += step` may not move `i` at all.
        for (let k = 0; k < length; k++) out.push(a + k * step);
        return out;
      }
      if (typeof start === 'string' && typeof end === 'string' && start.length === 1 && end.length === 1) {
        const [a, b] = [start.charCodeAt(0), end.charCodeAt(0)];
        for (let i = a; step > 0 ? i <= b : i >= b; i += step) out.push(String.fromCharCode(i));
        return out;
      }
      throw new CallError('Arguments of range function must be of type Number or String with a length of 1');
    },
  },
  max: { args: 'variadic', call: (args) => extreme(args, (a, b) => a > b) },
  min: { args: 'variadic', call: (args) => extreme(args, (a, b) => a < b) },
  currentEachOutput: { args: ['outputs'], call: currentEachOutput },
  errorLogs: {
    args: [],
    call(_, ctx) {
      const runtime = runtimeOf(ctx);
      if (!runtime) throw new CallError("The 'errorLogs' function reads the logs of a running execution: it cannot be used here.");
      return runtime.errorLogs();
    },
  },
  printContext: context,
  fetchContext: context,
  uuid: { args: [], call: () => uuid4() },
  randomInt: {
    args: ['lower', 'upper'],
    call(args) {
      if (!isNumber(args.lower) || !isNumber(args.upper)) throw new CallError("The 'randomInt' function expects two numbers 'lower' and 'upper'.");
      const [lower, upper] = [Math.trunc(num(args.lower)), Math.trunc(num(args.upper))];
      if (upper <= lower) throw new CallError("'upper' must be greater than 'lower'");
      return lower + Math.floor(Math.random() * (upper - lower));
    },
  },
};
