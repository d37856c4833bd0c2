/**
 * Pools, transactions and first-use schema creation for the tables tflow keeps in its own Postgres
 * (schema `tflow`: the flow store, the KV store).
 */
import type { Pool, PoolClient } from 'pg';
import { pg } from './pg-driver';

/**
 * A pool on tflow's own database (flow store, KV store). Bounded in time: a database that does not
 * answer fails a call in seconds instead of hanging it (workers call the flow store at every
 * execution's end), and a statement that hangs is cancelled. An idle client losing its server (a
 * restart, the demo's embedded Postgres stopping) must not crash the process.
 */
export function tflowDatabasePool(databaseUrl: string): Pool {
  const pool = new (pg().Pool)({ connectionString: databaseUrl, max: 4, connectionTimeoutMillis: 10_000, query_timeout: 60_000 });
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction on a pooled connection: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: Pool, work: (db: PoolClient) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const result = await work(db);
    await db.query('COMMIT');
    return result;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    db.release();
  }
}

/**
 * Creates a schema once per owner object: the first `ensure()` runs `create` in a transaction
 * holding the advisory lock `lockId` (several workers may start at once, and CREATE … IF NOT EXISTS
 * races without a lock); later calls share its promise. A failed attempt is forgotten, so the next
 * call tries again.
 */
export class SchemaSetup {
  private ready?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly lockId: number,
    private readonly create: (db: PoolClient) => Promise<void>,
  ) {}

  ensure(): Promise<void> {
    this.ready ??= inTransaction(this.pool, async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [this.lockId]);
      await this.create(db);
    }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
