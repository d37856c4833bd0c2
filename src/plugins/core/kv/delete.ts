import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { actOnKey, oneKeyProperties } from './common';

/** `io.kestra.plugin.core.kv.Delete`: removes a key; outputs `deleted` (false when there was none). */
export const kvDeleteTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.kv.Delete',
  title: 'Delete a key from the KV store.',
  properties: oneKeyProperties,
  async run(props, context) {
    const deleted = await actOnKey(props, context, (store, namespace, key) => store.delete(namespace, key));
    return { deleted };
  },
});
