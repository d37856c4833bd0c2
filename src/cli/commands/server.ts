import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { isLoopbackHost } from '../../server/request-guard';
import { startServer } from '../../server/server';
import { toStderr, UsageError } from '../output';
import { onStopSignals } from './worker';

export function configureServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the Kestra-compatible REST API and a worker in one process (TFLOW_API_HOST, TFLOW_API_PORT, TFLOW_BASIC_AUTH)')
    .option('--host <host>', 'address to listen on (default TFLOW_API_HOST, else 127.0.0.1); another than loopback requires TFLOW_BASIC_AUTH')
    .option('--port <port>', 'port to listen on (default TFLOW_API_PORT, else 8080)')
    .option('--insecure-no-auth', 'listen on a non-loopback address without TFLOW_BASIC_AUTH: anyone who reaches it can run flows')
    .option('--no-worker', 'serve the API only (workers run elsewhere)')
    .option('--max-wait <seconds>', 'longest a `?wait=true` execution request is held before answering with the execution as it stands', '300')
    .action(async (options: { host?: string; port?: string; insecureNoAuth?: boolean; worker: boolean; maxWait: string }) => {
      const config = loadConfig();
      const host = options.host ?? config.apiHost;
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
        throw new UsageError(`--port: expected a port number, got '${options.port}'`);
      const maxWait = Number(options.maxWait);
      if (!(Number.isInteger(maxWait) && maxWait > 0))
        throw new UsageError(`--max-wait: expected a whole number of seconds, got '${options.maxWait}'`);
      if (options.insecureNoAuth && !config.basicAuth && !isLoopbackHost(host)) {
        toStderr(
          `WARNING: --insecure-no-auth: the API on ${host} has no authentication; anyone who reaches it can deploy and run flows (Shell tasks included).`,
        );
      }
      const server = await startServer(config, {
        host,
        port,
        insecureNoAuth: options.insecureNoAuth,
        worker: options.worker,
        limits: { executionWaitMs: maxWait * 1000 },
        logger: { level: process.env.TFLOW_LOG_LEVEL?.toLowerCase() ?? 'info' },
      });
      toStderr(
        `tflow server: API on ${server.url}/api/v1${config.basicAuth ? ' (Basic auth)' : ''}` +
          (server.worker ? `, worker on task queue '${config.taskQueue}'` : '') +
          '. Ctrl-C stops it.',
      );
      await new Promise<void>((resolve) => {
        onStopSignals(() => {
          toStderr('Stopping: no new requests; waiting for running tasks to finish (TFLOW_WORKER_SHUTDOWN_GRACE); a second Ctrl-C exits now…');
          resolve();
        });
        // The Temporal runtime also stops workers on these signals: whichever notices first, stop everything.
        void server.worker?.running.finally(resolve);
      });
      await server.close();
    });
}
