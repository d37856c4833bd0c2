/**
 * Eager workflow start (docs/performance.md, "Per-task latency"): when the API runs a worker in its
 * own process, it starts executions through that worker's connection and asks the server to hand
 * the first workflow task back in the start call's answer, so the execution's first step skips the
 * task queue. The SDK accepts the request only on a worker's NativeConnection, which cannot cancel
 * a call (no AbortSignal: a bounded `?wait=true` relies on one), so only the start goes through it:
 * the handle it returns belongs to the API's own client.
 */
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';

const eagerStarters = new WeakMap<Client, Client>();

/** From now on, executions started with `client` start eagerly on the worker behind `connection`. */
export function startEagerlyThrough(client: Client, connection: NativeConnection): void {
  eagerStarters.set(client, new Client({ connection, namespace: client.options.namespace }));
}

/** Starts with `client`'s eager starter when it has one, else with `client`; the handle is `client`'s. */
export async function startWorkflow(
  client: Client,
  workflowType: string,
  options: Parameters<Client['workflow']['start']>[1],
): Promise<WorkflowHandle> {
  const eager = eagerStarters.get(client);
  if (!eager) return client.workflow.start(workflowType, options);
  const started = await eager.workflow.start(workflowType, { ...options, requestEagerStart: true });
  return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
}
