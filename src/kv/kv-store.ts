/**
 * Kestra's KV store, in tflow's own Postgres (TFLOW_DATABASE_URL), table `tflow.kv_entries`,
 * created on first use. Keys are per namespace; a value keeps its Kestra type (STRING, NUMBER,
 * BOOLEAN, DATETIME, DATE, DURATION, JSON) and may expire (`ttl`): an expired entry reads as missing
 * and is deleted lazily.
 *
 * Used by the kv.* tasks and the `kv()` expression function, inside activities only.
 */
import type { Pool } from 'pg';
import { SchemaSetup, tflowDatabasePool } from '../postgres/schema-migrations';

export const KV_TYPES = ['STRING', 'NUMBER', 'BOOLEAN', 'DATETIME', 'DATE', 'DURATION', 'JSON'] as const;
export type KvType = (typeof KV_TYPES)[number];

export interface KvValue {
  type: KvType;
  value: unknown;
}

export interface KvEntry extends KvValue {
  namespace: string;
  key: string;
  expiresAt?: Date;
  updatedAt: Date;
}

/** A key Set with `overwrite: false` that already holds a value. */
export class KvKeyExistsError extends Error {
  override name = 'KvKeyExistsError';
}

/** Own lock id, so the flow store's migrations (another advisory lock) never wait on ours. */
const SCHEMA_LOCK = 7_452_101;

const SCHEMA = `
  CREATE SCHEMA IF NOT EXISTS tflow;
  CREATE TABLE IF NOT EXISTS tflow.kv_entries (
    namespace  text        NOT NULL,
    key        text        NOT NULL,
    type       text        NOT NULL,
    value      jsonb,
    expires_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, key)
  );`;

const LIVE = '(expires_at IS NULL OR expires_at > now())';

export class KvStore {
  /** `tflow.kv_entries`, created on first use. */
  private readonly schema: SchemaSetup;

  constructor(private readonly pool: Pool) {
    this.schema = new SchemaSetup(pool, SCHEMA_LOCK, async (db) => {
      await db.query(SCHEMA);
    });
  }

  static connect(databaseUrl: string): KvStore {
    return new KvStore(tflowDatabasePool(databaseUrl));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Stores a value; refused with KvKeyExistsError when `overwrite` is false and the key holds a live value. */
  async set(namespace: string, key: string, entry: KvValue, options: { overwrite?: boolean; ttlMs?: number } = {}): Promise<void> {
    await this.schema.ensure();
    const expires = options.ttlMs === undefined ? null : new Date(Date.now() + options.ttlMs);
    const value = JSON.stringify(entry.value ?? null);
    // With `overwrite: false`, only an expired value is replaced.
    const onlyExpired = options.overwrite === false ? ' WHERE e.expires_at IS NOT NULL AND e.expires_at <= now()' : '';
    const result = await this.pool.query(
      `INSERT INTO tflow.kv_entries AS e (namespace, key, type, value, expires_at) VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (namespace, key) DO UPDATE SET type = $3, value = $4::jsonb, expires_at = $5, updated_at = now()${onlyExpired}`,
      [namespace, key, entry.type, value, expires],
    );
    if (result.rowCount === 0) {
      throw new KvKeyExistsError(`Cannot set value for key '${key}'. Key already exists and \`overwrite\` is set to \`false\`.`);
    }
  }

  /** The live entry, or undefined (missing or expired). */
  async get(namespace: string, key: string): Promise<KvEntry | undefined> {
    await this.schema.ensure();
    const result = await this.pool.query(`SELECT * FROM tflow.kv_entries WHERE namespace = $1 AND key = $2 AND ${LIVE}`, [namespace, key]);
    const row = result.rows[0];
    if (!row) {
      await this.pool.query('DELETE FROM tflow.kv_entries WHERE namespace = $1 AND key = $2 AND NOT ' + LIVE, [namespace, key]);
      return undefined;
    }
    return {
      namespace,
      key,
      type: row.type as KvType,
      value: row.value,
      ...(row.expires_at ? { expiresAt: row.expires_at as Date } : {}),
      updatedAt: row.updated_at as Date,
    };
  }

  /** Deletes a key; true when a live value was there. */
  async delete(namespace: string, key: string): Promise<boolean> {
    await this.schema.ensure();
    const result = await this.pool.query(`DELETE FROM tflow.kv_entries WHERE namespace = $1 AND key = $2 RETURNING ${LIVE} AS live`, [
      namespace,
      key,
    ]);
    return result.rows.some((r) => r.live === true);
  }

  /** Live keys of a namespace, optionally starting with `prefix`, sorted. */
  async keys(namespace: string, prefix = ''): Promise<string[]> {
    await this.schema.ensure();
    const result = await this.pool.query<{ key: string }>(
      `SELECT key FROM tflow.kv_entries WHERE namespace = $1 AND starts_with(key, $2) AND ${LIVE} ORDER BY key`,
      [namespace, prefix],
    );
    return result.rows.map((r) => r.key);
  }
}

const stores = new Map<string, KvStore>();

/** One store (one small pool) per database URL for the whole worker process. */
export function kvStoreFor(databaseUrl: string): KvStore {
  let store = stores.get(databaseUrl);
  if (!store) {
    store = KvStore.connect(databaseUrl);
    stores.set(databaseUrl, store);
  }
  return store;
}

/** Kestra's message for `kv('K')` / kv.Get with `errorOnMissing` on a missing key. */
export function missingKeyMessage(namespace: string, key: string): string {
  return `The key '${key}' does not exist in the namespace '${namespace}'.`;
}
