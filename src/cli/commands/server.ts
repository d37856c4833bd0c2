import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { startServer } from '../../server/server';
import { toStderr } from '../output';

export function configureServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the Kestra-compatible REST API and a worker in one process (TFLOW_API_PORT, TFLOW_BASIC_AUTH)')
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--no-worker', 'serve the API only (workers run elsewhere)')
    .action(async (options: { host: string; worker: boolean }) => {
      const config = loadConfig();
      const server = await startServer(config, { host: options.host, worker: options.worker, logger: { level: process.env.TFLOW_LOG_LEVEL?.toLowerCase() ?? 'info' } });
      toStderr(
        `tflow server: API on ${server.url}/api/v1${config.basicAuth ? ' (Basic auth)' : ''}` +
          (server.worker ? `, worker on task queue '${config.taskQueue}'` : '') +
          '. Ctrl-C stops it.',
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          toStderr('Stopping: no new requests; waiting for running tasks to finish…');
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // The Temporal runtime also stops workers on these signals: whichever notices first, stop everything.
        void server.worker?.running.finally(resolve);
      });
      await server.close();
    });
}
