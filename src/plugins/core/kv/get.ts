import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { actOnKey, oneKeyProperties } from './common';

/** `io.kestra.plugin.core.kv.Get`: outputs the key's typed `value` (null when missing, unless `errorOnMissing`). */
export const kvGetTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.kv.Get',
  title: 'Read a value from the KV store.',
  properties: oneKeyProperties,
  async run(props, context) {
    const entry = await actOnKey(props, context, (store, namespace, key) => store.get(namespace, key));
    return { value: entry ? entry.value : null };
  },
});
