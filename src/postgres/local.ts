/**
 * Which Postgres the local stack (`tflow dev`, `tflow demo`) uses: the one that answers at
 * TFLOW_DATABASE_URL's address, always preferred; when nothing listens there and the address is
 * this machine, an embedded Postgres (./embedded.ts) started on that same port, with its data in
 * `<state dir>/postgres`. Either way the rest of tflow keeps reading TFLOW_DATABASE_URL unchanged.
 */
import { join } from 'node:path';
import { Client } from 'pg';
import type { TflowConfig } from '../config';
import { isListening } from '../temporal/dev-server';
import { EmbeddedPostgres } from './embedded';

/** The course's database and role (docker-compose's `pgdatabase`: ny_taxi, root/root). */
export const COURSE_DATABASE = 'ny_taxi';
export const COURSE_ROLE = { user: 'root', password: 'root' };

export interface LocalPostgres {
  kind: 'existing' | 'embedded';
  host: string;
  port: number;
  /** For TFLOW_HOST_ALIASES: `pgdatabase=<hostPort>`. */
  hostPort: string;
  /** TFLOW_DATABASE_URL as configured (it now answers). */
  databaseUrl: string;
  /** The embedded server's data directory. */
  dataDir?: string;
  /** True when this process started the embedded server, so it must stop it. */
  startedHere: boolean;
  /** One line for the output: which Postgres is used. */
  description: string;
  /** Stops the embedded server if this process started it (idempotent). */
  stop(): void;
}

export function embeddedDataDir(stateDir: string): string {
  return join(stateDir, 'postgres');
}

interface DatabaseAddress {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

export function parseDatabaseUrl(databaseUrl: string): DatabaseAddress {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`TFLOW_DATABASE_URL: expected postgres://user@host:port/database, got "${databaseUrl}"`);
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || process.env.USER || 'postgres',
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres',
  };
}

function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}

/**
 * Finds the Postgres to use, starting the embedded one when none answers. The embedded server
 * gets tflow's database (TFLOW_DATABASE_URL's) and the course's role and database.
 */
export async function ensureLocalPostgres(
  config: Pick<TflowConfig, 'databaseUrl' | 'stateDir'>,
  report: (line: string) => void = () => {},
): Promise<LocalPostgres> {
  const address = parseDatabaseUrl(config.databaseUrl);
  const hostPort = `${address.host}:${address.port}`;
  const embedded = isLocalHost(address.host) ? new LocalEmbedded(config, address) : undefined;

  if (await isListening(hostPort)) {
    // Our own embedded server, left running by an earlier run that did not stop it: reuse it.
    if (embedded?.server.isRunning() && embedded.server.runningPort() === address.port) return embedded.describe(false);
    return {
      kind: 'existing',
      host: address.host,
      port: address.port,
      hostPort,
      databaseUrl: config.databaseUrl,
      startedHere: false,
      description: `Postgres: using the server that answers at ${hostPort} (TFLOW_DATABASE_URL)`,
      stop: () => {},
    };
  }
  if (!embedded) {
    throw new Error(
      `No Postgres answers at ${hostPort} (TFLOW_DATABASE_URL), and tflow only starts an embedded one on this machine (localhost/127.0.0.1).`,
    );
  }
  if (embedded.server.isRunning()) {
    throw new Error(
      `The embedded Postgres in ${embedded.server.dataDir} already runs on port ${embedded.server.runningPort()}, not ${address.port} (TFLOW_DATABASE_URL): ` +
        'point TFLOW_DATABASE_URL at that port, or stop it with `npx tflow dev --reset` (which also clears the local state).',
    );
  }
  await embedded.server.start(report);
  const local = embedded.describe(true);
  try {
    const created = await prepareDatabases(local);
    if (created.length > 0) report(`Created ${created.join(', ')} in the embedded Postgres.`);
  } catch (error) {
    local.stop();
    throw error;
  }
  return local;
}

class LocalEmbedded {
  readonly server: EmbeddedPostgres;

  constructor(
    private readonly config: Pick<TflowConfig, 'databaseUrl' | 'stateDir'>,
    private readonly address: DatabaseAddress,
  ) {
    // The bootstrap superuser is TFLOW_DATABASE_URL's user (root by default): tflow connects as it.
    this.server = new EmbeddedPostgres({ dataDir: embeddedDataDir(config.stateDir), port: address.port, superuser: address.user });
  }

  describe(startedHere: boolean): LocalPostgres {
    const { server } = this;
    const hostPort = `127.0.0.1:${this.address.port}`;
    let stopped = false;
    return {
      kind: 'embedded',
      host: '127.0.0.1',
      port: this.address.port,
      hostPort,
      databaseUrl: this.config.databaseUrl,
      dataDir: server.dataDir,
      startedHere,
      description: startedHere
        ? `Postgres: nothing answered at ${hostPort}, so tflow started an embedded PostgreSQL 17 there (data in ${server.dataDir}; it stops when this command ends)`
        : `Postgres: reusing the embedded PostgreSQL left running on ${hostPort} (data in ${server.dataDir}; \`npx tflow dev --reset\` stops it)`,
      stop: () => {
        if (!startedHere || stopped) return;
        stopped = true;
        server.stop();
      },
    };
  }
}

/**
 * Creates what the course's flows and tflow expect, when missing: the role root/root, the database
 * ny_taxi, and TFLOW_DATABASE_URL's database. Idempotent. On a server of our own (embedded) the
 * role also gets the course's password; an existing server's roles are never changed.
 */
export async function prepareDatabases(local: Pick<LocalPostgres, 'databaseUrl' | 'kind'>): Promise<string[]> {
  const address = parseDatabaseUrl(local.databaseUrl);
  // Connect to the maintenance database: TFLOW_DATABASE_URL's own database may not exist yet.
  const admin = new Client({ host: address.host, port: address.port, user: address.user, password: address.password, database: 'postgres' });
  const created: string[] = [];
  await admin.connect();
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [COURSE_ROLE.user]);
    if (role.rowCount === 0) {
      await admin.query(`CREATE ROLE ${quoteIdent(COURSE_ROLE.user)} LOGIN PASSWORD '${COURSE_ROLE.password}'`);
      created.push(`role ${COURSE_ROLE.user}`);
    } else if (local.kind === 'embedded') {
      await admin.query(`ALTER ROLE ${quoteIdent(COURSE_ROLE.user)} LOGIN PASSWORD '${COURSE_ROLE.password}'`);
    }
    for (const name of new Set([COURSE_DATABASE, address.database])) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount !== 0) continue;
      const owner = name === COURSE_DATABASE ? ` OWNER ${quoteIdent(COURSE_ROLE.user)}` : '';
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}${owner}`);
      created.push(`database ${name}`);
    }
  } finally {
    await admin.end();
  }
  return created;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
