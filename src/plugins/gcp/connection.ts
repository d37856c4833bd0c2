/**
 * What every `io.kestra.plugin.gcp.*` task shares: the connection properties (`projectId`,
 * `serviceAccount`, `scopes`), the Google clients built from them, and `gs://` URIs.
 *
 * Credentials, in order: the task's `serviceAccount` (the key JSON, typically `{{ secret('GCP_CREDS') }}`),
 * else Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server).
 * Emulators: with STORAGE_EMULATOR_HOST (Cloud Storage) or BIGQUERY_EMULATOR_HOST (BigQuery) set in
 * the worker's environment, the client talks to that address without credentials, as Google's own
 * clients do. The Google libraries are loaded on first use, so workers that never run a GCP task
 * do not pay for them.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import type { Storage } from '@google-cloud/storage';
import { z } from 'zod';
import { parseBucketUri } from '../../storage/object-keys';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Kestra's connection properties of every GCP task. */
export const gcpConnectionProperties = {
  projectId: z.string().min(1).optional(),
  /** The service-account key JSON itself (not a path). */
  serviceAccount: z.string().min(1).optional(),
  scopes: z.array(z.string().min(1)).default([CLOUD_PLATFORM_SCOPE]),
};

export interface GcpConnection {
  projectId?: string;
  serviceAccount?: string;
  scopes: string[];
}

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  project_id?: string;
}

/**
 * The key JSON, checked. The message never quotes the text: it is a secret (JSON.parse's own
 * message would echo part of it).
 */
export function parseServiceAccount(text: string): ServiceAccountKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('serviceAccount is not valid JSON: give the service-account key file content (e.g. "{{ secret(\'GCP_CREDS\') }}")');
  }
  const key = parsed as Partial<ServiceAccountKey> | null;
  if (!key || typeof key !== 'object' || typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new Error('serviceAccount is not a service-account key: it needs `client_email` and `private_key`');
  }
  return { client_email: key.client_email, private_key: key.private_key, project_id: key.project_id };
}

/** An emulator address as Google's clients accept it: `host:port` or a URL; no trailing slash. */
function emulatorEndpoint(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  return (/^https?:\/\//.test(trimmed) ? trimmed : `http://${trimmed}`).replace(/\/+$/, '');
}

/** Options shared by the Storage and BigQuery constructors. */
function clientOptions(connection: GcpConnection, emulator: string | undefined) {
  // Checked with an emulator too, so that a broken secret shows up before the real cloud is used.
  const key = connection.serviceAccount ? parseServiceAccount(connection.serviceAccount) : undefined;
  if (emulator) {
    // Emulators take no credentials; a project id is still part of some requests.
    return { apiEndpoint: emulator, projectId: connection.projectId ?? key?.project_id ?? 'tflow-emulator' };
  }
  return {
    projectId: connection.projectId ?? key?.project_id,
    scopes: connection.scopes,
    ...(key ? { credentials: { client_email: key.client_email, private_key: key.private_key } } : {}),
  };
}

/**
 * Google's Node clients take an emulator variable as the whole base URL (`…/storage/v1`) while the
 * other languages' clients (and the emulators' docs) give only the host: a value without a path
 * gets the API's path.
 */
function withApiPath(client: { baseUrl: string }, emulator: string | undefined, apiPath: string): void {
  if (emulator && new URL(emulator).pathname.replace(/\/+$/, '') === '') client.baseUrl = `${emulator}${apiPath}`;
}

export async function storageClient(connection: GcpConnection, env: NodeJS.ProcessEnv = process.env): Promise<Storage> {
  const { Storage } = await import('@google-cloud/storage');
  const emulator = emulatorEndpoint(env.STORAGE_EMULATOR_HOST);
  const storage = new Storage(clientOptions(connection, emulator));
  withApiPath(storage, emulator, '/storage/v1');
  return storage;
}

/**
 * With an API key no credentials add headers, and the client's upload of a load job's file (a
 * multipart request) then fails setting its Content-Type on headers that do not exist: every
 * request gets a headers object.
 */
function withHeaders(client: BigQuery): void {
  const authenticated = client.makeAuthenticatedRequest;
  const withHeaderObject = ((reqOpts: { headers?: Record<string, string> }, ...rest: unknown[]) =>
    (authenticated as (...args: unknown[]) => unknown)({ ...reqOpts, headers: { ...reqOpts.headers } }, ...rest)) as unknown as typeof authenticated;
  client.makeAuthenticatedRequest = Object.assign(withHeaderObject, authenticated);
}

export async function bigQueryClient(connection: GcpConnection & { location?: string }, env: NodeJS.ProcessEnv = process.env): Promise<BigQuery> {
  const { BigQuery } = await import('@google-cloud/bigquery');
  const emulator = emulatorEndpoint(env.BIGQUERY_EMULATOR_HOST);
  // The BigQuery client always authenticates; an API key is the one credential it sends without network calls.
  const bigQuery = new BigQuery({
    ...clientOptions(connection, emulator),
    ...(emulator ? { apiKey: 'emulator' } : {}),
    location: connection.location,
  });
  withApiPath(bigQuery, emulator, '/bigquery/v2');
  if (emulator) withHeaders(bigQuery);
  return bigQuery;
}

export interface GsPath {
  bucket: string;
  /** The object name (no leading slash); '' for the bucket itself. */
  name: string;
}

/** `gs://bucket/path/to/object` → { bucket, name }; `property` names the culprit in the error. */
export function parseGsUri(uri: string, property: string): GsPath {
  const parsed = parseBucketUri(uri, 'gs');
  if (!parsed) throw new Error(`${property} must be a gs://bucket/path URI, got '${uri}'`);
  return { bucket: parsed.bucket, name: parsed.path };
}

export function gsUri(bucket: string, name: string): string {
  return `gs://${bucket}/${name}`;
}
