/**
 * Rendering a runnable task's properties when some of them call I/O functions (`kv()`,
 * `secret()`, `read()`) or read `taskrun.attemptsCount`.
 *
 * The workflow renders properties (deterministic, recorded in history), but these functions need
 * the KV store, the environment or internal storage, and a secret's clear text must never reach the
 * history. So the workflow renders each top-level property on its own; a property whose rendering
 * calls an I/O function is left as written and handed, with the variables it needs, to the task's
 * activity, which renders it there with the real functions (src/activities/io-rendering.ts). Every
 * other property keeps rendering in the workflow.
 *
 * `taskrun.attemptsCount` is deferred the same way: Temporal retries an activity with the input it
 * was scheduled with, so a value rendered once in the workflow would read 0 on every attempt. The
 * activity renders such a property with its own attempt number (contextForAttempt).
 *
 * Pure and sandbox-safe: both sides import this module, so they render exactly alike.
 */
import {
  type Context,
  EXECUTION_RUNTIME,
  type Expr,
  type FunctionDef,
  inProperty,
  parseTemplate,
  type RenderOptions,
  renderProperties,
  renderTyped,
  visitTemplateExpressions,
} from '../expression';
import { isSealedSecret } from '../flow/sealed-secret';

/** The functions the activity supplies, with Kestra's argument names; calling one in the workflow defers the property. */
export const IO_FUNCTION_ARGS = {
  kv: ['key', 'namespace', 'errorOnMissing'],
  secret: ['key'],
  read: ['path'],
} as const satisfies Record<string, readonly string[]>;

export type IoFunctionName = keyof typeof IO_FUNCTION_ARGS;

/**
 * Properties that Kestra renders "typed" (a template that is exactly one `{{ … }}` keeps its
 * value's type) instead of to text: kv.Set's `value` stores a number, list or map as it is.
 */
const TYPED_PROPERTIES: Record<string, readonly string[]> = {
  'io.kestra.plugin.core.kv.Set': ['value'],
};

/** Properties the workflow could not render, for the activity to render with I/O functions. */
export interface DeferredProperties {
  /** The properties as written (after pluginDefaults), by name. */
  properties: Record<string, unknown>;
  /**
   * The variables of the task run at the moment the workflow rendered the others: only those the
   * deferred properties mention (contextReferencedBy), not every earlier output.
   */
  context: Context;
  /**
   * Whether a deferred property calls an I/O function or reads a SECRET input: only the activity can render it. When false,
   * the properties were deferred for `taskrun.attemptsCount` alone and render without I/O.
   */
  callsIo: boolean;
}

export interface RenderedTaskProperties {
  /** Rendered properties; those in `deferred` are absent. */
  properties: Record<string, unknown>;
  deferred?: DeferredProperties;
}

/** Renders one top-level property as the task type wants it (typed or to text, leaf by leaf). */
export function renderTaskProperty(type: string, name: string, value: unknown, context: Context, options: RenderOptions = {}): unknown {
  try {
    if (typeof value === 'string' && TYPED_PROPERTIES[type]?.includes(name)) return renderTyped(value, context, options);
    return renderProperties(value, context, options);
  } catch (error) {
    throw inProperty(error, name); // the error names the property: `property 'message': Unable to find …`
  }
}

/**
 * The workflow side: renders every property it can; properties that call `kv()`, `secret()` or
 * `read()` (directly or through `render(vars.x)`), or that read a SECRET input or `taskrun.attemptsCount`, are
 * deferred to the activity. Rendering errors of other properties are thrown, as before.
 *
 * Whether a property reads attemptsCount is seen while rendering it (as I/O calls are), so only
 * what the template really evaluates counts: `{% if false %}{{ taskrun.attemptsCount }}{% endif %}`
 * does not defer. Rendering is deterministic, so the decision is too.
 */
