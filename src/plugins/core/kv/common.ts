/** What the kv.* tasks share: the store of this worker, and the namespace a task addresses. */
import { kvStoreFor, type KvStore } from '../../../kv/kv-store';
import type { TaskContext } from '../../../workflow/plugins/task-definition';

export function kvStore(context: TaskContext): KvStore {
  return kvStoreFor(context.config.databaseUrl);
}

/** Kestra's default namespace is the flow's own (`{{ flow.namespace }}`). */
export function kvNamespace(namespace: string | undefined, context: TaskContext): string {
  return namespace && namespace.trim() !== '' ? namespace : context.namespace;
}
