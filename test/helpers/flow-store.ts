/**
 * Flow store plumbing for tests.
 */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
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
 * For a `describe` whose flows call deployed ones (Subflow): registers the hooks that start a
 * worker on the dev server and deploy `flows` (flow id → YAML) in a fresh namespace
 * `<prefix><random>`, and purge it at the end. The namespace is known at once, the fixture once
 * the `before` hook has run.
 */
export function useDeployedFlows(
  prefix: string,
  flows: (namespace: string) => Record<string, string>,
): { readonly namespace: string; readonly fixture: TemporalFixture } {
  const namespace = `${prefix}${randomBytes(3).toString('hex')}`;
  let fixture: TemporalFixture | undefined;
  let flowStore: FlowStore | undefined;
  before(async () => {
    fixture = await startTemporalFixture();
    flowStore = FlowStore.connect(fixture.config.databaseUrl);
    for (const [flowId, yaml] of Object.entries(flows(namespace))) await flowStore.save(namespace, flowId, yaml);
  });
  after(async () => {
    await flowStore?.close();
    await fixture?.close();
    await purgeNamespace(namespace);
  });
  return {
    namespace,
    get fixture() {
      if (!fixture) throw new Error('useDeployedFlows: the fixture is there once the before hook has run');
      return fixture;
    },
  };
}
