/**
 * `pluginDefaults` (and their legacy name `taskDefaults`): each entry checked against the type it
 * names, then applied to every task and trigger whose type it equals or prefixes.
 */
import { findTaskType } from '../plugins/registry';
import { type PluginDefault, pluginDefaultSchema } from '../workflow/flow/schema';
import { findMappedTaskType } from './deprecated-types';
import { closest } from './diagnostics';
import type { FlowSource } from './flow-source';
import { schemaFor } from './task-schema';
import { findTriggerType, triggerSchemaFor } from './triggers';
import { deepMerge, type YamlMap, type YamlPath } from './yaml-values';

export function compilePluginDefaults(source: FlowSource, items: unknown, path: YamlPath): PluginDefault[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, index): PluginDefault[] => {
    const entryPath = [...path, index];
    const parsed = pluginDefaultSchema.safeParse(item);
    if (!parsed.success) {
      source.reportZodIssues(entryPath, item, parsed.error.issues, pluginDefaultSchema);
      return [];
    }
    const { type, values } = parsed.data;
    const before = source.diagnostics.length;
    for (const [key, value] of Object.entries(values)) {
      if (value === null) source.report([...entryPath, 'values', key], `\`values.${key}\` must not be null`);
    }
    // An exact type (not a prefix) must only set properties that type has.
    const known = knownPropertiesOf(type);
    if (known) {
      for (const key of Object.keys(values)) {
        if (known.includes(key)) continue;
        const suggestion = closest(key, known);
        source.report(
          [...entryPath, 'values', key],
          `No property '${key}' exists in plugin '${type}'`,
          suggestion ? `did you mean '${suggestion}'?` : undefined,
          true,
        );
      }
    }
    // A refused entry is not applied: its mistake would otherwise be reported again on every task.
    return source.diagnostics.length === before ? [parsed.data] : [];
  });
}

/**
 * Kestra's pluginDefaults: entries whose `type` equals or prefixes the plugin's type; the plugin's own
 * values win over non-forced ones, forced ones win over everything. A prefix entry only sets the
 * properties the plugin has (`io.kestra.plugin.jdbc.postgresql` defaults serve Query and CopyIn alike).
 */
export function applyPluginDefaults(
  pluginDefaults: readonly PluginDefault[],
  item: YamlMap,
  names: readonly string[],
  knownProperties: readonly string[],
): YamlMap {
  let merged = item;
  const apply = (entry: PluginDefault, defaultsWin: boolean) => {
    const exact = names.includes(entry.type);
    const values = exact ? entry.values : Object.fromEntries(Object.entries(entry.values).filter(([key]) => knownProperties.includes(key)));
    merged = defaultsWin ? deepMerge(merged, values) : deepMerge(values, merged);
  };
  const matching = pluginDefaults.filter((d) => names.some((name) => name === d.type || name.startsWith(d.type)));
  for (const entry of matching.filter((d) => !d.forced)) apply(entry, false);
  for (const entry of matching.filter((d) => d.forced)) apply(entry, true);
  return merged;
}

/** Property names of an exact task or trigger type, or undefined when `type` names none (a prefix). */
function knownPropertiesOf(type: string): string[] | undefined {
  const task = findTaskType(type) ?? findMappedTaskType(type);
  if (task) return Object.keys(schemaFor(task).shape);
  const trigger = findTriggerType(type);
  if (trigger) return Object.keys(triggerSchemaFor(trigger).shape);
  return undefined;
}
