/**
 * Server-sent event streams that follow an execution: poll it, send what changed, and end with an
 * `end` event (its final state) when it ends — or quietly when the client leaves or the server stops.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { executionResult } from '../client/executions';

/** How often a follower polls the workflow. */
const POLL_MS = 300;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export interface EventSink {
  /** Sends one event (`data:` is the JSON of `data`). */
  send(data: unknown, event?: string): void;
}

/** Open streams of one Fastify instance: they end when it stops, rather than holding its shutdown. */
export function streamRegistry(app: FastifyInstance): Set<() => void> {
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of streams) stop();
  });
  return streams;
}

/**
 * Streams events about `handle` until the execution ends: `poll` is called every POLL_MS while it
 * runs and once more after it ended, then an `end` event carries `{executionId, state}`.
 */
export async function followExecutionEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  streams: Set<() => void>,
  handle: WorkflowHandle,
  executionId: string,
  poll: (sink: EventSink) => Promise<void>,
): Promise<void> {
  reply.hijack();
  const out = reply.raw;
  // One connection per stream: when it ends, nothing is left for the server's shutdown to wait on.
  out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', connection: 'close' });
  out.write(': following\n\n');
  let lastWrite = Date.now();
  const sink: EventSink = {
    send(data, event) {
      out.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
      lastWrite = Date.now();
    },
  };
  let stopped = false;
  const stop = () => (stopped = true);
  streams.add(stop);
  request.raw.on('close', stop);
  let ended = false;
  let finalState = 'FAILED';
  const result = executionResult(handle)
    .then((execution) => (finalState = execution.state))
    .catch(() => undefined)
    .finally(() => (ended = true));
  try {
    while (!stopped && !ended) {
      await poll(sink);
      if (Date.now() - lastWrite > KEEPALIVE_MS) {
        out.write(': keepalive\n\n');
        lastWrite = Date.now();
      }
      await Promise.race([result, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
    }
    if (!stopped) {
      await poll(sink);
      sink.send({ executionId, state: finalState }, 'end');
    }
  } finally {
    streams.delete(stop);
    out.end();
  }
}
