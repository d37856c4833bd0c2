/**
 * `PUT /triggers` (Kestra's way to set a trigger's backfill): body `{namespace, flowId, triggerId,
 * backfill: {start, end?, inputs?, labels?}}`. Runs through the Temporal Schedule's backfill, as
 * `tflow backfill` does (src/schedules/backfill.ts): one execution per cron tick in [start, end).
 */
import { LocalDate, LocalDateTime, ZoneId } from '@js-joda/core';
import '@js-joda/timezone';
import type { FastifyInstance } from 'fastify';
import { FlowValidationError } from '../compiler/diagnostics';
import { loadDeployedFlow, triggerInputProblems } from '../flow-store/deploy';
import { BackfillError, backfillTrigger, startBackfill } from '../schedules/backfill';
import type { ApiContext } from './context';
import { HttpError } from './errors';

interface TriggerBody {
  namespace?: string;
  flowId?: string;
  triggerId?: string;
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

const triggerBodySchema = {
  type: 'object',
  required: ['namespace', 'flowId', 'triggerId'],
  properties: {
    namespace: { type: 'string' },
    flowId: { type: 'string' },
    triggerId: { type: 'string', description: 'A Schedule trigger of the flow' },
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
        summary: "Set a Schedule trigger's backfill: one execution per cron tick in [start, end)",
        tags: ['Triggers'],
        body: triggerBodySchema,
      },
    },
    async (request) => {
      const { namespace, flowId, triggerId, backfill } = request.body;
      const flow = await loadDeployedFlow(context.flowStore, `${namespace}/${flowId}`);
      if (!backfill?.start) throw new HttpError(422, 'backfill.start: a backfill needs a start');
      let trigger;
      try {
        trigger = backfillTrigger(flow, triggerId);
      } catch (error) {
        if (error instanceof BackfillError) throw new HttpError(404, error.message);
        throw error;
      }
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
