import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { EmbeddedPostgres } from '../../postgres/embedded';
import { embeddedDataDir, ensureLocalPostgres, parseDatabaseUrl } from '../../postgres/local';
import { startDevServer, stopDevServer } from '../../temporal/dev-server';
import { type RunningServer, startServer } from '../../server/server';
import { startWorker, type TflowWorker } from '../../worker/worker';
import { toStderr } from '../output';
import { untilSignal } from './worker';

export function configureDevCommand(program: Command): void {
  program
    .command('dev')
    .description('the whole local stack in one command: the Temporal dev server, Postgres (embedded when none answers), the REST API and a worker')
    .option(
      '--reset',
      `clear tflow's local state first (Temporal's database, embedded Postgres data, storage) — executions, schedules and loaded tables are lost`,
    )
    .action(async (options: { reset?: boolean }) => {
      const config = loadConfig();
      if (options.reset) {
        // Stop what runs on the state folder before deleting it from under them.
        await stopDevServer(config.stateDir);
        const relocatedDataDir = stopEmbeddedPostgres(config.stateDir, config.databaseUrl);
        rmSync(config.stateDir, { recursive: true, force: true });
        if (relocatedDataDir) rmSync(relocatedDataDir, { recursive: true, force: true });
        toStderr(`Cleared ${config.stateDir}`);
      }
      const postgres = await ensureLocalPostgres(config, toStderr);
      // Safety net: an uncaught error must not leave the embedded server behind (stop() is idempotent).
      process.once('exit', () => postgres.stop());
      toStderr(postgres.description);
      // The course's flows name their database host `pgdatabase` (docker-compose): map it here unless configured.
      if (!config.hostAliases.pgdatabase) {
        process.env.TFLOW_HOST_ALIASES = [process.env.TFLOW_HOST_ALIASES, `pgdatabase=${postgres.hostPort}`].filter(Boolean).join(',');
        config.hostAliases = loadConfig().hostAliases;
      }
      try {
        const server = await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: toStderr });
        const { api, worker } = await startApiAndWorker(config);
        toStderr(`tflow dev: Temporal on ${config.temporalAddress} (${server.started ? 'started' : 'already running'}), Web UI ${server.webUi}`);
        if (api) toStderr(`REST API on ${api.url}/api/v1${config.basicAuth ? ' (Basic auth)' : ''}`);
        toStderr(
          `Worker polling task queue '${config.taskQueue}'. Run a flow in another terminal: npx tflow run flows/01_hello_world.yaml --wait. Ctrl-C stops.`,
        );
        await untilSignal(worker, async () => {
          await api?.close();
          if (server.started) await stopDevServer(config.stateDir);
        });
      } finally {
        postgres.stop();
      }
    });
}

/**
 * The API with its worker; when the API port is taken (another tflow, another service), the worker
 * alone, with a warning: the rest of the local stack is still useful without the API.
 */
async function startApiAndWorker(config: ReturnType<typeof loadConfig>): Promise<{ api?: RunningServer; worker: TflowWorker }> {
  try {
    const api = await startServer(config, { host: '127.0.0.1', logger: { level: 'warn' } });
    return { api, worker: api.worker! };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    toStderr(`Port ${config.apiPort} is in use: the REST API is not served (set TFLOW_API_PORT to another port).`);
    return { worker: await startWorker(config) };
  }
}

/**
 * Stops an embedded Postgres running on the state folder's data directory, if any. Returns the data
 * directory when it lives outside the state folder (relocated to the temp dir when run as root from a
 * private folder), so that the reset removes it too.
 */
function stopEmbeddedPostgres(stateDir: string, databaseUrl: string): string | undefined {
  const dataDir = embeddedDataDir(stateDir);
  try {
    const server = new EmbeddedPostgres({ dataDir, port: parseDatabaseUrl(databaseUrl).port, superuser: 'root' });
    if (server.stop()) toStderr(`Stopped the embedded Postgres of ${server.dataDir}`);
    return server.dataDir === dataDir ? undefined : server.dataDir;
  } catch (error) {
    toStderr(`Could not stop the embedded Postgres of ${dataDir}: ${(error as Error).message}`);
    return undefined;
  }
}
