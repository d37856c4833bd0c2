/**
 * Flow triggers (`io.kestra.plugin.core.trigger.Flow`), the pure part: which ended executions a
 * trigger listens to (its `states`, `conditions` and `preconditions`), the subscription keys the
 * flow store indexes so that an ending execution finds its listeners with one query, and the
 * variables (`trigger.*`, upstream `outputs`) the started execution sees.
 *
 * Conditions and preconditions are declarative, as on Kestra (no Pebble), except the `expression`
 * of `Expression`/`ExecutionOutputs` conditions and `EXPRESSION` filters, rendered against the
 * trigger variables.
 */
import { z } from 'zod';
import type { PropertyProblem } from '../compiler/diagnostics';
import { EXECUTION_STATES } from '../workflow/flow/schema';
import type { FlowSpec, FlowTriggerSpec } from '../workflow/flow/spec';
import { type Execution, TERMINATED_STATES } from '../workflow/interpreter/execution';
import { type Context, matchesWhole, regexProblem, render } from '../workflow/expression';
import { parseDuration } from '../workflow/interpreter/duration';

// ---------------------------------------------------------------------------------------------
// Conditions (`conditions:`), all of which must hold

interface ConditionDefinition {
  names: string[];
  schema: z.ZodObject;
  holds(condition: Record<string, unknown>, execution: Execution, context: Context): boolean;
}

const conditionName = (short: string) => [
  `io.kestra.plugin.core.condition.${short}`,
  `io.kestra.plugin.core.condition.${short}Condition`,
  `io.kestra.core.models.conditions.types.${short}Condition`,
];

const stateList = z.array(z.string());

const CONDITIONS: ConditionDefinition[] = [
  {
    names: conditionName('ExecutionFlow'),
    schema: z.object({ namespace: z.string(), flowId: z.string() }),
    holds: (c, e) => e.namespace === c.namespace && e.flowId === c.flowId,
  },
  {
    names: conditionName('ExecutionStatus'),
    schema: z.object({ in: stateList.optional(), notIn: stateList.optional() }),
    holds: (c, e) => (!c.in || (c.in as string[]).includes(e.state)) && (!c.notIn || !(c.notIn as string[]).includes(e.state)),
  },
  {
    names: conditionName('ExecutionNamespace'),
    schema: z.object({ namespace: z.string(), comparison: z.enum(['EQUALS', 'PREFIX', 'SUFFIX']).optional(), prefix: z.boolean().optional() }),
    holds: (c, e) => compareNamespace(e.namespace, c.namespace as string, namespaceComparison(c)),
  },
  {
    names: conditionName('ExecutionLabels'),
    schema: z.object({
      labels: z.union([z.record(z.string(), z.unknown()), z.array(z.object({ key: z.string(), value: z.unknown() }))]),
    }),
    holds: (c, e) => Object.entries(labelMap(c.labels)).every(([key, value]) => e.labels[key] === value),
  },
  {
    names: conditionName('ExecutionOutputs'),
    schema: z.object({ expression: z.string() }),
    holds: (c, _e, context) => isTrue(render(c.expression as string, context)),
  },
  {
    names: conditionName('Expression'),
    schema: z.object({ expression: z.string() }),
    holds: (c, _e, context) => isTrue(render(c.expression as string, context)),
  },
];

const conditionsByName = new Map(CONDITIONS.flatMap((d) => d.names.map((name) => [name, d] as const)));

function namespaceComparison(condition: Record<string, unknown>): 'EQUALS' | 'PREFIX' | 'SUFFIX' {
  if (condition.comparison) return condition.comparison as 'EQUALS' | 'PREFIX' | 'SUFFIX';
  return condition.prefix === true ? 'PREFIX' : 'EQUALS';
}

function compareNamespace(actual: string, expected: string, comparison: 'EQUALS' | 'PREFIX' | 'SUFFIX'): boolean {
  if (comparison === 'PREFIX') return actual.startsWith(expected);
  if (comparison === 'SUFFIX') return actual.endsWith(expected);
  return actual === expected;
}

function labelMap(labels: unknown): Record<string, string> {
  const entries = Array.isArray(labels)
    ? (labels as { key: string; value: unknown }[]).map((l) => [l.key, l.value] as const)
    : Object.entries(labels as object);
  return Object.fromEntries(entries.map(([k, v]) => [k, String(v)]));
}

