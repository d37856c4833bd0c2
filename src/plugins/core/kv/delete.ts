import { z } from 'zod';
import { missingKeyMessage } from '../../../kv/kv-store';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { kvNamespace, kvStore } from './common';

/** `io.kestra.plugin.core.kv.Delete`: removes a key; outputs `deleted` (false when there was none). */
export const kvDeleteTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.kv.Delete',
  title: 'Delete a key from the KV store.',
  properties: z.strictObject({
    key: z.string().min(1),
    namespace: z.string().optional(),
    errorOnMissing: z.boolean().default(false),
  }),
  async run(props, context) {
    const namespace = kvNamespace(props.namespace, context);
    const deleted = await kvStore(context).delete(namespace, props.key);
    if (!deleted && props.errorOnMissing) throw new Error(missingKeyMessage(namespace, props.key));
    return { deleted };
  },
});
