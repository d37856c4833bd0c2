/**
 * `tflow server`: the REST API and a worker in one process (Kestra's "standalone"). Stops gracefully:
 * the API stops taking requests, running tasks finish, then connections close.
 */
import type { FastifyInstance } from 'fastify';
import { startEagerlyThrough } from '../client/eager-start';
import { connectClient } from '../client/executions';
import type { TflowConfig } from '../config';
import { KvStore } from '../kv/kv-store';
import { FlowStore } from '../flow-store/flow-store';
import { startWorker, type TflowWorker } from '../worker/worker';
import { buildApi, type ApiOptions } from './app';
import { isLoopbackHost } from './request-guard';

export interface RunningServer {
  app: FastifyInstance;
  worker?: TflowWorker;
  /** The address the API listens on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions extends ApiOptions {
  /** The address to listen on (default TFLOW_API_HOST, itself 127.0.0.1). */
  host?: string;
  port?: number;
  /** Run a worker in the same process (default true). */
  worker?: boolean;
  /** Listen on a non-loopback address without TFLOW_BASIC_AUTH (refused otherwise: anyone on the network could run a Shell flow). */
  insecureNoAuth?: boolean;
}

/**
 * The API runs whatever flow it is sent (Shell tasks included): on an address other machines reach,
 * it must ask for credentials. Throws, naming TFLOW_BASIC_AUTH, unless it does or the caller insists.
 */
export function checkListenSafety(config: Pick<TflowConfig, 'basicAuth'>, host: string, insecureNoAuth = false): void {
  if (isLoopbackHost(host) || config.basicAuth || insecureNoAuth) return;
  throw new Error(
    `refusing to listen on ${host} without authentication: set TFLOW_BASIC_AUTH=user:password, or listen on 127.0.0.1 (--insecure-no-auth overrides, letting anyone who reaches ${host} run flows)`,
  );
}

export async function startServer(config: TflowConfig, options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? config.apiHost;
  checkListenSafety(config, host, options.insecureNoAuth);
  const flowStore = FlowStore.connect(config.databaseUrl);
  const kv = KvStore.connect(config.databaseUrl);
  const client = await connectClient(config);
  const worker = options.worker === false ? undefined : await startWorker(config);
  // With a worker in this process, the API starts executions on its connection, eagerly.
  if (worker) startEagerlyThrough(client, worker.connection);
  const app = await buildApi({ config, client, flowStore, kv }, { ...options, listenHost: host });
  try {
    await app.listen({ host, port: options.port ?? config.apiPort });
  } catch (error) {
    await worker?.shutdown();
    await client.connection.close();
    await flowStore.close();
    await kv.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? config.apiPort);
  let closing: Promise<void> | undefined;
  return {
    app,
    worker,
    url: `http://${urlHost(host)}:${port}`,
    close() {
      closing ??= (async () => {
        await app.close();
        await worker?.shutdown();
        await client.connection.close();
        await flowStore.close();
        await kv.close();
      })();
      return closing;
    },
  };
}

/**
 * The host to print in the API's URL for the address it listens on. Only for display: the listen
 * address itself defaults to 127.0.0.1, and a wildcard bind (0.0.0.0, ::) passed checkListenSafety
 * (credentials, or --insecure-no-auth), so from this machine it is reached through loopback.
 */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
