/**
 * Flow store plumbing for tests.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { FlowStore } from '../../src/flow-store/flow-store';
import { startTemporalFixture, type TemporalFixture } from './temporal';

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

/**
 * A worker on the dev server and the flow store, with `flows` (flow id → YAML) deployed in a fresh
 * namespace `<prefix><random>`: for tests whose flows call deployed ones (Subflow). Call `close()` in `after`.
 */
export async function deployedFlowsFixture(
  prefix: string,
  flows: (namespace: string) => Record<string, string>,
): Promise<{ fixture: TemporalFixture; namespace: string; close(): Promise<void> }> {
  const namespace = `${prefix}${randomBytes(3).toString('hex')}`;
  const fixture = await startTemporalFixture();
  const flowStore = FlowStore.connect(fixture.config.databaseUrl);
  for (const [flowId, yaml] of Object.entries(flows(namespace))) await flowStore.save(namespace, flowId, yaml);
  return {
    fixture,
    namespace,
    async close() {
      await flowStore.close();
      await fixture.close();
      await purgeNamespace(namespace);
    },
  };
}
