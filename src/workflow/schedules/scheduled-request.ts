/**
 * What a Temporal Schedule hands the generic workflow, and how the workflow turns it into an
 * ExecutionRequest. Pure and deterministic: the workflow sandbox runs `executionRequestForRun`.
 *
 * A Schedule's action arguments are fixed when the flow is deployed, but a run's execution id,
 * `trigger.date` and inputs depend on the run (input defaults may render `{{ trigger.date }}` or
 * `{{ now() }}`, as in Kestra). So the Schedule passes the trigger as written and the workflow
 * resolves it, from its nominal time (TemporalScheduledStartTime), its run id and its start time,
 * and evaluates the flow's checks there, as the client does for a manual run.
 */
import type { FlowSpec } from '../flow/spec';
import { blockedMessage, checkRequest } from '../interpreter/checks';
import type { Execution } from '../interpreter/execution';
import { type Context, render, renderProperties } from '../expression';
import type { ExecutionRequest } from '../interpreter/interpreter-port';
import { resolveInputs } from '../flow/inputs';
import { formatInZone, nextOccurrence, parseKestraCron, previousOccurrence } from './kestra-cron';
import { messageOf } from '../error-message';

/** The single argument of every Schedule's start-workflow action. */
export interface ScheduledExecutionRequest {
  /** Tells this apart from a plain ExecutionRequest. */
  kind: 'scheduled';
  flow: FlowSpec;
  schedule: ScheduleTriggerRef;
  /** The trigger's `inputs`, unrendered: flow defaults fill the rest when the run starts. */
  inputs: Record<string, unknown>;
  /** The trigger's `labels`, unrendered. */
  labels: Record<string, string>;
  /** Backfills asked for with `tflow backfill`, oldest first (see `backfillOf`). */
  backfills: BackfillRequest[];
}

export interface ScheduleTriggerRef {
  scheduleId: string;
  triggerId: string;
  cron: string;
  withSeconds: boolean;
  timezone: string;
}

/**
 * Temporal cannot tag the runs a backfill starts (temporalio/temporal#5005), so `tflow backfill`
 * records its range, inputs and labels in the Schedule's action before asking for the backfill. A run
 * belongs to the newest backfill whose range holds its nominal time and that was asked for before
 * the run started. A backfill started with `temporal schedule backfill` records nothing: its runs
 * get the trigger's inputs and labels, without `backfill:true`.
 */
export interface BackfillRequest {
  id: string;
  /** ISO instants; `end` is exclusive, as in Temporal. */
  start: string;
  end: string;
  requestedAt: string;
  inputs: Record<string, unknown>;
  labels: Record<string, string>;
}

/** How many backfills a Schedule remembers (the action argument must stay small). */
export const MAX_REMEMBERED_BACKFILLS = 20;
/** Clocks of the CLI's machine and Temporal's may disagree by this much. */
const CLOCK_SKEW_MS = 60_000;

export function isScheduledExecutionRequest(value: unknown): value is ScheduledExecutionRequest {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'scheduled';
}

/** What the workflow knows about its own run. */
export interface ScheduledRun {
  workflowId: string;
  runId: string;
  /** The Schedule's nominal time for this run (also for backfills); undefined if it cannot be found. */
  nominalTime?: Date;
  /** When this run started (workflow time). */
  startTime: Date;
}

export type ScheduledRunResolution = { request: ExecutionRequest; problems?: undefined } | { problems: string[]; execution: Execution };

/**
 * The execution id of a scheduled run. Temporal names such runs `<action workflow id>-<nominal
 * time>`, so a second backfill of the same month reuses the workflow id: the run id keeps the
 * executions apart. `splitExecutionId` reads it back.
 */
export function scheduledExecutionId(workflowId: string, runId: string): string {
  return `${workflowId}${RUN_SEPARATOR}${runId}`;
}

const RUN_SEPARATOR = '@';

/** `{workflowId, runId?}` of an execution id: a run id only for scheduled runs. */
export function splitExecutionId(executionId: string): { workflowId: string; runId?: string } {
  const at = executionId.lastIndexOf(RUN_SEPARATOR);
  if (at < 0) return { workflowId: executionId };
  return { workflowId: executionId.slice(0, at), runId: executionId.slice(at + 1) };
}

