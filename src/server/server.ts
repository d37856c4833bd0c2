/**
 * `tflow server`: the REST API and a worker in one process (Kestra's "standalone"). Stops gracefully:
 * the API stops taking requests, running tasks finish, then connections close.
 */
import type { FastifyInstance } from 'fastify';
import { connectClient } from '../client/executions';
import type { TflowConfig } from '../config';
import { KvStore } from '../kv/kv-store';
import { FlowRegistry } from '../registry/flow-registry';
import { startWorker, type TflowWorker } from '../worker/worker';
import { buildApi, type ApiOptions } from './app';

export interface RunningServer {
  app: FastifyInstance;
  worker?: TflowWorker;
  /** The address the API listens on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions extends ApiOptions {
  host?: string;
  port?: number;
  /** Run a worker in the same process (default true). */
  worker?: boolean;
}

export async function startServer(config: TflowConfig, options: ServerOptions = {}): Promise<RunningServer> {
  const registry = FlowRegistry.connect(config.databaseUrl);
  const kv = KvStore.connect(config.databaseUrl);
  const client = await connectClient(config);
  const worker = options.worker === false ? undefined : await startWorker(config);
  const app = await buildApi({ config, client, registry, kv }, options);
  try {
    await app.listen({ host: options.host ?? '0.0.0.0', port: options.port ?? config.apiPort });
  } catch (error) {
    await worker?.shutdown();
    await client.connection.close();
    await registry.close();
    await kv.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? config.apiPort);
  let closing: Promise<void> | undefined;
  return {
    app,
    worker,
    url: `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`,
    close() {
      closing ??= (async () => {
        await app.close();
        await worker?.shutdown();
        await client.connection.close();
        await registry.close();
        await kv.close();
      })();
      return closing;
    },
  };
}
