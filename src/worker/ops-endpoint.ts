/**
 * The worker's ops endpoint (TFLOW_WORKER_HTTP_PORT): `GET /ready` for a load balancer or an
 * orchestrator's readiness probe, `GET /metrics` for Prometheus (src/activities/task-metrics.ts).
 * Nothing else: other paths are 404, other methods 405, no request body is read, and slow clients
 * are cut off. It says nothing about flows beyond task type names and counts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { taskMetrics } from '../activities/task-metrics';

export interface OpsEndpoint {
  /** The address it listens on, e.g. `http://127.0.0.1:9400`. */
  url: string;
  close(): Promise<void>;
}

/** `isReady()` is asked on each `GET /ready`: true while the worker polls its task queue. */
export async function startOpsEndpoint(host: string, port: number, isReady: () => boolean): Promise<OpsEndpoint> {
  const server = createServer((request, response) => answer(request, response, isReady));
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.maxHeadersCount = 50;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(request: IncomingMessage, response: ServerResponse, isReady: () => boolean): void {
  const path = (request.url ?? '').split('?')[0];
  if (path !== '/ready' && path !== '/metrics') return send(response, 404, 'not found: GET /ready or GET /metrics\n');
  if (request.method !== 'GET') {
    response.setHeader('Allow', 'GET');
    return send(response, 405, 'only GET\n');
  }
  if (path === '/ready')
    return isReady() ? send(response, 200, 'ready\n') : send(response, 503, 'not ready: the worker is not polling (starting, draining or stopped)\n');
  send(response, 200, taskMetrics.exposition(), 'text/plain; version=0.0.4; charset=utf-8');
}

function send(response: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', Connection: 'close' });
  response.end(body);
}
