/**
 * How every tflow process (worker, API, CLI) reaches Temporal, by Temporal's own client
 * configuration conventions (the SDK's environment configuration, @temporalio/envconfig):
 * `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
 * `TEMPORAL_TLS_CLIENT_CERT_PATH`/`…_KEY_PATH`, `TEMPORAL_TLS_SERVER_CA_CERT_PATH`,
 * `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_GRPC_META_*`, and profiles from a `temporal.toml`
 * (`TEMPORAL_CONFIG_FILE`, `TEMPORAL_PROFILE`; by default `~/.config/temporalio/temporal.toml`,
 * the file `temporal config set` writes). Environment variables override the profile. Nothing set:
 * the local dev server, `localhost:7233`, namespace `default`, plain text.
 */
import type { ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

export interface TemporalClientSettings {
  address: string;
  namespace: string;
  connection: TemporalConnectionSecurity;
}

/** How the connection is secured and tagged, beside its address (TflowConfig.temporalConnection). */
export interface TemporalConnectionSecurity {
  /** TLS settings, certificates and keys read; `undefined`: plain text. */
  tls?: ConnectionOptions['tls'];
  apiKey?: string;
  /** gRPC metadata sent with every call (`TEMPORAL_GRPC_META_<NAME>`). */
  metadata?: Record<string, string>;
}

export function temporalClientSettings(env: NodeJS.ProcessEnv = process.env): TemporalClientSettings {
  let loaded;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: definedOnly(env) });
  } catch (error) {
    throw new Error(`Temporal client configuration (TEMPORAL_* variables, temporal.toml profile): ${(error as Error).message}`);
  }
  const options = loaded.connectionOptions;
  return {
    address: options.address || DEFAULT_TEMPORAL_ADDRESS,
    namespace: loaded.namespace || DEFAULT_TEMPORAL_NAMESPACE,
    connection: {
      // envconfig has read the certificate and key files (a missing one fails above, named).
      ...(options.tls ? { tls: options.tls } : {}),
      ...(typeof options.apiKey === 'string' && options.apiKey !== '' ? { apiKey: options.apiKey } : {}),
      ...(options.metadata && Object.keys(options.metadata).length ? { metadata: options.metadata as Record<string, string> } : {}),
    },
  };
}

/** What a connection needs of the configuration: the address (tests point it elsewhere) and its security. */
export interface ConnectionConfig {
  temporalAddress: string;
  temporalConnection: TemporalConnectionSecurity;
}

/** Options for `Connection.connect` (client) and `NativeConnection.connect` (worker): same shape. */
export function connectionOptions(config: ConnectionConfig): ConnectionOptions & { address: string; apiKey?: string } {
  const { tls, apiKey, metadata } = config.temporalConnection;
  return { address: config.temporalAddress, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}), ...(metadata ? { metadata } : {}) };
}

/** What the settings say about security, for startup lines (never the key itself). */
export function describeConnection(settings: TemporalClientSettings): string {
  const { tls, apiKey } = settings.connection;
  const transport = tls ? (typeof tls === 'object' && tls.clientCertPair ? 'mTLS' : 'TLS') : 'plain text';
  return `${settings.address} (namespace ${settings.namespace}, ${transport}${apiKey ? ', API key' : ''})`;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