const isTrue = (rendered: string) => rendered.trim() === 'true';

// ---------------------------------------------------------------------------------------------
// Preconditions (`preconditions: {flows, where, timeWindow, resetOnSuccess}`)

const FILTER_FIELDS = ['FLOW_ID', 'NAMESPACE', 'STATE', 'EXPRESSION'] as const;
const FILTER_TYPES = [
  'EQUAL_TO',
  'NOT_EQUAL_TO',
  'IN',
  'NOT_IN',
  'STARTS_WITH',
  'ENDS_WITH',
  'CONTAINS',
  'REGEX',
  'IS_TRUE',
  'IS_FALSE',
  'IS_NULL',
  'IS_NOT_NULL',
] as const;

const filterSchema = z.strictObject({
  field: z.enum(FILTER_FIELDS),
  type: z.enum(FILTER_TYPES),
  value: z.string().optional(),
  values: z.array(z.string()).optional(),
});

const whereSchema = z.strictObject({
  id: z.string(),
  operand: z.enum(['AND', 'OR']).optional(),
  filters: z.array(filterSchema).min(1),
});

const timeWindowSchema = z.strictObject({
  type: z.enum(['DURATION_WINDOW', 'SLIDING_WINDOW', 'DAILY_TIME_DEADLINE', 'DAILY_TIME_WINDOW']).optional(),
  window: z.string().optional(),
  windowAdvance: z.string().optional(),
  deadline: z.string().optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
});

type Filter = z.output<typeof filterSchema>;
type Where = z.output<typeof whereSchema>;
type TimeWindow = z.output<typeof timeWindowSchema>;

interface UpstreamFlow {
  namespace: string;
  flowId?: string;
  states?: string[];
  labels?: Record<string, unknown>;
}

interface Preconditions {
  id?: string;
  flows?: UpstreamFlow[];
  where?: Where[];
  timeWindow?: TimeWindow;
  resetOnSuccess?: boolean;
}

/** One precondition an execution can satisfy: an upstream flow or a `where` group. */
interface Precondition {
  id: string;
  holds(execution: Execution, context: Context): boolean;
}

function preconditionsOf(trigger: FlowTriggerSpec): Precondition[] {
  const pre = trigger.preconditions as Preconditions | undefined;
  if (!pre) return [];
  const flows = (pre.flows ?? []).map((flow): Precondition => ({
    id: `flow:${flow.namespace}.${flow.flowId ?? '*'}:${(flow.states ?? []).join(',')}`,
    holds: (e) =>
      e.namespace === flow.namespace &&
      (flow.flowId === undefined || e.flowId === flow.flowId) &&
      (!flow.states || flow.states.length === 0 || flow.states.includes(e.state)) &&
      Object.entries(labelMap(flow.labels ?? {})).every(([k, v]) => e.labels[k] === v),
  }));
  const where = (pre.where ?? []).map((group): Precondition => ({
    id: `where:${group.id}`,
    holds: (e, context) =>
      group.operand === 'OR' ? group.filters.some((f) => filterHolds(f, e, context)) : group.filters.every((f) => filterHolds(f, e, context)),
  }));
  return [...flows, ...where];
}

