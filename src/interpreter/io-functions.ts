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
import { type Context, type FunctionDef, inProperty, type RenderOptions, renderProperties, renderTyped } from './expression';

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
  /** The variables of the task run at the moment the workflow rendered the others. */
  context: Context;
  /**
   * Whether a deferred property calls an I/O function: only the activity can render it. When false,
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
 * `read()` (directly or through `render(vars.x)`), or that read `taskrun.attemptsCount`, are
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
  for (const [name, value] of Object.entries(properties)) {
    let calledIo = false;
    let readAttempts = false;
    const marker = (args: readonly string[]): FunctionDef => ({
      args: [...args],
      call: () => {
        calledIo = true;
        return null;
      },
    });
    const options: RenderOptions = { functions: Object.fromEntries(Object.entries(IO_FUNCTION_ARGS).map(([fn, args]) => [fn, marker(args)])) };
    const watched = watchingAttemptsCount(context, () => (readAttempts = true));
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
  return { properties: rendered, deferred: { properties: deferred, context, callsIo } };
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
