/** What the kv.* tasks share: the store of this worker, and the namespace a task addresses. */
import { z } from 'zod';
import { kvStoreFor, missingKeyMessage, type KvStore } from '../../../kv/kv-store';
import type { TaskContext } from '../../../workflow/plugins/task-definition';

export function kvStore(context: TaskContext): KvStore {
  return kvStoreFor(context.config.databaseUrl);
}

/** Kestra's default namespace is the flow's own (`{{ flow.namespace }}`). */
export function kvNamespace(namespace: string | undefined, context: TaskContext): string {
  return namespace && namespace.trim() !== '' ? namespace : context.namespace;
}

/** The properties of the tasks that act on one key that may be missing (Get, Delete). */
export const oneKeyProperties = z.strictObject({
  key: z.string().min(1),
  namespace: z.string().optional(),
  errorOnMissing: z.boolean().default(false),
});

/**
 * Runs `action` on the task's key in its namespace; a falsy result means the key was missing,
 * which fails the task (naming key and namespace) when `errorOnMissing` is set.
 */
export async function actOnKey<T>(
  props: z.infer<typeof oneKeyProperties>,
  context: TaskContext,
  action: (store: KvStore, namespace: string, key: string) => Promise<T>,
): Promise<T> {
  const namespace = kvNamespace(props.namespace, context);
  const result = await action(kvStore(context), namespace, props.key);
  if (!result && props.errorOnMissing) throw new Error(missingKeyMessage(namespace, props.key));
  return result;
}
