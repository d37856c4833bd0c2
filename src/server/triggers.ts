/**
 * `PUT /triggers` (Kestra's way to change a trigger): body `{namespace, flowId, triggerId, disabled?,
 * backfill?: {start, end?, inputs?, labels?}}`. `disabled` pauses or unpauses the trigger's Temporal
 * Schedule (until a deploy that changes the Schedule applies the flow's own `disabled`). A backfill
 * runs through the Schedule's backfill, as `tflow backfill` does (src/schedules/backfill.ts): one
 * execution per cron tick in [start, end).
 */
import { LocalDate, LocalDateTime, ZoneId } from '@js-joda/core';
import '@js-joda/timezone';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { FlowValidationError } from '../compiler/diagnostics';
import { loadDeployedFlow, triggerInputProblems } from '../flow-store/deploy';
import { BackfillError, backfillTrigger, startBackfill } from '../schedules/backfill';
import { scheduleIdOf } from '../schedules/schedule-sync';
import type { FlowSpec, ScheduleTriggerSpec } from '../workflow/flow/spec';
import type { ApiContext } from './context';
import { HttpError } from './errors';
import { triggerState } from './trigger-search';

interface TriggerBody {
  namespace?: string;
  flowId?: string;
  triggerId?: string;
  disabled?: boolean;
  backfill?: {
    start?: string;
    end?: string | null;
    inputs?: Record<string, unknown> | null;
    labels?: { key: string; value: string }[] | Record<string, string> | null;
  } | null;
}

/** An ISO date or date-time; without an offset it is read in the trigger's time zone. */
export function parseBackfillTime(text: string, timezone: string, field: string): Date {
  const value = text.trim();
  try {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(LocalDate.parse(value).atStartOfDay(ZoneId.of(timezone)).toInstant().toEpochMilli());
    if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) return new Date(LocalDateTime.parse(value).atZone(ZoneId.of(timezone)).toInstant().toEpochMilli());
  } catch {
    // Reported below.
  }
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime()))
    throw new HttpError(422, `${field}: expected an ISO date or date-time, got \`${text}\``);
  return date;
}

function labelMap(labels: NonNullable<TriggerBody['backfill']>['labels']): Record<string, string> {
  if (!labels) return {};
  if (Array.isArray(labels)) return Object.fromEntries(labels.map((l) => [String(l.key), String(l.value)]));
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
}

/** Pauses or unpauses the trigger's Schedule; a disabled flow's stays paused (409). */
async function setScheduleDisabled(context: ApiContext, flow: FlowSpec, trigger: ScheduleTriggerSpec, disabled: boolean): Promise<void> {
  if (!disabled && (flow.disabled || trigger.disabled)) {
    throw new HttpError(409, `The ${flow.disabled ? 'flow' : 'trigger'} is disabled in the flow's source: enable it there and deploy the flow`);
  }
  const handle = context.client.schedule.getHandle(scheduleIdOf(flow, trigger.id));
  try {
    if (disabled) await handle.pause('paused through the API (PUT /api/v1/triggers)');
    else await handle.unpause('unpaused through the API (PUT /api/v1/triggers)');
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new HttpError(404, `Trigger ${trigger.id} has no Temporal Schedule: deploy the flow again`);
    throw error;
  }
}

const triggerBodySchema = {
  type: 'object',
  required: ['namespace', 'flowId', 'triggerId'],
  properties: {
    namespace: { type: 'string' },
    flowId: { type: 'string' },
    triggerId: { type: 'string', description: 'A Schedule trigger of the flow' },
    disabled: { type: 'boolean', description: "true pauses the trigger's Temporal Schedule, false unpauses it" },
    backfill: {
      type: ['object', 'null'],
      properties: {
        start: { type: 'string', description: 'First time covered (inclusive), ISO' },
        end: { type: ['string', 'null'], description: 'End (exclusive), ISO; default now' },
        inputs: { type: ['object', 'null'], additionalProperties: true },
        labels: { description: '[{key, value}] or a map' },
      },
    },
  },
} as const;

export function registerTriggerRoutes(app: FastifyInstance, context: ApiContext): void {
  app.put<{ Body: TriggerBody }>(
    '/triggers',
    {
      schema: {
        summary:
          'Change a Schedule trigger: `disabled` pauses or unpauses its Temporal Schedule (answers its state); a `backfill` runs one execution per cron tick in [start, end)',
        tags: ['Triggers'],
        body: triggerBodySchema,
      },
    },
    async (request) => {
      const { namespace, flowId, triggerId, backfill, disabled } = request.body;
      const flow = await loadDeployedFlow(context.flowStore, `${namespace}/${flowId}`);
      if (backfill && !backfill.start) throw new HttpError(422, 'backfill.start: a backfill needs a start');
      if (!backfill && disabled === undefined) throw new HttpError(422, 'Nothing to change: send `disabled` (true or false) or a `backfill`');
      let trigger;
      try {
        trigger = backfillTrigger(flow, triggerId);
      } catch (error) {
        if (error instanceof BackfillError) throw new HttpError(404, error.message);
        throw error;
      }
      if (disabled !== undefined) await setScheduleDisabled(context, flow, trigger, disabled);
      if (!backfill?.start) return (await triggerState(context, flow, trigger)).triggerContext;
      const timezone = trigger.timezone ?? 'UTC';
      const start = parseBackfillTime(backfill.start, timezone, 'backfill.start');
      const end = backfill.end ? parseBackfillTime(backfill.end, timezone, 'backfill.end') : new Date();
      const inputs = backfill.inputs ?? {};
      const labels = labelMap(backfill.labels);
      const problems = triggerInputProblems(flow, trigger, inputs, labels);
      if (problems.length > 0) {
        throw new FlowValidationError(
          problems.map((message) => ({ file: `${flow.namespace}.${flow.id}`, line: 1, col: 1, path: 'backfill.inputs', message })),
        );
      }
      let result;
      try {
        result = await startBackfill(context.client, flow, { start, end, triggerId: trigger.id, inputs, labels });
      } catch (error) {
        if (error instanceof BackfillError) throw new HttpError(422, error.message);
        throw error;
      }
      return {
        namespace: flow.namespace,
        flowId: flow.id,
        triggerId: trigger.id,
        backfill: {
          start: result.start.toISOString(),
          end: result.end.toISOString(),
          currentDate: result.start.toISOString(),
          inputs,
          labels: Object.entries({ ...labels, backfill: 'true' }).map(([key, value]) => ({ key, value })),
          paused: false,
        },
        scheduleId: result.scheduleId,
        executions: result.runs,
      };
    },
  );
}