/** The nominal time Temporal appends to a scheduled run's workflow id (the fallback when the search attribute is missing). */
export function nominalTimeFromWorkflowId(workflowId: string): Date | undefined {
  const match = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/.exec(workflowId);
  return match ? new Date(match[1]) : undefined;
}

/** `trigger.date`, `trigger.next`, `trigger.previous` of a run, as Kestra renders them (ISO in the trigger's zone). */
export function scheduleTriggerVariables(schedule: ScheduleTriggerRef, nominalTime: Date): Record<string, string> {
  const cron = parseKestraCron(schedule.cron, schedule.withSeconds);
  const variables: Record<string, string> = { date: formatInZone(nominalTime, schedule.timezone) };
  const next = nextOccurrence(cron, nominalTime, schedule.timezone);
  const previous = previousOccurrence(cron, nominalTime, schedule.timezone);
  if (next) variables.next = formatInZone(next, schedule.timezone);
  if (previous) variables.previous = formatInZone(previous, schedule.timezone);
  return variables;
}

/** The backfill a run belongs to, if any. */
export function backfillOf(scheduled: ScheduledExecutionRequest, run: ScheduledRun): BackfillRequest | undefined {
  if (!run.nominalTime) return undefined;
  const nominal = run.nominalTime.getTime();
  // `?? []`: Schedules created before backfills were recorded have no list.
  return [...(scheduled.backfills ?? [])]
    .reverse()
    .find(
      (b) => Date.parse(b.start) <= nominal && nominal < Date.parse(b.end) && Date.parse(b.requestedAt) - CLOCK_SKEW_MS <= run.startTime.getTime(),
    );
}

/**
 * Builds the ExecutionRequest of one scheduled run: execution id, `trigger` variables, inputs
 * (trigger inputs, then the backfill's, rendered; flow defaults for the rest), labels and the flow's
 * checks. Invalid inputs or a failed BLOCK_EXECUTION check give `problems` and the FAILED execution
 * to report, as Kestra creates no run. `checksApply` is asked only when a check failed: false keeps
 * runs recorded before scheduled runs had checks replaying as they ran; `rangeRulesApply` likewise
 * for an input outside its DATE/TIME/DURATION range.
 */
export function executionRequestForRun(
  scheduled: ScheduledExecutionRequest,
  run: ScheduledRun,
  checksApply: () => boolean = () => true,
  rangeRulesApply: () => boolean = () => true,
): ScheduledRunResolution {
  const { flow, schedule } = scheduled;
  const executionId = scheduledExecutionId(run.workflowId, run.runId);
  const nominalTime = run.nominalTime ?? run.startTime;
  const trigger = scheduleTriggerVariables(schedule, nominalTime);
  const backfill = backfillOf(scheduled, run);
  const context: Context = {
    flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision },
    execution: { id: executionId },
    trigger,
  };
  const problems: string[] = [];
  const given: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  try {
    Object.assign(given, renderProperties(scheduled.inputs, context), renderProperties(backfill?.inputs ?? {}, context));
    for (const [key, value] of Object.entries({ ...scheduled.labels, ...(backfill?.labels ?? {}) })) {
      labels[key] = value.includes('{{') ? render(value, context) : value;
    }
  } catch (error) {
    problems.push(`Unable to render the inputs or labels of trigger ${schedule.triggerId}: ${messageOf(error)}`);
  }
  const resolved = resolveInputs(flow.inputs, given, context, { rangeRulesApply });
  problems.push(...resolved.problems.map((p) => p.message));
  if (problems.length > 0) return refused(problems);
  const request: ExecutionRequest = { executionId, flow, inputs: resolved.inputs, labels, trigger };
  const checked = checkRequest(request);
  if (!checked.request.failedChecks || !checksApply()) return { request };
  if (checked.blocking.length > 0) return refused(checked.blocking.map(blockedMessage), request.inputs);
  return { request: checked.request };

  function refused(reasons: string[], inputs: Record<string, unknown> = {}): ScheduledRunResolution {
    const now = run.startTime.toISOString();
    const execution: Execution = {
      id: executionId,
      namespace: flow.namespace,
      flowId: flow.id,
      revision: flow.revision,
      state: 'FAILED',
      inputs,
      outputs: {},
      labels: { ...flow.labels, ...labels },
      taskRuns: [],
      startDate: now,
      endDate: now,
      error: reasons.join('; '),
    };
    return { problems: reasons, execution };
  }
}
