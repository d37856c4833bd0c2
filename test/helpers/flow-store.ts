/**
 * Flow store plumbing for tests.
 */
import { Client } from 'pg';
import { loadConfig } from '../../src/config';

/** Test rows go for good (the flow store itself only deletes softly). */
export async function purgeNamespace(namespace: string): Promise<void> {
  const db = new Client({ connectionString: loadConfig().databaseUrl });
  await db.connect();
  try {
    // Tables of later migrations may not exist yet in an old database.
    await db.query('DELETE FROM tflow.flow_trigger_subscriptions WHERE namespace = $1', [namespace]).catch(() => undefined);
    await db.query('DELETE FROM tflow.flow_trigger_preconditions WHERE namespace = $1', [namespace]).catch(() => undefined);
    await db.query('DELETE FROM tflow.flow_revisions WHERE namespace = $1', [namespace]);
    await db.query('DELETE FROM tflow.flows WHERE namespace = $1', [namespace]);
  } finally {
    await db.end();
  }
}
