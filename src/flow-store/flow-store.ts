/**
 * The flow store: every revision of every deployed flow, in tflow's own Postgres schema
 * (`TFLOW_DATABASE_URL`, schema `tflow`, created on first use).
 *
 * Rules (Kestra's): a new revision only when the source text changes; the source is kept verbatim
 * (comments and formatting included); a flow's namespace and id never change; deleting is soft
 * (revisions stay; deploying the flow again continues its revision numbers).
 */
import type { Pool, PoolClient } from 'pg';
import type { SubscriptionKey } from '../flow-triggers/flow-conditions';
import { inTransaction, SchemaSetup, tflowDatabasePool } from '../postgres/schema-migrations';

export interface FlowRevision {
  namespace: string;
  flowId: string;
  revision: number;
  /** The YAML exactly as deployed. */
  source: string;
  createdAt: Date;
}

export interface FlowEntry {
  namespace: string;
  flowId: string;
  /** The latest revision. */
  revision: number;
  deleted: boolean;
  /** Temporal Schedules tflow created for this flow's Schedule triggers. */
  scheduleIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export type SaveStatus = 'created' | 'updated' | 'unchanged';

/** A Flow trigger of a deployed flow and one key of the executions it may listen to. */
export interface FlowTriggerSubscription {
  triggerId: string;
  key: SubscriptionKey;
}

export interface SaveResult {
  status: SaveStatus;
  revision: number;
}

export class FlowNotFoundError extends Error {
  override name = 'FlowNotFoundError';
  constructor(
    readonly namespace: string,
    readonly flowId: string,
    revision?: number,
  ) {
    super(revision === undefined ? `Flow ${namespace}.${flowId} not found` : `Flow ${namespace}.${flowId} revision ${revision} not found`);
  }
}

/** Schema changes, applied in order, each once (`tflow.schema_migrations`). Append; never edit. */
const MIGRATIONS: string[] = [
  `CREATE TABLE tflow.flows (
     namespace    text        NOT NULL,
     flow_id      text        NOT NULL,
     revision     integer     NOT NULL,
     deleted      boolean     NOT NULL DEFAULT false,
     schedule_ids text[]      NOT NULL DEFAULT '{}',
     created_at   timestamptz NOT NULL DEFAULT now(),
     updated_at   timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (namespace, flow_id)
   );
   CREATE TABLE tflow.flow_revisions (
     namespace  text        NOT NULL,
     flow_id    text        NOT NULL,
     revision   integer     NOT NULL,
     source     text        NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (namespace, flow_id, revision),
     FOREIGN KEY (namespace, flow_id) REFERENCES tflow.flows (namespace, flow_id)
   );`,
  // Flow triggers: which executions each deployed Flow trigger may listen to (see SubscriptionKey),
  // and the preconditions met so far by triggers that wait for several executions.
  `CREATE TABLE tflow.flow_trigger_subscriptions (
     namespace               text    NOT NULL,
     flow_id                 text    NOT NULL,
     trigger_id              text    NOT NULL,
     source_namespace        text    NOT NULL,
     source_namespace_prefix boolean NOT NULL,
     source_flow_id          text,
     FOREIGN KEY (namespace, flow_id) REFERENCES tflow.flows (namespace, flow_id)
   );
   CREATE INDEX flow_trigger_subscriptions_source ON tflow.flow_trigger_subscriptions (source_namespace, source_flow_id);
   CREATE INDEX flow_trigger_subscriptions_target ON tflow.flow_trigger_subscriptions (namespace, flow_id);
   CREATE TABLE tflow.flow_trigger_preconditions (
     namespace    text        NOT NULL,
     flow_id      text        NOT NULL,
     trigger_id   text        NOT NULL,
     precondition text        NOT NULL,
     execution_id text        NOT NULL,
     met_at       timestamptz NOT NULL,
     PRIMARY KEY (namespace, flow_id, trigger_id, precondition)
   );`,
];

/** Any number of processes may start at once: migrations run under this advisory lock. */
const MIGRATION_LOCK = 7_452_001;

/** Applies the MIGRATIONS not yet recorded in `tflow.schema_migrations` (version = index + 1). */
async function applyMigrations(db: PoolClient): Promise<void> {
  await db.query('CREATE SCHEMA IF NOT EXISTS tflow');
  await db.query('CREATE TABLE IF NOT EXISTS tflow.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  const applied = await db.query<{ version: number }>('SELECT version FROM tflow.schema_migrations');
  const done = new Set(applied.rows.map((r) => r.version));
  for (const [index, sql] of MIGRATIONS.entries()) {
    const version = index + 1;
    if (done.has(version)) continue;
    await db.query(sql);
    await db.query('INSERT INTO tflow.schema_migrations (version) VALUES ($1)', [version]);
  }
}

export class FlowStore {
  private readonly schema: SchemaSetup;

  constructor(private readonly pool: Pool) {
    this.schema = new SchemaSetup(pool, MIGRATION_LOCK, applyMigrations);
  }

  static connect(databaseUrl: string): FlowStore {
    return new FlowStore(tflowDatabasePool(databaseUrl));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Registers a flow's source. `namespace` and `flowId` are those the compiler read from it.
   * A new revision only when the text differs from the latest one (or the flow was deleted).
   */
  async save(namespace: string, flowId: string, source: string): Promise<SaveResult> {
    return this.transaction(async (db) => {
      // Revision 0 marks a row no revision was written for yet; ON CONFLICT makes two first deploys safe.
      await db.query('INSERT INTO tflow.flows (namespace, flow_id, revision) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [namespace, flowId]);
      const current = await db.query<{ revision: number; deleted: boolean }>(
        'SELECT revision, deleted FROM tflow.flows WHERE namespace = $1 AND flow_id = $2 FOR UPDATE',
        [namespace, flowId],
      );
      const row = current.rows[0];
      if (row.revision > 0 && !row.deleted) {
        const latest = await db.query<{ source: string }>(
          'SELECT source FROM tflow.flow_revisions WHERE namespace = $1 AND flow_id = $2 AND revision = $3',
          [namespace, flowId, row.revision],
        );
        if (latest.rows[0]?.source === source) return { status: 'unchanged', revision: row.revision };
      }
      const revision = row.revision + 1;
      await db.query('UPDATE tflow.flows SET revision = $3, deleted = false, updated_at = now() WHERE namespace = $1 AND flow_id = $2', [
        namespace,
        flowId,
        revision,
      ]);
      await this.insertRevision(db, namespace, flowId, revision, source);
      return { status: row.revision === 0 || row.deleted ? 'created' : 'updated', revision };
    });
  }

  /**
   * Updates the flow at `namespace.flowId` (the API's PUT): refused when the new source names
   * another namespace or id, since a flow's identity never changes.
   */
  async update(namespace: string, flowId: string, parsed: { namespace: string; id: string }, source: string): Promise<SaveResult> {
    if (parsed.namespace !== namespace)
      throw new Error(`Illegal namespace update: the flow is ${namespace}.${flowId}, the source says namespace ${parsed.namespace}`);
    if (parsed.id !== flowId) throw new Error(`Illegal flow id update: the flow is ${namespace}.${flowId}, the source says id ${parsed.id}`);
    if (!(await this.find(namespace, flowId))) throw new FlowNotFoundError(namespace, flowId);
    return this.save(namespace, flowId, source);
  }

  /** The flow's latest revision (or the given one); throws FlowNotFoundError, also for deleted flows. */
  async get(namespace: string, flowId: string, revision?: number): Promise<FlowRevision> {
    await this.ensureSchema();
    // One round trip: every execution created over the API starts here (docs/performance.md, "Bursts").
    const result = await this.pool.query<{ source: string; created_at: Date; revision: number }>(
      `SELECT r.revision, r.source, r.created_at
         FROM tflow.flows f
         JOIN tflow.flow_revisions r ON r.namespace = f.namespace AND r.flow_id = f.flow_id AND r.revision = COALESCE($3::integer, f.revision)
        WHERE f.namespace = $1 AND f.flow_id = $2 AND f.revision > 0 AND NOT f.deleted`,
      [namespace, flowId, revision ?? null],
    );
    const row = result.rows[0];
    if (!row) {
      // Which of the two: no such (live) flow, or no such revision of it.
      if (!(await this.find(namespace, flowId))) throw new FlowNotFoundError(namespace, flowId);
      throw new FlowNotFoundError(namespace, flowId, revision);
    }
    return { namespace, flowId, revision: row.revision, source: row.source, createdAt: row.created_at };
  }

  /** The flow's entry, or undefined when it was never deployed or is deleted (unless asked for). */
  async find(namespace: string, flowId: string, options: { includeDeleted?: boolean } = {}): Promise<FlowEntry | undefined> {
    await this.ensureSchema();
    const result = await this.pool.query('SELECT * FROM tflow.flows WHERE namespace = $1 AND flow_id = $2', [namespace, flowId]);
    const entry = result.rows[0] ? toEntry(result.rows[0]) : undefined;
    return entry && entry.revision > 0 && (!entry.deleted || options.includeDeleted) ? entry : undefined;
  }

  /**
   * The flow a `namespace.flowId` reference names. Namespaces and flow ids may both contain dots, so
   * every split is tried; `namespace/flowId` is never ambiguous.
   */
  async resolve(reference: string): Promise<FlowEntry> {
    const splits = reference.includes('/')
      ? [[reference.slice(0, reference.indexOf('/')), reference.slice(reference.indexOf('/') + 1)]]
      : [...reference.matchAll(/\./g)].map((m) => [reference.slice(0, m.index), reference.slice(m.index + 1)]);
    const found: FlowEntry[] = [];
    for (const [namespace, flowId] of splits) {
      const entry = await this.find(namespace, flowId);
      if (entry) found.push(entry);
    }
    if (found.length === 1) return found[0];
    if (found.length > 1) {
      throw new Error(
        `'${reference}' names several flows (${found.map((f) => `${f.namespace}/${f.flowId}`).join(', ')}): write it as namespace/flowId`,
      );
    }
    const [namespace, flowId] = splits[splits.length - 1] ?? ['', reference];
    throw new FlowNotFoundError(namespace, flowId);
  }

  /** Live flows (optionally of one namespace), sorted by namespace then id. */
  async list(options: { namespace?: string; includeDeleted?: boolean } = {}): Promise<FlowEntry[]> {
    await this.ensureSchema();
    const result = await this.pool.query(
      `SELECT * FROM tflow.flows
        WHERE revision > 0 AND ($1::text IS NULL OR namespace = $1) AND ($2 OR NOT deleted)
        ORDER BY namespace, flow_id`,
      [options.namespace ?? null, options.includeDeleted ?? false],
    );
    return result.rows.map(toEntry);
  }

  /** Every revision of a flow, oldest first. */
  async revisions(namespace: string, flowId: string): Promise<FlowRevision[]> {
    await this.ensureSchema();
    const result = await this.pool.query<{ revision: number; source: string; created_at: Date }>(
      'SELECT revision, source, created_at FROM tflow.flow_revisions WHERE namespace = $1 AND flow_id = $2 ORDER BY revision',
      [namespace, flowId],
    );
    return result.rows.map((r) => ({ namespace, flowId, revision: r.revision, source: r.source, createdAt: r.created_at }));
  }

  /** Records which Temporal Schedules belong to the flow, so a later deploy or delete finds them without listing. */
  async setScheduleIds(namespace: string, flowId: string, scheduleIds: readonly string[]): Promise<void> {
    await this.ensureSchema();
    await this.pool.query('UPDATE tflow.flows SET schedule_ids = $3 WHERE namespace = $1 AND flow_id = $2', [namespace, flowId, [...scheduleIds]]);
  }

  /** Soft delete: the flow disappears from lists and runs; its revisions stay; its Flow triggers stop listening. */
  async delete(namespace: string, flowId: string): Promise<void> {
    await this.transaction(async (db) => {
      const result = await db.query(
        'UPDATE tflow.flows SET deleted = true, schedule_ids = $3, updated_at = now() WHERE namespace = $1 AND flow_id = $2 AND NOT deleted',
        [namespace, flowId, []],
      );
      if (result.rowCount === 0) throw new FlowNotFoundError(namespace, flowId);
      await db.query('DELETE FROM tflow.flow_trigger_subscriptions WHERE namespace = $1 AND flow_id = $2', [namespace, flowId]);
    });
  }

  /** Replaces the flow's Flow-trigger subscriptions (written at deploy time, read when executions end). */
  async setFlowTriggerSubscriptions(namespace: string, flowId: string, subscriptions: readonly FlowTriggerSubscription[]): Promise<void> {
    await this.transaction(async (db) => {
      await db.query('DELETE FROM tflow.flow_trigger_subscriptions WHERE namespace = $1 AND flow_id = $2', [namespace, flowId]);
      for (const { triggerId, key } of subscriptions) {
        await db.query(
          `INSERT INTO tflow.flow_trigger_subscriptions (namespace, flow_id, trigger_id, source_namespace, source_namespace_prefix, source_flow_id)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [namespace, flowId, triggerId, key.namespace, key.namespacePrefix, key.flowId ?? null],
        );
      }
    });
  }

  /** Live flows (latest revision) with a Flow trigger that may listen to executions of `namespace.flowId`. */
  async flowTriggerListeners(namespace: string, flowId: string): Promise<{ namespace: string; flowId: string; revision: number }[]> {
    await this.ensureSchema();
    const result = await this.pool.query<{ namespace: string; flow_id: string; revision: number }>(
      `SELECT DISTINCT s.namespace, s.flow_id, f.revision
         FROM tflow.flow_trigger_subscriptions s
         JOIN tflow.flows f ON f.namespace = s.namespace AND f.flow_id = s.flow_id AND NOT f.deleted
        WHERE (s.source_namespace = $1 OR (s.source_namespace_prefix AND starts_with($1, s.source_namespace)))
          AND (s.source_flow_id IS NULL OR s.source_flow_id = $2)
        ORDER BY s.namespace, s.flow_id`,
      [namespace, flowId],
    );
    return result.rows.map((r) => ({ namespace: r.namespace, flowId: r.flow_id, revision: r.revision }));
  }

  /**
   * For Flow triggers that wait for several executions: records that `executionId` met
   * `satisfied` at `metAt`, then, when every one of `all` is met within `window`, calls `fire`
   * (idempotent) and, with `reset`, forgets them. One trigger at a time (advisory lock); when
   * `fire` throws, nothing of this call is kept (a retry starts over). Returns whether it fired.
   */
  async meetPreconditions(
    target: { namespace: string; flowId: string; triggerId: string },
    met: {
      satisfied: readonly string[];
      all: readonly string[];
      executionId: string;
      metAt: Date;
      window: { start: Date; end: Date };
      reset: boolean;
    },
    fire: () => Promise<void>,
  ): Promise<boolean> {
    const { namespace, flowId, triggerId } = target;
    return this.transaction(async (db) => {
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`flow-trigger:${namespace}/${flowId}/${triggerId}`]);
      for (const precondition of met.satisfied) {
        await db.query(
          `INSERT INTO tflow.flow_trigger_preconditions (namespace, flow_id, trigger_id, precondition, execution_id, met_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (namespace, flow_id, trigger_id, precondition) DO UPDATE SET execution_id = $5, met_at = $6`,
          [namespace, flowId, triggerId, precondition, met.executionId, met.metAt],
        );
      }
      const current = await db.query<{ count: string }>(
        `SELECT count(*) FROM tflow.flow_trigger_preconditions
          WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3 AND precondition = ANY($4) AND met_at BETWEEN $5 AND $6`,
        [namespace, flowId, triggerId, [...met.all], met.window.start, met.window.end],
      );
      if (Number(current.rows[0].count) < met.all.length) return false;
      await fire();
      if (met.reset)
        await db.query('DELETE FROM tflow.flow_trigger_preconditions WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3', [
          namespace,
          flowId,
          triggerId,
        ]);
      return true;
    });
  }

  /** Creates the `tflow` schema and applies pending migrations, once per FlowStore object. */
  ensureSchema(): Promise<void> {
    return this.schema.ensure();
  }

  private async transaction<T>(work: (db: PoolClient) => Promise<T>): Promise<T> {
    await this.ensureSchema();
    return inTransaction(this.pool, work);
  }

  private async insertRevision(db: PoolClient, namespace: string, flowId: string, revision: number, source: string): Promise<void> {
    await db.query('INSERT INTO tflow.flow_revisions (namespace, flow_id, revision, source) VALUES ($1, $2, $3, $4)', [
      namespace,
      flowId,
      revision,
      source,
    ]);
  }
}

function toEntry(row: Record<string, unknown>): FlowEntry {
  return {
    namespace: row.namespace as string,
    flowId: row.flow_id as string,
    revision: row.revision as number,
    deleted: row.deleted as boolean,
    scheduleIds: row.schedule_ids as string[],
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}
