/**
 * Trigger types tflow knows, under their Kestra names: Schedule, Flow and Webhook. Each has a zod
 * schema for its own properties and, where a schema cannot say it, a `validate` hook (cron strings,
 * time zones). Like task types, adding one is one entry in TRIGGER_TYPES.
 */
import { z } from 'zod';
import { checkTimeZone, CronSyntaxError, parseKestraCron } from '../workflow/schedules/kestra-cron';
import { flowTriggerProblems, preconditionsSchema } from '../flow-triggers/flow-conditions';
import type { PropertyProblem } from './diagnostics';
import { EXECUTION_STATES, isoDuration, labelsSchema, TASK_ID_PATTERN } from '../workflow/flow/schema';
import { LOG_LEVELS } from '../workflow/flow/spec';

export interface TriggerDefinition {
  type: string;
  /** Older names of the same type (Kestra's `io.kestra.core.models.triggers.types.*`). */
  aliases: string[];
  title: string;
  kind: 'schedule' | 'flow' | 'webhook';
  properties: z.ZodObject;
  validate?(trigger: Record<string, unknown>): PropertyProblem[];
}

/** Properties every trigger accepts. */
export const commonTriggerShape = {
  id: z.string().regex(TASK_ID_PATTERN, 'must match "^[a-zA-Z0-9][a-zA-Z0-9_-]*" (letters, digits, _ and -; no dots, no spaces)'),
  type: z.string(),
  description: z.string().optional(),
  disabled: z.boolean().optional().describe('A disabled trigger does not fire.'),
  conditions: z
    .array(z.looseObject({ type: z.string() }))
    .optional()
    .describe('Condition plugins (DayWeek, Expression, ExecutionFlow…), all of which must hold.'),
  labels: labelsSchema.optional().describe('Labels added to the executions this trigger creates.'),
  stopAfter: z.array(z.enum(EXECUTION_STATES)).optional().describe('Disable the trigger once an execution ends in one of these states.'),
  logLevel: z.enum(LOG_LEVELS).optional(),
  logToFile: z.boolean().optional(),
  workerGroup: z.unknown().optional(),
};

/** Kestra's cron rules, from the parser the Schedules use (so what validates is what fires). */
export function cronProblem(cron: string, withSeconds: boolean): string | undefined {
  try {
    parseKestraCron(cron, withSeconds);
    return undefined;
  } catch (error) {
    if (error instanceof CronSyntaxError) return `invalid cron expression '${cron}': ${error.message}`;
    throw error;
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    checkTimeZone(zone);
    return true;
  } catch {
    return false;
  }
}

const triggerInputs = z.record(z.string(), z.unknown()).optional().describe('Inputs of the executions this trigger creates (rendered).');

export const scheduleTrigger: TriggerDefinition = {
  type: 'io.kestra.plugin.core.trigger.Schedule',
  aliases: ['io.kestra.core.models.triggers.types.Schedule'],
  title: 'Start an execution on a cron schedule.',
  kind: 'schedule',
  properties: z.object({
    cron: z.string().describe('Unix cron (5 fields; 6 with `withSeconds`, seconds first), or @hourly, @daily, @weekly, @monthly, @yearly.'),
    withSeconds: z.boolean().optional().describe('The cron has a leading seconds field.'),
    timezone: z.string().optional().describe('IANA time zone used to evaluate the cron, e.g. Europe/Paris.'),
    inputs: triggerInputs,
    recoverMissedSchedules: z.enum(['ALL', 'LAST', 'NONE']).optional().describe('Which ticks missed while stopped or disabled are run.'),
    lateMaximumDelay: isoDuration.optional().describe('Skip ticks older than this.'),
    scheduleConditions: z
      .array(z.looseObject({ type: z.string() }))
      .optional()
      .describe('Deprecated: use `conditions`.'),
    backfill: z.record(z.string(), z.unknown()).optional().describe('Deprecated: backfills are started with `tflow backfill`.'),
    interval: isoDuration.optional().describe('Deprecated.'),
  }),
  validate(trigger) {
    const problems: PropertyProblem[] = [];
    if (typeof trigger.cron === 'string') {
      const problem = cronProblem(trigger.cron, trigger.withSeconds === true);
      if (problem) problems.push({ path: ['cron'], message: problem });
    }
    if (typeof trigger.timezone === 'string' && !isTimeZone(trigger.timezone)) {
      problems.push({
        path: ['timezone'],
        message: `Invalid time zone: ${trigger.timezone}`,
        hint: 'an IANA time zone id such as UTC, Europe/Paris or America/New_York',
      });
    }
    return problems;
  },
};

export const flowTrigger: TriggerDefinition = {
  type: 'io.kestra.plugin.core.trigger.Flow',
  aliases: ['io.kestra.core.models.triggers.types.Flow'],
  title: 'Start an execution when another execution ends.',
  kind: 'flow',
  properties: z.object({
    inputs: triggerInputs,
    states: z
      .array(z.enum(EXECUTION_STATES))
      .optional()
      .describe('States of the upstream execution that fire the trigger (terminated states and PAUSED by default).'),
    // `where` and `timeWindow` are only outlined here: flowTriggerProblems checks them in detail,
    // so that their problems are reported together with those of the conditions.
    preconditions: preconditionsSchema
      .extend({ where: z.array(z.record(z.string(), z.unknown())).optional(), timeWindow: z.record(z.string(), z.unknown()).optional() })
      .optional(),
  }),
  validate: flowTriggerProblems,
};

export const webhookTrigger: TriggerDefinition = {
  type: 'io.kestra.plugin.core.trigger.Webhook',
  aliases: ['io.kestra.core.models.triggers.types.Webhook'],
  title: 'Start an execution from an HTTP call to /api/v1/executions/webhook/{namespace}/{flowId}/{key}.',
  kind: 'webhook',
  properties: z.object({
    key: z.string().min(1).max(256).describe('The secret part of the webhook URL.'),
    inputs: triggerInputs,
    wait: z.boolean().optional(),
    returnOutputs: z.boolean().optional(),
  }),
};

export const TRIGGER_TYPES: readonly TriggerDefinition[] = [scheduleTrigger, flowTrigger, webhookTrigger];

const byName = new Map<string, TriggerDefinition>();
for (const definition of TRIGGER_TYPES) {
  for (const name of [definition.type, ...definition.aliases]) byName.set(name, definition);
}

export function findTriggerType(type: string): TriggerDefinition | undefined {
  return byName.get(type);
}

export function knownTriggerTypeNames(): string[] {
  return [...byName.keys()];
}

const schemaCache = new Map<TriggerDefinition, z.ZodObject>();
/** A trigger type's full schema: its own properties plus the common ones, unknown keys refused. */
export function triggerSchemaFor(definition: TriggerDefinition): z.ZodObject {
  let schema = schemaCache.get(definition);
  if (!schema) {
    schema = definition.properties.extend(commonTriggerShape).strict();
    schemaCache.set(definition, schema);
  }
  return schema;
}
