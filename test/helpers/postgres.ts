/**
 * A throwaway Postgres database on the machine's server (127.0.0.1:5432, role root, trust) for one
 * test file: created in `before`, dropped in `after`.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const POSTGRES_HOST = process.env.TFLOW_TEST_PGHOST ?? '127.0.0.1';
export const POSTGRES_PORT = Number(process.env.TFLOW_TEST_PGPORT ?? 5432);
export const POSTGRES_USER = process.env.TFLOW_TEST_PGUSER ?? 'root';

export interface TestDatabase {
  name: string;
  /** Kestra's form, for flows. */
  jdbcUrl: string;
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ host: POSTGRES_HOST, port: POSTGRES_PORT, user: POSTGRES_USER, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const client = new Client({ host: POSTGRES_HOST, port: POSTGRES_PORT, user: POSTGRES_USER, database: name });
  await client.connect();
  return {
    name,
    jdbcUrl: `jdbc:postgresql://${POSTGRES_HOST}:${POSTGRES_PORT}/${name}`,
    query: async <T extends Record<string, unknown>>(sql: string, values?: unknown[]) => (await client.query(sql, values)).rows as T[],
    async drop() {
      await client.end();
      await dropDatabase(name);
    },
  };
}

/** Drops a database of the tests, whoever is still connected to it. */
export async function dropDatabase(name: string): Promise<void> {
  const dropper = new Client({ host: POSTGRES_HOST, port: POSTGRES_PORT, user: POSTGRES_USER, database: 'postgres' });
  await dropper.connect();
  try {
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await dropper.end();
  }
}
