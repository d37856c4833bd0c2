/**
 * Backfills through the Schedule's own backfill API, so they obey the Schedule's overlap policy
 * (BUFFER_ALL for `concurrency.limit: 1`: months run one after the other, none is skipped) and show
 * up in the Web UI and `temporal schedule describe` like any backfill.
 *
 * Temporal cannot give backfilled runs their own inputs or labels (temporalio/temporal#5005), so the
 * backfill is first recorded in the Schedule's action (see BackfillRequest); runs look it up.
 */
import { randomBytes } from 'node:crypto';
import type { Client, ScheduleOverlapPolicy } from '@temporalio/client';
import type { FlowSpec, ScheduleTriggerSpec } from '../workflow/flow/spec';
import { nextOccurrence, parseKestraCron } from '../workflow/schedules/kestra-cron';
import { describeSchedule, scheduleIdOf, scheduledRequestOf, scheduleTriggersOf } from './schedule-sync';
import { type BackfillRequest, MAX_REMEMBERED_BACKFILLS, type ScheduledExecutionRequest } from '../workflow/schedules/scheduled-request';

export interface BackfillOptions {
  start: Date;
  /** Exclusive, as in Temporal; at most now (later ticks are the Schedule's ordinary job). */
  end: Date;
  triggerId?: string;
  inputs?: Record<string, unknown>;
  labels?: Record<string, string>;
}

export interface BackfillResult {
  scheduleId: string;
  backfillId: string;
  start: Date;
  end: Date;
  overlap: ScheduleOverlapPolicy;
  /** The nominal times the backfill covers, and the workflow ids their runs get. */
  runs: { nominalTime: string; workflowId: string }[];
}

export class BackfillError extends Error {
  override name = 'BackfillError';
}

/** The Schedule trigger a backfill is for: the one named, or the flow's only one. */
export function backfillTrigger(flow: FlowSpec, triggerId?: string): ScheduleTriggerSpec {
  const triggers = scheduleTriggersOf(flow);
  const ids = triggers.map((t) => t.id).join(', ');
  if (triggerId !== undefined) {
    const trigger = triggers.find((t) => t.id === triggerId);
    if (!trigger)
      throw new BackfillError(`Flow ${flow.namespace}.${flow.id} has no Schedule trigger '${triggerId}'${ids ? ` (it has: ${ids})` : ''}`);
    return trigger;
  }
  if (triggers.length === 0) throw new BackfillError(`Flow ${flow.namespace}.${flow.id} has no Schedule trigger to backfill`);
  if (triggers.length > 1)
    throw new BackfillError(`Flow ${flow.namespace}.${flow.id} has several Schedule triggers (${ids}): choose one with --trigger`);
  return triggers[0];
}

/** The nominal times in [start, end) of a trigger, the ones a backfill runs. */
export function backfillSlots(trigger: ScheduleTriggerSpec, start: Date, end: Date, limit = 10_000): Date[] {
  const cron = parseKestraCron(trigger.cron, trigger.withSeconds);
  const slots: Date[] = [];
  let next = nextOccurrence(cron, new Date(start.getTime() - 1), trigger.timezone ?? 'UTC');
  while (next && next < end && slots.length < limit) {
    slots.push(next);
    next = nextOccurrence(cron, next, trigger.timezone ?? 'UTC');
  }
  return slots;
}

/**
 * Records the backfill in the Schedule, then asks Temporal for it. The flow must be deployed (its
 * Schedule exists); `flow` is the deployed revision.
 */
export async function startBackfill(client: Client, flow: FlowSpec, options: BackfillOptions, now = new Date()): Promise<BackfillResult> {
  const trigger = backfillTrigger(flow, options.triggerId);
  const scheduleId = scheduleIdOf(flow, trigger.id);
  const end = options.end > now ? now : options.end;
  if (!(options.start < end)) {
    throw new BackfillError(
      `Nothing to backfill: the start (${options.start.toISOString()}) must be before the end (${end.toISOString()}, exclusive, and at most now)`,
    );
  }
  const described = await describeSchedule(client, scheduleId);
  if (!described) throw new BackfillError(`Schedule ${scheduleId} does not exist: deploy the flow first (tflow deploy <file>)`);
  if (!scheduledRequestOf(described)) throw new BackfillError(`Schedule ${scheduleId} was not created by tflow`);

  const backfill: BackfillRequest = {
    id: randomBytes(4).toString('hex'),
    start: options.start.toISOString(),
    end: end.toISOString(),
    requestedAt: now.toISOString(),
    inputs: options.inputs ?? {},
    labels: { ...(options.labels ?? {}), backfill: 'true' },
  };
  const handle = client.schedule.getHandle(scheduleId);
  await handle.update((previous) => {
    const request = scheduledRequestOf(previous) as ScheduledExecutionRequest;
    return {
      ...previous,
      action: { ...previous.action, args: [{ ...request, backfills: [...(request.backfills ?? []), backfill].slice(-MAX_REMEMBERED_BACKFILLS) }] },
    };
  });
  // Temporal 1.29 includes both bounds (checked on the dev server); tflow's end is exclusive.
  const overlap = described.policies.overlap;
  await handle.backfill({ start: options.start, end: new Date(end.getTime() - 1), overlap });
  const runs = backfillSlots(trigger, options.start, end).map((slot) => {
    const nominalTime = slot.toISOString().replace('.000Z', 'Z');
    return { nominalTime, workflowId: `${scheduleId}-${nominalTime}` };
  });
  return { scheduleId, backfillId: backfill.id, start: options.start, end, overlap, runs };
}