function filterHolds(filter: Filter, execution: Execution, context: Context): boolean {
  const actual =
    filter.field === 'FLOW_ID'
      ? execution.flowId
      : filter.field === 'NAMESPACE'
        ? execution.namespace
        : filter.field === 'STATE'
          ? execution.state
          : render(filter.value ?? '', context);
  const expected = filter.field === 'EXPRESSION' ? undefined : filter.value;
  const values = filter.values ?? (filter.value !== undefined ? [filter.value] : []);
  switch (filter.type) {
    case 'EQUAL_TO':
      return actual === expected;
    case 'NOT_EQUAL_TO':
      return actual !== expected;
    case 'IN':
      return values.includes(actual);
    case 'NOT_IN':
      return !values.includes(actual);
    case 'STARTS_WITH':
      return expected !== undefined && actual.startsWith(expected);
    case 'ENDS_WITH':
      return expected !== undefined && actual.endsWith(expected);
    case 'CONTAINS':
      return expected !== undefined && actual.includes(expected);
    case 'REGEX':
      return expected !== undefined && matchesWhole(expected, actual);
    case 'IS_TRUE':
      return isTrue(actual);
    case 'IS_FALSE':
      return !isTrue(actual);
    case 'IS_NULL':
      return actual === '' || actual === 'null';
    case 'IS_NOT_NULL':
      return !(actual === '' || actual === 'null');
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Kestra's default `states`: the terminated ones, and PAUSED (tflow fires when an execution ends, so never on PAUSED). */
const DEFAULT_FLOW_TRIGGER_STATES: readonly string[] = [...TERMINATED_STATES, 'PAUSED'];

export type FlowTriggerVerdict =
  /** The trigger does not listen to this execution. */
  | { kind: 'no' }
  /** Start the flow now. */
  | { kind: 'fire' }
  /**
   * Several preconditions must all be met within a time window: this execution meets
   * `satisfied`; the caller records it and fires once every one of `all` is met in the window.
   */
  | { kind: 'partial'; satisfied: string[]; all: string[] };

/** Does `trigger` listen to `execution`, which just ended? `context` holds the trigger variables (see triggerContext). */
export function evaluateFlowTrigger(trigger: FlowTriggerSpec, execution: Execution, context: Context): FlowTriggerVerdict {
  if (trigger.disabled) return { kind: 'no' };
  if (!(trigger.states ?? DEFAULT_FLOW_TRIGGER_STATES).includes(execution.state)) return { kind: 'no' };
  for (const condition of trigger.conditions) {
    const definition = conditionsByName.get(condition.type as string);
    if (!definition || !definition.holds(condition, execution, context)) return { kind: 'no' };
  }
  const preconditions = preconditionsOf(trigger);
  if (preconditions.length === 0) return { kind: 'fire' };
  const satisfied = preconditions.filter((p) => p.holds(execution, context)).map((p) => p.id);
  if (satisfied.length === 0) return { kind: 'no' };
  if (preconditions.length === 1) return { kind: 'fire' };
  return { kind: 'partial', satisfied, all: preconditions.map((p) => p.id) };
}

/**
 * The time window that holds `at`, for preconditions that wait for several executions: Kestra's
 * default is a 24-hour DURATION_WINDOW. Undefined when `at` falls outside every window (after a
 * daily deadline, outside a daily time window): the execution then counts for nothing.
 * Daily windows are read in UTC.
 */
export function preconditionWindow(trigger: FlowTriggerSpec, at: Date): { start: Date; end: Date } | undefined {
  const window = ((trigger.preconditions as Preconditions | undefined)?.timeWindow ?? {}) as TimeWindow;
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const time = (text: string | undefined, fallback: number) => (text ? day + timeOfDay(text) : fallback);
  switch (window.type ?? 'DURATION_WINDOW') {
    case 'SLIDING_WINDOW': {
      const length = parseDuration(window.window ?? 'PT24H') ?? 86_400_000;
      return { start: new Date(at.getTime() - length), end: at };
    }
    case 'DAILY_TIME_DEADLINE': {
      const deadline = time(window.deadline, day + 86_400_000);
      return at.getTime() <= deadline ? { start: new Date(day), end: new Date(deadline) } : undefined;
    }
    case 'DAILY_TIME_WINDOW': {
      const start = time(window.startTime, day);
      const end = time(window.endTime, day + 86_400_000);
      return at.getTime() >= start && at.getTime() <= end ? { start: new Date(start), end: new Date(end) } : undefined;
    }
    default: {
      const length = parseDuration(window.window ?? 'PT24H') ?? 86_400_000;
      const advance = parseDuration(window.windowAdvance ?? 'PT0S') ?? 0;
      const start = Math.floor((at.getTime() - advance) / length) * length + advance;
      return { start: new Date(start), end: new Date(start + length) };
    }
  }
}

/** Whether a trigger's recorded preconditions are cleared once it fires (Kestra's `resetOnSuccess`, default true). */
export function resetsOnSuccess(trigger: FlowTriggerSpec): boolean {
  return (trigger.preconditions as Preconditions | undefined)?.resetOnSuccess !== false;
}

function timeOfDay(text: string): number {
  const [h, m, s] = text.split(':').map(Number);
  return ((h || 0) * 3600 + (m || 0) * 60 + (s || 0)) * 1000;
}

/**
 * What the started execution's expressions see: `trigger.{executionId, namespace, flowId,
 * flowRevision, state, outputs}` (`outputs` being the upstream flow's outputs) and the upstream
 * task outputs as `outputs`, as on Kestra.
 */
export function flowTriggerVariables(execution: Execution): Record<string, unknown> {
  return {
    executionId: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
    flowRevision: execution.revision,
    state: execution.state,
    outputs: execution.outputs,
  };
}

export function triggerContext(target: { namespace: string; id: string; revision: number }, execution: Execution): Context {
  return {
    flow: { id: target.id, namespace: target.namespace, revision: target.revision },
    trigger: flowTriggerVariables(execution),
    outputs: taskOutputs(execution),
    labels: execution.labels,
  };
}

/** Upstream task outputs by task id; tasks in a ForEach by their (innermost) loop value. */
function taskOutputs(execution: Execution): Record<string, unknown> {
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const run of execution.taskRuns) {
    if (Object.keys(run.outputs ?? {}).length === 0) continue;
    if (run.value === undefined) outputs[run.taskId] = run.outputs;
    else (outputs[run.taskId] ??= {})[run.value] = run.outputs;
  }
  return outputs;
}

// ---------------------------------------------------------------------------------------------
// Subscription keys: what the flow store indexes at deploy time

/**
 * An execution of namespace N and flow F may concern a trigger when some key of the trigger has
 * `namespace` equal to N (or a prefix of N when `namespacePrefix`) and `flowId` unset or F.
 * `{namespace: '', namespacePrefix: true}` matches every execution.
 */
export interface SubscriptionKey {
  namespace: string;
  namespacePrefix: boolean;
  flowId?: string;
}

const EVERY_EXECUTION: SubscriptionKey = { namespace: '', namespacePrefix: true };

/** The narrowest keys that cover every execution `trigger` can listen to. */
function subscriptionKeys(trigger: FlowTriggerSpec): SubscriptionKey[] {
  // A condition is required of every execution: one such condition is enough to narrow.
  for (const condition of trigger.conditions) {
    const definition = conditionsByName.get(condition.type as string);
    if (definition?.names[0] === 'io.kestra.plugin.core.condition.ExecutionFlow') {
      return [{ namespace: condition.namespace as string, namespacePrefix: false, flowId: condition.flowId as string }];
    }
  }
  for (const condition of trigger.conditions) {
    const definition = conditionsByName.get(condition.type as string);
    const comparison = namespaceComparison(condition);
    if (definition?.names[0] === 'io.kestra.plugin.core.condition.ExecutionNamespace' && comparison !== 'SUFFIX') {
      return [{ namespace: condition.namespace as string, namespacePrefix: comparison === 'PREFIX' }];
    }
  }
  const pre = trigger.preconditions as Preconditions | undefined;
  if (!pre || (!pre.flows?.length && !pre.where?.length)) return [EVERY_EXECUTION];
  // Any one precondition may be met by an execution: every precondition needs a key.
  const keys: SubscriptionKey[] = (pre.flows ?? []).map((f) => ({
    namespace: f.namespace,
    namespacePrefix: false,
    ...(f.flowId ? { flowId: f.flowId } : {}),
  }));
  for (const group of pre.where ?? []) keys.push(whereKey(group));
  return keys;
}

function whereKey(group: Where): SubscriptionKey {
  if (group.operand === 'OR') return EVERY_EXECUTION;
  const namespace = group.filters.find(
    (f) => f.field === 'NAMESPACE' && (f.type === 'EQUAL_TO' || f.type === 'STARTS_WITH') && f.value !== undefined,
  );
  const flowId = group.filters.find((f) => f.field === 'FLOW_ID' && f.type === 'EQUAL_TO' && f.value !== undefined);
  if (!namespace) return EVERY_EXECUTION;
  return { namespace: namespace.value!, namespacePrefix: namespace.type === 'STARTS_WITH', ...(flowId ? { flowId: flowId.value } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Validation (called by the compiler, so problems carry file:line:col)

/** A Flow trigger's `preconditions` (the trigger type's schema in src/compiler/triggers.ts reuses it). */
export const preconditionsSchema = z.strictObject({
  id: z.string().optional(),
  flows: z
    .array(
      z.strictObject({
        namespace: z.string(),
        flowId: z.string().optional(),
        states: z.array(z.enum(EXECUTION_STATES)).optional(),
        labels: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  where: z.array(whereSchema).optional(),
  timeWindow: timeWindowSchema.optional(),
  resetOnSuccess: z.boolean().optional(),
});

/** Problems with a Flow trigger's conditions and preconditions that its schema alone cannot say. */
export function flowTriggerProblems(trigger: Record<string, unknown>): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  const conditions = Array.isArray(trigger.conditions) ? (trigger.conditions as Record<string, unknown>[]) : [];
  conditions.forEach((condition, index) => {
    const definition = conditionsByName.get(condition.type as string);
    if (!definition) {
      problems.push({
        path: ['conditions', index, 'type'],
        message: `condition type '${String(condition.type)}' is not supported on a Flow trigger`,
        hint: `use one of ${CONDITIONS.map((d) => d.names[0].split('.').pop()).join(', ')} (io.kestra.plugin.core.condition.*), or preconditions`,
      });
      return;
    }
    const parsed = definition.schema.extend({ type: z.string(), id: z.string().optional() }).strict().safeParse(condition);
    for (const issue of parsed.success ? [] : parsed.error.issues) problems.push(problemOf(['conditions', index], issue));
  });
  if (trigger.preconditions !== undefined) {
    const parsed = preconditionsSchema.safeParse(trigger.preconditions);
    for (const issue of parsed.success ? [] : parsed.error.issues) problems.push(problemOf(['preconditions'], issue));
    // REGEX patterns run on RE2: one it cannot run is refused here rather than when an execution ends.
    ((trigger.preconditions as Preconditions).where ?? []).forEach((group, g) =>
      (Array.isArray(group?.filters) ? group.filters : []).forEach((filter, f) => {
        const problem = filter?.type === 'REGEX' && typeof filter.value === 'string' ? regexProblem(filter.value) : undefined;
        if (problem !== undefined) problems.push({ path: ['preconditions', 'where', g, 'filters', f, 'value'], message: problem });
      }),
    );
    const window = (trigger.preconditions as Preconditions).timeWindow;
    for (const key of ['window', 'windowAdvance'] as const) {
      if (window?.[key] !== undefined && !(parseDuration(window[key]) !== undefined && parseDuration(window[key])! >= (key === 'window' ? 1 : 0))) {
        problems.push({ path: ['preconditions', 'timeWindow', key], message: 'must be an ISO-8601 duration such as PT1H or P1D' });
      }
    }
    for (const key of ['deadline', 'startTime', 'endTime'] as const) {
      if (window?.[key] !== undefined && !/^\d{1,2}:\d{2}(:\d{2})?$/.test(window[key])) {
        problems.push({ path: ['preconditions', 'timeWindow', key], message: 'must be a time of day such as 09:00:00' });
      }
    }
  }
  return problems;
}

/** A flow's enabled Flow triggers. */
export function flowTriggersOf(flow: FlowSpec): FlowTriggerSpec[] {
  return (flow.triggers ?? []).filter((t): t is FlowTriggerSpec => t.type === FLOW_TRIGGER_TYPE && !t.disabled);
}

const FLOW_TRIGGER_TYPE = 'io.kestra.plugin.core.trigger.Flow';

/** What the flow store indexes for a flow: one row per key of each enabled Flow trigger. */
export function flowTriggerSubscriptions(flow: FlowSpec): { triggerId: string; key: SubscriptionKey }[] {
  return flowTriggersOf(flow).flatMap((trigger) => subscriptionKeys(trigger).map((key) => ({ triggerId: trigger.id, key })));
}

/** A schema issue in the words the compiler uses elsewhere (missing or unknown properties named). */
function problemOf(base: (string | number)[], issue: z.core.$ZodIssue): PropertyProblem {
  const path = [...base, ...(issue.path as (string | number)[])];
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return { path, message: `missing required property '${String(path[path.length - 1])}'` };
  if (issue.code === 'unrecognized_keys')
    return { path, message: `unknown propert${issue.keys.length > 1 ? 'ies' : 'y'} ${issue.keys.map((k) => `'${k}'`).join(', ')}` };
  return { path, message: issue.message };
}
