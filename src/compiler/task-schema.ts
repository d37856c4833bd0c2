/** A task type's full schema, as the compiler checks a task against it. */
import { z } from 'zod';
import { commonTaskShape } from '../workflow/flow/schema';
import type { TaskDefinition } from '../workflow/plugins/task-definition';

/** What a schema is made of: a TaskDefinition, or a deprecated type's (./deprecated-types.ts). */
type SchemaSource = Pick<TaskDefinition, 'kind' | 'properties'>;

const schemaCache = new Map<SchemaSource, z.ZodObject>();
/** A task type's full schema: its own properties plus the common ones, unknown keys refused. */
export function schemaFor(definition: SchemaSource): z.ZodObject {
  let schema = schemaCache.get(definition);
  if (!schema) {
    const extra = definition.kind === 'flowable' ? { errors: z.array(z.unknown()).optional() } : {};
    schema = definition.properties.extend({ ...commonTaskShape, ...extra }).strict();
    schemaCache.set(definition, schema);
  }
  return schema;
}
