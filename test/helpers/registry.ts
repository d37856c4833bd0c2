/**
 * Registry plumbing for tests.
 */
import { Client } from 'pg';
import { loadConfig } from '../../src/config';

/** Test rows go for good (the registry itself only deletes softly). */
export async function purgeNamespace(namespace: string): Promise<void> {
  const db = new Client({ connectionString: loadConfig().databaseUrl });
  await db.connect();
  try {
    await db.query('DELETE FROM tflow.flow_revisions WHERE namespace = $1', [namespace]);
    await db.query('DELETE FROM tflow.flows WHERE namespace = $1', [namespace]);
  } finally {
    await db.end();
  }
}
