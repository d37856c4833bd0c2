/**
 * Eager workflow start (docs/performance.md, "Eager workflow start"): when the API runs a worker in
 * its own process, it starts executions on that worker's connection and asks the server to hand
 * the first workflow task back in the start call's answer, so the execution's first step skips the
 * task queue. Only a client built here, on a worker's NativeConnection, asks for it: the SDK
 * refuses the request on any other connection.
 */
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';

const eagerClients = new WeakSet<Client>();

/** A client sharing an in-process worker's connection, whose starts ask for eager execution. */
export function clientOnWorkerConnection(connection: NativeConnection, namespace: string): Client {
  const client = new Client({ connection, namespace });
  eagerClients.add(client);
  return client;
}

/** Whether executions started with `client` may be handed to the in-process worker eagerly. */
export function startsEagerly(client: Client): boolean {
  return eagerClients.has(client);
}
