/**
 * Connections for the `io.kestra.plugin.jdbc.postgresql.*` tasks: Kestra's `url`
 * (`jdbc:postgresql://host:port/db?…`), `username`, `password` and SSL settings, turned into a
 * node-postgres client.
 *
 * A flow written for docker-compose names hosts like `pgdatabase`; the worker maps them with
 * TFLOW_HOST_ALIASES (host → host[:port]) or replaces whole URLs with TFLOW_JDBC_URL_ALIASES, so the
 * flow itself stays unmodified.
 */
import type { Client, ClientConfig, types } from 'pg';
import { pg } from '../../../postgres/pg-driver';
import { z } from 'zod';
import type { TflowConfig } from '../../../config';
import type { TaskContext } from '../../../workflow/plugins/task-definition';
import { messageOf } from '../../../workflow/error-message';

/** Connection properties shared by every PostgreSQL task (usually set through pluginDefaults). */
export const postgresConnectionProperties = {
  url: z.string(),
  username: z.string().optional(),
  password: z.string().optional(),
  ssl: z.boolean().optional(),
  sslMode: z.enum(['DISABLE', 'ALLOW', 'PREFER', 'REQUIRE', 'VERIFY_CA', 'VERIFY_FULL']).optional(),
  sslRootCert: z.string().optional(),
  sslCert: z.string().optional(),
  sslKey: z.string().optional(),
  sslKeyPassword: z.string().optional(),
  /** Accepted for compatibility; timestamps are returned without conversion. */
  timeZoneId: z.string().optional(),
};

export interface PostgresConnectionProps {
  url: string;
  username?: string;
  password?: string;
  ssl?: boolean;
  sslMode?: string;
  sslRootCert?: string;
  sslCert?: string;
  sslKey?: string;
  sslKeyPassword?: string;
}

export interface ResolvedConnection {
  config: ClientConfig;
  /** `host:port/database` as connected, for messages. */
  target: string;
  /** How an alias changed the URL, for messages. */
  aliasNote?: string;
}

/** Parses a JDBC (or postgres://) URL and applies the worker's aliases. */
export function resolveConnection(props: PostgresConnectionProps, config: Pick<TflowConfig, 'hostAliases' | 'jdbcUrlAliases'>): ResolvedConnection {
  let url = props.url.trim();
  let aliasNote: string | undefined;
  const replaced = config.jdbcUrlAliases[url];
  if (replaced) {
    aliasNote = `${url} mapped to ${replaced} by TFLOW_JDBC_URL_ALIASES`;
    url = replaced;
  }
  const match = /^(?:jdbc:postgresql:|postgres(?:ql)?:)(?:\/\/([^/?]*))?\/?([^?]*)(?:\?(.*))?$/i.exec(url);
  if (!match) throw new Error(`Invalid PostgreSQL url "${redactUrlPasswords(props.url)}": expected jdbc:postgresql://host:port/database`);
  const [, authority = '', database = '', query = ''] = match;
  const params = new URLSearchParams(query);
  let userInfo: string | undefined;
  let hostPort = authority;
  if (authority.includes('@'))
    [userInfo, hostPort] = [authority.slice(0, authority.lastIndexOf('@')), authority.slice(authority.lastIndexOf('@') + 1)];
  let { host, port } = splitHostPort(hostPort || 'localhost');
  const alias = config.hostAliases[host.toLowerCase()];
  if (alias) {
    const target = splitHostPort(alias);
    aliasNote = `${aliasNote ? `${aliasNote}; ` : ''}host ${host} mapped to ${alias} by TFLOW_HOST_ALIASES`;
    host = target.host;
    port = target.port ?? port;
  }
  const [urlUser, urlPassword] = userInfo ? userInfo.split(':').map(decodeURIComponent) : [];
  const sslMode = (props.sslMode ?? params.get('sslmode') ?? (props.ssl || params.get('ssl') === 'true' ? 'REQUIRE' : 'DISABLE')).toUpperCase();
  const clientConfig: ClientConfig = {
    host,
    port: port ?? 5432,
    database: decodeURIComponent(database) || undefined,
    user: props.username ?? params.get('user') ?? urlUser,
    password: props.password ?? params.get('password') ?? urlPassword,
    application_name: params.get('ApplicationName') ?? 'tflow',
    ssl: sslFor(sslMode, props),
    types: { getTypeParser: parserFor as typeof types.getTypeParser },
  };
  const connectTimeout = Number(params.get('connectTimeout') ?? 30);
  if (connectTimeout > 0) clientConfig.connectionTimeoutMillis = connectTimeout * 1000;
  const schema = params.get('currentSchema');
  if (schema) clientConfig.options = `-c search_path=${schema}`;
  return { config: clientConfig, target: `${host}:${clientConfig.port}/${clientConfig.database ?? ''}`, aliasNote };
}

