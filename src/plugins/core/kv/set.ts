import { z } from 'zod';
import { parseDuration } from '../../../workflow/interpreter/duration';
import { KV_TYPES } from '../../../kv/kv-store';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { kvNamespace, kvStore } from './common';
import { toKvValue } from './value';

/**
 * `io.kestra.plugin.core.kv.Set`: stores `value` under `key` in the namespace's KV store. `value`
 * is rendered typed (io-functions.ts), then converted by `kvType`. No outputs.
 */
export const kvSetTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.kv.Set',
  title: 'Store a value in the KV store.',
  properties: z.strictObject({
    key: z.string().min(1),
    value: z.unknown(),
    namespace: z.string().optional(),
    overwrite: z.boolean().default(true),
    ttl: z
      .string()
      .refine((text) => (parseDuration(text) ?? 0) > 0, 'must be a positive ISO-8601 duration, e.g. PT1H')
      .optional(),
    kvType: z.enum(KV_TYPES).optional(),
  }),
  async run(props, context) {
    const namespace = kvNamespace(props.namespace, context);
    const entry = toKvValue(props.value, props.kvType);
    await kvStore(context).set(namespace, props.key, entry, {
      overwrite: props.overwrite,
      ...(props.ttl ? { ttlMs: parseDuration(props.ttl) } : {}),
    });
    context.log('INFO', `Set key '${props.key}' (${entry.type}) in namespace '${namespace}'${props.ttl ? ` for ${props.ttl}` : ''}`);
    return {};
  },
});
