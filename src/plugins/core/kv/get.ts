import { z } from 'zod';
import { missingKeyMessage } from '../../../kv/kv-store';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { kvNamespace, kvStore } from './common';

/** `io.kestra.plugin.core.kv.Get`: outputs the key's typed `value` (null when missing, unless `errorOnMissing`). */
export const kvGetTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.kv.Get',
  title: 'Read a value from the KV store.',
  properties: z.strictObject({
    key: z.string().min(1),
    namespace: z.string().optional(),
    errorOnMissing: z.boolean().default(false),
  }),
  async run(props, context) {
    const namespace = kvNamespace(props.namespace, context);
    const entry = await kvStore(context).get(namespace, props.key);
    if (!entry && props.errorOnMissing) throw new Error(missingKeyMessage(namespace, props.key));
    return { value: entry ? entry.value : null };
  },
});
