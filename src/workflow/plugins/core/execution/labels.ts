import { z } from 'zod';
import { defineInlineTask } from '../../task-definition';
import { type InlineTaskContext, TaskError } from '../../../interpreter/in-workflow-task';

/**
 * `Labels`: merges labels into the execution's (a key set again takes the new value). Values become
 * strings (`42`, `true`); `system.*` keys are Kestra's own and refused. The workflow mirrors the
 * labels into the `Labels` search attribute, so the Web UI can filter on them.
 */
export const labelsTask = defineInlineTask({
  type: 'io.kestra.plugin.core.execution.Labels',
  aliases: ['io.kestra.core.tasks.executions.Labels'],
  title: 'Add or change labels of the current execution.',
  properties: () =>
    z.strictObject({
      labels: z.union([z.record(z.string(), z.unknown()), z.array(z.strictObject({ key: z.string(), value: z.unknown() })), z.string()]),
    }),
  execute(context) {
    const labels: Record<string, string> = {};
    for (const [key, value] of labelEntries(context)) {
      const text = labelText(value);
      if (key.startsWith('system.')) throw new TaskError(`System labels can only be set by Kestra itself, offending label: ${key}=${text}`);
      labels[key] = text;
    }
    context.mergeLabels(labels);
    return {};
  },
});

function labelEntries(context: InlineTaskContext): [string, unknown][] {
  const declared = context.task.properties.labels;
  if (typeof declared === 'string') {
    const rendered = context.renderTyped(declared);
    let parsed: unknown = rendered;
    if (typeof rendered === 'string') {
      try {
        parsed = JSON.parse(rendered);
      } catch {
        throw new TaskError(`\`labels\` must render to a JSON object, got: ${rendered.slice(0, 200)}`);
      }
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TaskError('`labels` must render to a JSON object');
    return Object.entries(parsed);
  }
  const entries: [unknown, unknown][] = Array.isArray(declared)
    ? declared.map((label: { key: unknown; value: unknown }) => [label.key, label.value])
    : Object.entries(declared as Record<string, unknown>);
  return entries.map(([key, value]) => [context.render(String(key)), context.renderProperties(value)]);
}

function labelText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
