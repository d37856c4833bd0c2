/**
 * A production-style Temporal for tests: the Temporal server built from its Go module
 * (./go-test-servers.ts), with PostgreSQL persistence and visibility on a fresh pair of databases
 * on the machine's Postgres, all its services in one process, on free ports. The schemas are set
 * up as an operator would: the server's SQL tool creates each database, sets up versioning and
 * applies the versioned schema folders shipped in the module source. The `default` namespace and
 * tflow's search attributes are registered with the Temporal CLI, as docs/production.md says.
 *
 * `restart()` stops the process and starts it again on the same databases and ports, so clients
 * (workers, the API) reconnect to the same address and find every execution where it was.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { ensureTemporalCli } from '../../src/temporal/dev-server';
import { CLI_TYPE_NAMES, SEARCH_ATTRIBUTES } from '../../src/workflow/search-attributes';
import { runCli } from './cli';
import { ensureGoBinary, TEMPORAL_SERVER, TEMPORAL_SQL_TOOL } from './go-test-servers';
import { dropDatabase, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER } from './postgres';

export const TEMPORAL_NAMESPACE = 'default';
/** A cold start (schema checks, membership join, shard acquisition) takes 10–30 s on 2 busy cores. */
const READY_TIMEOUT_MS = 180_000;

interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export class TemporalServer {
  private child?: ChildProcess;
  /** The end of the server's output, for the error when it does not come up. */
  private outputTail = '';

  private constructor(
    private readonly binary: string,
    private readonly configFile: string,
    private readonly dir: string,
    readonly databases: { persistence: string; visibility: string },
    private readonly ports: ServerPorts,
  ) {}

  /** Sets up the databases and the configuration, starts the server and waits until `default` answers. */
  static async start(report: (line: string) => void = (line) => console.error(line)): Promise<TemporalServer> {
    const binary = ensureGoBinary(TEMPORAL_SERVER, report);
    const suffix = randomBytes(4).toString('hex');
    const databases = { persistence: `tflow_temporal_${suffix}`, visibility: `tflow_temporal_visibility_${suffix}` };
    const dir = await mkdtemp(join(tmpdir(), 'tflow-temporal-server-'));
    const ports = await lowFreePorts();
    const configFile = join(dir, 'temporal.yaml');
    const server = new TemporalServer(binary, configFile, dir, databases, ports);
    try {
      await setUpSchemas(databases, report);
      await writeFile(configFile, stringify(serverConfig(ports, databases)));
      await server.launch();
      await server.registerNamespace();
      await server.ready();
      return server;
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  /** host:port of the gRPC frontend: TEMPORAL_ADDRESS for workers, the API and the CLI. */
  get address(): string {
    return `127.0.0.1:${this.ports.frontend}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops the server: SIGTERM for a graceful stop, SIGKILL for a crash. The databases stay. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and starts it again on the same databases and ports; resolves once it answers. */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.launch();
    await this.ready();
  }

  /** Stops the server and drops its databases and files. */
  async close(): Promise<void> {
    await this.stop();
    await dropDatabase(this.databases.persistence);
    await dropDatabase(this.databases.visibility);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    this.outputTail = '';
    const child = spawn(this.binary, ['--config-file', this.configFile, '--allow-no-auth', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (this.outputTail = (this.outputTail + chunk.toString()).slice(-6000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    await this.poll('frontend', async (connection) => {
      await connection.workflowService.getSystemInfo({});
    });
  }

  /** `default`, with tflow's search attributes, registered as an operator does on a new cluster. */
  private async registerNamespace(): Promise<void> {
    const cli = await ensureTemporalCli();
    const temporal = async (args: string[]) => {
      const result = await runCli(cli, [...args, '--address', this.address]);
      if (result.code !== 0) throw new Error(`temporal ${args.join(' ')} failed: ${result.stderr}`);
    };
    await temporal(['operator', 'namespace', 'create', '--namespace', TEMPORAL_NAMESPACE, '--retention', '1d']);
    const attributes = SEARCH_ATTRIBUTES.flatMap((key) => ['--name', key.name, '--type', CLI_TYPE_NAMES[key.type]]);
    await temporal(['operator', 'search-attribute', 'create', '--namespace', TEMPORAL_NAMESPACE, ...attributes]);
  }

  /** Until a visibility query naming tflow's attributes answers: the namespace and its attributes are loaded. */
  private ready(): Promise<void> {
    return this.poll(`namespace ${TEMPORAL_NAMESPACE}`, async (connection) => {
      await connection.workflowService.countWorkflowExecutions({ namespace: TEMPORAL_NAMESPACE, query: 'FlowId = "readiness-check"' });
    });
  }

  private async poll(what: string, check: (connection: Connection) => Promise<void>): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the Temporal server exited with ${this.child?.exitCode}: ${this.outputTail}`);
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 2_000 });
        try {
          await check(connection);
          return;
        } finally {
          await connection.close();
        }
      } catch (error) {
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the Temporal server's ${what} did not answer within ${READY_TIMEOUT_MS / 1000} s (${String(lastError)}): ${this.outputTail}`);
  }
}