export function renderRunnableTaskProperties(type: string, properties: Record<string, unknown>, context: Context): RenderedTaskProperties {
  const rendered: Record<string, unknown> = {};
  const deferred: Record<string, unknown> = {};
  let callsIo = false;
  // What the property being rendered reads: I/O or a sealed value (deferred like I/O), the attempt count.
  let calledIo: boolean;
  let readAttempts: boolean;
  const marker = (args: readonly string[]): FunctionDef => ({
    args: [...args],
    call: () => {
      calledIo = true;
      return null;
    },
  });
  const options: RenderOptions = { functions: Object.fromEntries(Object.entries(IO_FUNCTION_ARGS).map(([fn, args]) => [fn, marker(args)])) };
  // Built once per task, not per property: watching sealed values scans the execution's outputs,
  // which grow with a loop's iterations (docs/performance.md, "Activity loops").
  const watched = watchingSealedSecrets(
    watchingAttemptsCount(context, () => (readAttempts = true)),
    () => (calledIo = true),
  );
  for (const [name, value] of Object.entries(properties)) {
    calledIo = false;
    readAttempts = false;
    try {
      const result = renderTaskProperty(type, name, value, watched, options);
      if (calledIo || readAttempts) deferred[name] = value;
      else rendered[name] = result;
    } catch (error) {
      // The stand-in `null` may have broken the expression: the activity renders it with the real value.
      if (calledIo || readAttempts) deferred[name] = value;
      else throw error;
    }
    callsIo ||= calledIo;
  }
  if (Object.keys(deferred).length === 0) return { properties: rendered };
  return { properties: rendered, deferred: { properties: deferred, context: contextReferencedBy(deferred, context), callsIo } };
}

/** Small roots a deferred property may need whatever it says (ids, dates, the attempt count). */
const ALWAYS_SENT = ['flow', 'execution', 'task', 'taskrun', 'workingDir'];

/**
 * The part of `context` that the templates in `properties` can read: the activity input carries
 * these variables only, not every earlier task's outputs (which could exceed Temporal's 2 MB
 * payload limit and would copy data the task never uses into its history). References are found
 * in the syntax: `outputs.extract.uri` keeps `outputs.extract`; a computed key (`outputs[x]`) keeps
 * the whole root; `render()`/`renderOnce()` of a flow variable adds what the flow's `vars` mention,
 * of anything else keeps the whole context, as does a template that does not parse.
 */
export function contextReferencedBy(properties: Record<string, unknown>, context: Context): Context {
  const wanted = new Map<string, Set<string> | 'all'>();
  let everything = false;
  const want = (root: string, key?: string) => {
    const seen = wanted.get(root);
    if (seen === 'all') return;
    if (key === undefined) wanted.set(root, 'all');
    else wanted.set(root, (seen ?? new Set<string>()).add(key));
  };
  const visitExpr = (e: Expr): void => {
    switch (e.kind) {
      case 'variable':
        return want(e.name);
      case 'attribute':
        if (e.object.kind === 'variable' && e.key.kind === 'literal') want(e.object.name, String(e.key.value));
        else visitExpr(e.object);
        visitExpr(e.key);
        return e.args && visitArgs(e.args);
      case 'list':
        return e.items.forEach(visitExpr);
      case 'map':
        return e.entries.forEach(([k, v]) => (visitExpr(k), visitExpr(v)));
      case 'unary':
        return visitExpr(e.operand);
      case 'binary':
        return (visitExpr(e.left), visitExpr(e.right));
      case 'ternary':
        return (visitExpr(e.condition), visitExpr(e.then), visitExpr(e.otherwise));
      case 'filter':
      case 'test':
        return (visitExpr(e.input), visitArgs(e.args));
      case 'call':
        if (e.name === 'render' || e.name === 'renderOnce') {
          const target = e.args.positional[0] ?? e.args.named[0]?.value;
          if (target && rootOf(target) === 'vars') visitValue(context.vars);
          else everything = true;
        }
        return visitArgs(e.args);
    }
  };
  const visitArgs = (args: { positional: Expr[]; named: Array<{ value: Expr }> }) => {
    args.positional.forEach(visitExpr);
    args.named.forEach((a) => visitExpr(a.value));
  };
  const visited = new Set<unknown>();
  const visitValue = (value: unknown): void => {
    if (everything || visited.has(value)) return;
    if (typeof value === 'string') {
      if (!value.includes('{')) return;
      try {
        visitTemplateExpressions(parseTemplate(value).nodes, visitExpr);
      } catch {
        everything = true; // the activity reports the syntax error; what it needs cannot be told
      }
      return;
    }
    if (value === null || typeof value !== 'object') return;
    visited.add(value);
    for (const [key, item] of Object.entries(value)) {
      visitValue(key);
      visitValue(item);
    }
  };
  visitValue(properties);
  if (everything) return context;

  const picked: Context = {};
  for (const root of ALWAYS_SENT) if (root in context) picked[root] = context[root];
  for (const [root, keys] of wanted) {
    if (!(root in context) || ALWAYS_SENT.includes(root)) continue;
    const value = context[root];
    if (keys === 'all' || value === null || typeof value !== 'object' || Array.isArray(value)) picked[root] = value;
    else picked[root] = Object.fromEntries([...keys].filter((k) => k in (value as object)).map((k) => [k, (value as Record<string, unknown>)[k]]));
  }
  // currentEachOutput() and errorLogs() when the workflow itself renders (pure tasks).
  const runtime = (context as Record<symbol, unknown>)[EXECUTION_RUNTIME];
  if (runtime !== undefined) (picked as Record<symbol, unknown>)[EXECUTION_RUNTIME] = runtime;
  return picked;
}

