/** A flow's `triggers`: each checked against its type (./triggers.ts), pluginDefaults applied, built into its TriggerSpec. */
import type { PluginDefault } from '../workflow/flow/schema';
import type { TriggerSpec } from '../workflow/flow/spec';
import { compileLabels } from './flow-properties';
import type { FlowSource } from './flow-source';
import { applyPluginDefaults } from './plugin-defaults';
import { WORKER_GROUP_MESSAGE } from './tasks';
import { findTriggerType, knownTriggerTypeNames, type TriggerDefinition, triggerSchemaFor } from './triggers';
import { isPlainObject, withoutEmptyProperties, type YamlMap, type YamlPath } from './yaml-values';

/** The shortest webhook key the compiler accepts (README "Security"). */
const MIN_WEBHOOK_KEY_LENGTH = 16;

export function compileTriggers(
  source: FlowSource,
  items: unknown,
  ids: Map<string, YamlPath[]>,
  pluginDefaults: readonly PluginDefault[],
): TriggerSpec[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, index) => {
    const trigger = compileTrigger(source, item, ['triggers', index], ids, pluginDefaults);
    return trigger ? [trigger] : [];
  });
}

function compileTrigger(
  source: FlowSource,
  value: unknown,
  path: YamlPath,
  ids: Map<string, YamlPath[]>,
  pluginDefaults: readonly PluginDefault[],
): TriggerSpec | undefined {
  if (!isPlainObject(value)) return source.reportAndSkip(path, 'a trigger must be a mapping with at least `id` and `type`');
  const item = withoutEmptyProperties(value);
  if (typeof item.id === 'string') ids.set(item.id, [...(ids.get(item.id) ?? []), path]);
  if (!source.checkTypeName(item.type, knownTriggerTypeNames(), path, 'io.kestra.plugin.core.trigger.Schedule')) return undefined;
  const definition = findTriggerType(item.type as string) as TriggerDefinition;
  const schema = triggerSchemaFor(definition);
  const trigger = applyPluginDefaults(pluginDefaults, item, [item.type as string, definition.type, ...definition.aliases], Object.keys(schema.shape));
  const parsed = schema.safeParse(trigger);
  if (!parsed.success) return source.reportZodIssues(path, trigger, parsed.error.issues, schema);
  source.reportProblems(path, definition.validate?.(trigger) ?? []);
  if (trigger.workerGroup !== undefined) source.report([...path, 'workerGroup'], WORKER_GROUP_MESSAGE);
  const { id: _id, type: _type, ...properties } = trigger;
  source.checkExpressions(properties, path);

  const common = {
    id: trigger.id as string,
    description: trigger.description as string | undefined,
    disabled: trigger.disabled === true,
    labels: compileLabels(source, trigger.labels, [...path, 'labels'], false),
    conditions: (trigger.conditions as YamlMap[] | undefined) ?? [],
    ...(trigger.stopAfter ? { stopAfter: trigger.stopAfter as string[] } : {}),
    inputs: (trigger.inputs as YamlMap | undefined) ?? {},
    position: source.positionOf(path),
  };
  const optional = (key: string) => (trigger[key] !== undefined ? { [key]: trigger[key] } : {});
  switch (definition.kind) {
    case 'schedule':
      return {
        ...common,
        type: 'io.kestra.plugin.core.trigger.Schedule',
        cron: trigger.cron as string,
        withSeconds: trigger.withSeconds === true,
        ...optional('timezone'),
        ...optional('recoverMissedSchedules'),
        ...optional('lateMaximumDelay'),
      };
    case 'flow':
      return { ...common, type: 'io.kestra.plugin.core.trigger.Flow', ...optional('states'), ...optional('preconditions') };
    case 'webhook':
      checkWebhookKey(source, trigger.key as string, [...path, 'key']);
      return {
        ...common,
        type: 'io.kestra.plugin.core.trigger.Webhook',
        key: trigger.key as string,
        ...optional('wait'),
        ...optional('returnOutputs'),
      };
  }
}

/**
 * A webhook key is the webhook's only credential (its routes need no auth): short keys can be
 * guessed. A key written as an expression is only known once rendered, so it is not checked here.
 */
function checkWebhookKey(source: FlowSource, key: string, path: YamlPath): void {
  if (key.includes('{{') || key.length >= MIN_WEBHOOK_KEY_LENGTH) return;
  source.report(
    path,
    `\`key\` must be at least ${MIN_WEBHOOK_KEY_LENGTH} characters long (it is the webhook's only credential), but has ${key.length}`,
    'use a random string, e.g. `openssl rand -hex 16`',
  );
}