/**
 * Opens a connection for a task: errors name the URL, the user and any alias applied; the
 * returned client cancels its running statement when the task is cancelled.
 */
export async function connectPostgres(props: PostgresConnectionProps, context: TaskContext): Promise<Client> {
  const resolved = resolveConnection(props, context.config);
  const client = new (pg().Client)(resolved.config);
  client.on('error', () => undefined); // reported through the failing query instead
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const user = resolved.config.user ? ` as user ${resolved.config.user}` : '';
    const via = resolved.aliasNote ? ` (${redactUrlPasswords(resolved.aliasNote)})` : '';
    throw new Error(`Cannot connect to PostgreSQL ${redactUrlPasswords(props.url)}${user}${via}: ${connectProblem(error, resolved.config)}`);
  }
  cancelOnAbort(client, resolved.config, context);
  return client;
}

/** On cancellation, asks the server to cancel the running statement (from a second connection). */
function cancelOnAbort(client: Client, config: ClientConfig, context: TaskContext): void {
  const onAbort = async () => {
    const pid = (client as unknown as { processID?: number }).processID;
    if (!pid) return;
    const canceller = new (pg().Client)({ ...config, application_name: 'tflow-cancel' });
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // the connection may already be gone
    } finally {
      await canceller.end().catch(() => undefined);
    }
  };
  context.signal.addEventListener('abort', () => void onAbort(), { once: true });
}

/** What went wrong while connecting, with what to check; never the password itself. */
function connectProblem(error: unknown, config: ClientConfig): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = messageOf(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `${message}; if this host name only exists in docker-compose, map it with TFLOW_HOST_ALIASES=${config.host}=127.0.0.1`;
  }
  // 28P01 invalid_password, 28000 invalid_authorization_specification (pg_hba refused the user).
  if (code === '28P01' || code === '28000') {
    return `${message}; check the \`username\` and \`password\` properties (set on the task or in pluginDefaults for io.kestra.plugin.jdbc.postgresql)`;
  }
  // node-postgres' own words when the server asks for a password and none was given.
  if (/client password must be a string/.test(message)) {
    return `the server asks for a password and none is set: add the \`password\` property (on the task or in pluginDefaults for io.kestra.plugin.jdbc.postgresql)`;
  }
  return message;
}

/** A URL for messages: the password of `user:password@` or `?password=` replaced by `***`. */
export function redactUrlPasswords(text: string): string {
  return text.replace(/(\/\/[^/@:\s]*:)[^/\s]*@/g, '$1***@').replace(/([?&]password=)[^&\s]*/gi, '$1***');
}

function splitHostPort(text: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] ? Number(bracketed[2]) : undefined };
  const firstHost = text.split(',')[0];
  const colon = firstHost.lastIndexOf(':');
  if (colon === -1) return { host: firstHost };
  return { host: firstHost.slice(0, colon), port: Number(firstHost.slice(colon + 1)) };
}

function sslFor(mode: string, props: PostgresConnectionProps): ClientConfig['ssl'] {
  if (mode === 'DISABLE' || mode === 'ALLOW' || mode === 'PREFER') return false;
  return {
    rejectUnauthorized: mode === 'VERIFY_CA' || mode === 'VERIFY_FULL',
    ...(props.sslRootCert ? { ca: props.sslRootCert } : {}),
    ...(props.sslCert ? { cert: props.sslCert } : {}),
    ...(props.sslKey ? { key: props.sslKey } : {}),
    ...(props.sslKeyPassword ? { passphrase: props.sslKeyPassword } : {}),
  };
}

const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;
const DATE_OID = 1082;
const NUMERIC_OID = 1700;
const INT8_OID = 20;

/**
 * Values as Kestra's outputs show them: timestamps without zone as `2019-01-01T00:46:40` (never
 * shifted by the worker's time zone), with zone as ISO instants, numerics as numbers.
 */
function parserFor(oid: number, format?: string): (value: string) => unknown {
  if (format === 'binary') return pg().types.getTypeParser(oid, 'binary') as (value: string) => unknown;
  switch (oid) {
    case TIMESTAMP_OID:
      return (value) => value.replace(' ', 'T');
    case TIMESTAMPTZ_OID:
      return (value) => {
        const date = new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
        return Number.isNaN(date.getTime()) ? value : date.toISOString();
      };
    case DATE_OID:
      return (value) => value;
    case NUMERIC_OID:
    case INT8_OID:
      return (value) => (Number.isSafeInteger(Number(value)) || (oid === NUMERIC_OID && Number.isFinite(Number(value))) ? Number(value) : value);
    default:
      return pg().types.getTypeParser(oid, 'text') as (value: string) => unknown;
  }
}