/**
 * Creates both databases and brings their schemas to the server's version with its SQL tool
 * (`temporal-sql-tool` in Temporal's images), from the versioned folders of the module source.
 */
async function setUpSchemas(databases: { persistence: string; visibility: string }, report: (line: string) => void): Promise<void> {
  const sqlTool = ensureGoBinary(TEMPORAL_SQL_TOOL, report);
  const schemaRoot = join(await goModuleDir('go.temporal.io/server', TEMPORAL_SERVER.version), 'schema', 'postgresql', 'v12');
  const connection = ['--ep', POSTGRES_HOST, '-p', String(POSTGRES_PORT), '-u', POSTGRES_USER, '--pl', 'postgres12'];
  for (const [database, schema] of [
    [databases.persistence, 'temporal'],
    [databases.visibility, 'visibility'],
  ]) {
    for (const command of [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '-d', join(schemaRoot, schema, 'versioned')]]) {
      const result = await runCli(sqlTool, [...connection, '--db', database, ...command]);
      if (result.code !== 0) throw new Error(`temporal-sql-tool ${command[0]} on ${database} failed: ${result.stderr}${result.stdout}`);
    }
  }
}

/** Where the Go module cache keeps a module's source (downloaded when missing). */
async function goModuleDir(module: string, version: string): Promise<string> {
  const result = await runCli('go', ['mod', 'download', '-json', `${module}@v${version}`]);
  if (result.code !== 0) throw new Error(`go mod download ${module}@v${version} failed: ${result.stderr}${result.stdout}`);
  return (JSON.parse(result.stdout) as { Dir: string }).Dir;
}

/**
 * Nine free ports, all below the kernel's ephemeral range (32768–60999 here): the membership
 * (ringpop) ports must be below it on this machine, and a port outside it cannot be taken as the
 * source port of some outgoing connection between `stop()` and `restart()`.
 */
async function lowFreePorts(): Promise<ServerPorts> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (!taken.has(port) && (await canListen(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  return {
    frontend: await next(),
    frontendHttp: await next(),
    frontendMembership: await next(),
    history: await next(),
    historyMembership: await next(),
    matching: await next(),
    matchingMembership: await next(),
    worker: await next(),
    workerMembership: await next(),
  };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The server's configuration file (`server --config-file`): what config/development-postgres12.yaml holds, on our ports. */
function serverConfig(ports: ServerPorts, databases: { persistence: string; visibility: string }): unknown {
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${POSTGRES_HOST}:${POSTGRES_PORT}`,
      connectProtocol: 'tcp',
      user: POSTGRES_USER,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': datastore(databases.persistence, 20), 'postgres-visibility': datastore(databases.visibility, 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
          httpAddress: `127.0.0.1:${ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: `127.0.0.1:${ports.frontend}` },
  };
}