function rootOf(e: Expr): string | undefined {
  if (e.kind === 'variable') return e.name;
  if (e.kind === 'attribute') return rootOf(e.object);
  return undefined;
}

/**
 * A copy of `context` whose sealed SECRET inputs (../flow/sealed-secret.ts) call `onRead` when an
 * expression reads them: such a property is deferred like an I/O call, for the activity to render
 * with the clear value and mask it. Only executions started since SECRET inputs are sealed hold
 * sealed values, so older histories defer nothing new (no patch needed).
 */
function watchingSealedSecrets(context: Context, onRead: () => void): Context {
  const watch = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !containsSealedSecret(value)) return value;
    const watched: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      if (!isSealedSecret(entry)) watched[key] = watch(entry);
      else
        Object.defineProperty(watched, key, {
          enumerable: true,
          get: () => {
            onRead();
            return entry;
          },
        });
    }
    return watched;
  };
  // Sealed values live in `inputs` (SECRET flow inputs) and in `outputs` (a Pause's SECRET onResume values).
  const watched = { ...context };
  for (const scope of ['inputs', 'outputs'] as const) if (context[scope] !== undefined) watched[scope] = watch(context[scope]);
  return watched;
}

function containsSealedSecret(value: object): boolean {
  return Object.values(value).some(
    (entry) => isSealedSecret(entry) || (entry !== null && typeof entry === 'object' && !Array.isArray(entry) && containsSealedSecret(entry)),
  );
}

/** A copy of `context` whose `taskrun.attemptsCount` calls `onRead` when an expression reads it. */
function watchingAttemptsCount(context: Context, onRead: () => void): Context {
  const taskrun = context.taskrun;
  if (taskrun === null || typeof taskrun !== 'object' || !('attemptsCount' in taskrun)) return context;
  const watched: Record<string, unknown> = { ...(taskrun as Record<string, unknown>) };
  const count = watched.attemptsCount;
  Object.defineProperty(watched, 'attemptsCount', {
    enumerable: true,
    get: () => {
      onRead();
      return count;
    },
  });
  return { ...context, taskrun: watched };
}

/**
 * The variables of attempt `attempt` (1-based, as Temporal counts): `taskrun.attemptsCount` is the
 * number of attempts before this one (Kestra: 0 on the first attempt, 3 on the 4th), added to what
 * the workflow counted when it rendered the task.
 */
export function contextForAttempt(context: Context, attempt: number): Context {
  const taskrun = context.taskrun;
  if (taskrun === null || typeof taskrun !== 'object') return context;
  const before = Number((taskrun as Record<string, unknown>).attemptsCount ?? 0) || 0;
  return { ...context, taskrun: { ...(taskrun as Record<string, unknown>), attemptsCount: before + Math.max(0, attempt - 1) } };
}

/**
 * Renders properties deferred for `taskrun.attemptsCount` alone (`callsIo` false), for attempt
 * `attempt`: no I/O, so the workflow can do it too (pure tasks run in the workflow, on attempt 1).
 */
export function renderAttemptProperties(type: string, deferred: DeferredProperties, attempt: number): Record<string, unknown> {
  const context = contextForAttempt(deferred.context, attempt);
  return Object.fromEntries(Object.entries(deferred.properties).map(([name, value]) => [name, renderTaskProperty(type, name, value, context)]));
}
