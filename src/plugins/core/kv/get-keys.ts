import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { kvNamespace, kvStore } from './common';

/** `io.kestra.plugin.core.kv.GetKeys`: outputs the namespace's live `keys` (optionally those starting with `prefix`). */
export const kvGetKeysTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.kv.GetKeys',
  title: 'List the keys of the KV store.',
  properties: z.strictObject({
    prefix: z.string().optional(),
    namespace: z.string().optional(),
  }),
  async run(props, context) {
    return { keys: await kvStore(context).keys(kvNamespace(props.namespace, context), props.prefix ?? '') };
  },
});
