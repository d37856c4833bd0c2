import { z } from 'zod';
import { defineInlineTask } from '../../task-definition';

/** `OutputValues`: `values` rendered (string leaves to strings, structure kept) → `outputs.<id>.values`. */
export const outputValuesTask = defineInlineTask({
  type: 'io.kestra.plugin.core.output.OutputValues',
  aliases: ['io.kestra.core.tasks.outputs.OutputValues'],
  title: 'Publish rendered values as task outputs.',
  properties: () => z.strictObject({ values: z.record(z.string(), z.unknown()).optional() }),
  execute(context) {
    return { values: context.renderProperties(context.task.properties.values ?? {}) };
  },
});
