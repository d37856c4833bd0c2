/** A task type's full schema, as the compiler checks a task against it. */
import { z } from 'zod';
import { commonTaskShape } from '../workflow/flow/schema';
import type { TaskDefinition } from '../workflow/plugins/task-definition';

const schemaCache = new Map<TaskDefinition, z.ZodObject>();
/** A task type's full schema: its own properties plus the common ones, unknown keys refused. */
export function schemaFor(definition: TaskDefinition): z.ZodObject {
  let schema = schemaCache.get(definition);
  if (!schema) {
    const extra = definition.kind === 'flowable' ? { errors: z.array(z.unknown()).optional() } : {};
    schema = definition.properties.extend({ ...commonTaskShape, ...extra }).strict();
    schemaCache.set(definition, schema);
  }
  return schema;
}
