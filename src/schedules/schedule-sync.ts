/**
 * One Temporal Schedule per Schedule trigger, id `<namespace>.<flowId>.<triggerId>`, kept in step
 * with the deployed flow: created, updated in place (read-modify-write `handle.update`, never
 * delete-and-recreate, which would lose the Schedule's history, notes and recorded backfills),
 * paused when the trigger or the flow is disabled, deleted with the trigger or the flow.
 *
 * Whether a Schedule is up to date is decided by a digest of what tflow would write, kept in the
 * action's memo: comparing against the server's normalised description would be brittle.
 */
import { createHash } from 'node:crypto';
import {
  type Client,
  type ScheduleDescription,
  ScheduleNotFoundError,
  type ScheduleOptions,
  ScheduleOverlapPolicy,
  type ScheduleSpec,
} from '@temporalio/client';
import type { TflowConfig } from '../config';
import type { ConcurrencySpec, FlowSpec, ScheduleTriggerSpec } from '../workflow/flow/spec';
import { parseDuration } from '../workflow/interpreter/duration';
import { executionSearchAttributes } from '../workflow/search-attributes';
import { parseKestraCron, temporalCalendars } from '../workflow/schedules/kestra-cron';
import { isScheduledExecutionRequest, type ScheduledExecutionRequest } from '../workflow/schedules/scheduled-request';

export const SCHEDULE_TRIGGER_TYPE = 'io.kestra.plugin.core.trigger.Schedule';

/** Kestra's default `recoverMissedSchedules: ALL`: a missed tick is still run up to a year late. */
const CATCHUP_ALL_MS = 365 * 24 * 3600 * 1000;
/** Temporal's smallest catch-up window: the closest to `recoverMissedSchedules: NONE`. */
const CATCHUP_MIN_MS = 10_000;

export function scheduleIdOf(flow: Pick<FlowSpec, 'namespace' | 'id'>, triggerId: string): string {
  return `${flow.namespace}.${flow.id}.${triggerId}`;
}

export function scheduleTriggersOf(flow: FlowSpec): ScheduleTriggerSpec[] {
  return (flow.triggers ?? []).filter((t): t is ScheduleTriggerSpec => t.type === SCHEDULE_TRIGGER_TYPE);
}

/**
 * Flow `concurrency` as the Schedule's overlap policy. Limit 1 with QUEUE (Kestra's default) is
 * exactly BUFFER_ALL: ticks and backfilled months run one after the other, none is dropped.
 * CANCEL with limit 1 drops the tick, as SKIP does. Otherwise every tick starts (ALLOW_ALL) and the
 * flow's own concurrency limit, if any, applies to the runs.
 */
export function overlapPolicyFor(concurrency: ConcurrencySpec | undefined): ScheduleOverlapPolicy {
  if (concurrency?.limit === 1 && concurrency.behavior === 'QUEUE') return ScheduleOverlapPolicy.BUFFER_ALL;
  if (concurrency?.limit === 1 && concurrency.behavior === 'CANCEL') return ScheduleOverlapPolicy.SKIP;
  return ScheduleOverlapPolicy.ALLOW_ALL;
}

/**
 * `recoverMissedSchedules` and `lateMaximumDelay` as a catch-up window (always set: Temporal's
 * documented and actual defaults disagree). LAST has no Temporal equivalent and is treated as ALL.
 */
export function catchupWindowFor(trigger: ScheduleTriggerSpec): number {
  let window = trigger.recoverMissedSchedules === 'NONE' ? CATCHUP_MIN_MS : CATCHUP_ALL_MS;
  const late = trigger.lateMaximumDelay ? parseDuration(trigger.lateMaximumDelay) : undefined;
  if (late !== undefined) window = Math.min(window, late);
  return Math.max(CATCHUP_MIN_MS, window);
}

export interface DesiredSchedule {
  scheduleId: string;
  trigger: ScheduleTriggerSpec;
  paused: boolean;
  timezone: string;
  /** The Schedule as tflow creates it. */
  options: ScheduleOptions;
  /** Of everything tflow sets, to tell whether an existing Schedule needs an update. */
  digest: string;
}

/** The action memo key holding the digest (it also tells which flow revision the run came from). */
const DEPLOY_MEMO = 'tflowDeploy';

