/**
 * The triggers of deployed flows with their state, for the UI's triggers tab (Kestra's
 * `GET /triggers/search`): `{results: [{abstractTrigger, triggerContext}], total}`. A Schedule's
 * state is its Temporal Schedule's: paused (`disabled`), the next and the last nominal times.
 * Enabling and disabling one is `PUT /triggers` with `disabled` (./triggers.ts).
 */
import type { FastifyInstance } from 'fastify';
import { compileDeployed } from '../flow-store/deploy';
import { describeSchedule, scheduleIdOf } from '../schedules/schedule-sync';
import type { FlowSpec, TriggerSpec } from '../workflow/flow/spec';
import type { ApiContext } from './context';
import { HttpError } from './errors';

export interface TriggerState {
  abstractTrigger: {
    id: string;
    type: string;
    disabled: boolean;
    description?: string;
    cron?: string;
    timezone?: string;
  };
  triggerContext: {
    namespace: string;
    flowId: string;
    triggerId: string;
    flowRevision: number;
    /** The Temporal Schedule (Schedule triggers). */
    scheduleId?: string;
    /** Paused (Schedule) or disabled in the flow. */
    disabled: boolean;
    /** The last nominal time the Schedule started a run at. */
    date?: string;
    nextExecutionDate?: string;
  };
}

/** A trigger's state: for a Schedule, read from its Temporal Schedule (not deployed yet: the flow's word). */
export async function triggerState(context: ApiContext, flow: FlowSpec, trigger: TriggerSpec): Promise<TriggerState> {
  const state: TriggerState = {
    abstractTrigger: {
      id: trigger.id,
      type: trigger.type,
      disabled: trigger.disabled,
      ...(trigger.description ? { description: trigger.description } : {}),
      ...(trigger.type === 'io.kestra.plugin.core.trigger.Schedule' ? { cron: trigger.cron, timezone: trigger.timezone ?? 'UTC' } : {}),
    },
    triggerContext: {
      namespace: flow.namespace,
      flowId: flow.id,
      triggerId: trigger.id,
      flowRevision: flow.revision,
      disabled: flow.disabled || trigger.disabled,
    },
  };
  if (trigger.type !== 'io.kestra.plugin.core.trigger.Schedule') return state;
  const scheduleId = scheduleIdOf(flow, trigger.id);
  const described = await describeSchedule(context.client, scheduleId);
  if (!described) return state;
  const last = described.info.recentActions.at(-1)?.scheduledAt;
  const next = described.info.nextActionTimes[0];
  state.triggerContext = {
    ...state.triggerContext,
    scheduleId,
    disabled: described.state.paused,
    ...(last ? { date: last.toISOString() } : {}),
    ...(next && !described.state.paused ? { nextExecutionDate: next.toISOString() } : {}),
  };
  return state;
}

function pageParam(raw: string | undefined, fallback: number, max: number, name: string): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new HttpError(422, `${name}: expected an integer from 1 to ${max}`);
  return value;
}

export function registerTriggerSearchRoute(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: { namespace?: string; flowId?: string; q?: string; page?: string; size?: string } }>(
    '/triggers/search',
    {
      schema: {
        summary: "Deployed flows' triggers with their state: {results: [{abstractTrigger, triggerContext}], total}",
        description:
          'A Schedule trigger shows its cron and time zone, whether its Temporal Schedule is paused (`triggerContext.disabled`), its last and next dates.',
        tags: ['Triggers'],
        querystring: {
          type: 'object',
          properties: {
            namespace: { type: 'string', description: 'This namespace and its children' },
            flowId: { type: 'string' },
            q: { type: 'string', description: 'Text in the trigger id, flow id or namespace' },
            page: { type: 'string', description: 'From 1' },
            size: { type: 'string', description: 'Page size (default 10, at most 1000)' },
          },
        },
      },
    },
    async (request) => {
      const { namespace, flowId } = request.query;
      const page = pageParam(request.query.page, 1, Number.MAX_SAFE_INTEGER, 'page');
      const size = pageParam(request.query.size, 10, 1000, 'size');
      const text = request.query.q?.toLowerCase();
      const matching: { flow: FlowSpec; trigger: TriggerSpec }[] = [];
      for (const entry of await context.flowStore.list()) {
        if (namespace && entry.namespace !== namespace && !entry.namespace.startsWith(`${namespace}.`)) continue;
        if (flowId && entry.flowId !== flowId) continue;
        const stored = await context.flowStore.get(entry.namespace, entry.flowId);
        const flow = compileDeployed(stored.source, entry.namespace, entry.flowId, stored.revision);
        for (const trigger of flow.triggers ?? []) {
          if (!text || `${flow.namespace}.${flow.id}.${trigger.id}`.toLowerCase().includes(text)) matching.push({ flow, trigger });
        }
      }
      // Temporal is asked only about the page shown.
      const shown = matching.slice((page - 1) * size, page * size);
      return { results: await Promise.all(shown.map(({ flow, trigger }) => triggerState(context, flow, trigger))), total: matching.length };
    },
  );
}