/** What the flow's Schedule triggers should look like on Temporal. `flow.revision` must be the flow store's. */
export function desiredSchedules(flow: FlowSpec, config: Pick<TflowConfig, 'taskQueue'>): DesiredSchedule[] {
  return scheduleTriggersOf(flow).map((trigger) => {
    const scheduleId = scheduleIdOf(flow, trigger.id);
    const timezone = trigger.timezone ?? 'UTC';
    const cron = parseKestraCron(trigger.cron, trigger.withSeconds);
    const spec: ScheduleSpec = {
      calendars: temporalCalendars(cron, `cron "${trigger.cron}"${trigger.withSeconds ? ' withSeconds' : ''} (Kestra trigger ${trigger.id})`),
      timezone,
    };
    const request: ScheduledExecutionRequest = {
      kind: 'scheduled',
      flow,
      schedule: { scheduleId, triggerId: trigger.id, cron: trigger.cron, withSeconds: trigger.withSeconds, timezone },
      inputs: trigger.inputs,
      labels: trigger.labels,
      backfills: [],
    };
    const policies = { overlap: overlapPolicyFor(flow.concurrency), catchupWindow: catchupWindowFor(trigger), pauseOnFailure: false };
    const paused = flow.disabled || trigger.disabled;
    const action = {
      type: 'startWorkflow' as const,
      // The dynamic workflow runs any flow: the type is what the Web UI shows.
      workflowType: `${flow.namespace}.${flow.id}`,
      taskQueue: config.taskQueue,
      // Temporal appends the nominal time: `<namespace>.<flowId>.<triggerId>-2019-01-01T09:00:00Z`.
      workflowId: scheduleId,
      args: [request],
      typedSearchAttributes: [...executionSearchAttributes(flow, { ...flow.labels, ...trigger.labels })],
      staticSummary: `${flow.namespace}.${flow.id} (revision ${flow.revision}), trigger ${trigger.id}`.slice(0, 190),
    };
    const digest = digestOf({ spec, policies, action, paused });
    return {
      scheduleId,
      trigger,
      paused,
      timezone,
      digest,
      options: {
        scheduleId,
        spec,
        action: {
          ...action,
          memo: { [DEPLOY_MEMO]: { flow: `${flow.namespace}.${flow.id}`, revision: flow.revision, trigger: trigger.id, digest } },
        },
        policies,
        state: { paused, note: noteFor(flow, trigger) },
        memo: { tflow: { namespace: flow.namespace, flowId: flow.id, triggerId: trigger.id } },
      },
    };
  });
}

function noteFor(flow: FlowSpec, trigger: ScheduleTriggerSpec): string {
  const why = flow.disabled ? '; paused: the flow is disabled' : trigger.disabled ? '; paused: the trigger is disabled' : '';
  return `deployed by tflow: ${flow.namespace}.${flow.id} revision ${flow.revision}${why}`;
}

export type ScheduleChangeStatus = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface ScheduleChange {
  scheduleId: string;
  status: ScheduleChangeStatus;
  paused?: boolean;
  cron?: string;
  timezone?: string;
}

/**
 * Brings the flow's Schedules in line with its triggers. `previousScheduleIds` are those tflow
 * created for earlier revisions (from the flow store): those without a trigger any more are deleted.
 */
export async function syncFlowSchedules(
  client: Client,
  config: Pick<TflowConfig, 'taskQueue'>,
  flow: FlowSpec,
  previousScheduleIds: readonly string[],
): Promise<ScheduleChange[]> {
  const changes: ScheduleChange[] = [];
  const desired = desiredSchedules(flow, config);
  for (const schedule of desired) {
    const described = await describeSchedule(client, schedule.scheduleId);
    const base = { scheduleId: schedule.scheduleId, paused: schedule.paused, cron: schedule.trigger.cron, timezone: schedule.timezone };
    if (!described) {
      await client.schedule.create(schedule.options);
      changes.push({ ...base, status: 'created' });
    } else if (deployedDigest(described) === schedule.digest) {
      changes.push({ ...base, paused: described.state.paused, status: 'unchanged' });
    } else {
      await client.schedule.getHandle(schedule.scheduleId).update((previous) => {
        const { options } = schedule;
        return {
          spec: options.spec,
          policies: options.policies,
          action: {
            ...options.action,
            args: [{ ...(options.action.args![0] as ScheduledExecutionRequest), backfills: rememberedBackfills(previous) }],
          },
          // The flow says whether the trigger runs: a redeploy that changes the Schedule applies it.
          state: { paused: schedule.paused, note: options.state?.note, remainingActions: previous.state.remainingActions },
        };
      });
      changes.push({ ...base, status: 'updated' });
    }
  }
  const kept = new Set(desired.map((s) => s.scheduleId));
  for (const scheduleId of previousScheduleIds) {
    if (kept.has(scheduleId)) continue;
    if (await deleteSchedule(client, scheduleId)) changes.push({ scheduleId, status: 'deleted' });
  }
  return changes;
}

/** Deletes a Schedule; false when it did not exist. Runs it started are left alone. */
export async function deleteSchedule(client: Client, scheduleId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/** The tflow request in a Schedule's action, or undefined for a Schedule tflow did not create. */
export function scheduledRequestOf(description: ScheduleDescription): ScheduledExecutionRequest | undefined {
  const argument = description.action.args?.[0];
  return isScheduledExecutionRequest(argument) ? argument : undefined;
}

function rememberedBackfills(description: ScheduleDescription): ScheduledExecutionRequest['backfills'] {
  return scheduledRequestOf(description)?.backfills ?? [];
}

function deployedDigest(description: ScheduleDescription): string | undefined {
  const memo = description.action.memo?.[DEPLOY_MEMO] as { digest?: string } | undefined;
  return memo?.digest;
}

function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

/** JSON with sorted keys, so equal values always hash alike. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
