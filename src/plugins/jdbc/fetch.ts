/**
 * Kestra's `fetchType` for every SQL task, whatever the database: NONE (rows are discarded as they
 * arrive), FETCH_ONE (`row`), FETCH (`rows`, `size`) or STORE (`uri`, `size`: an Ion file in
 * internal storage). Rows are handed over one at a time (RowCollector.add), so STORE handles
 * results of any size and FETCH stops early, with advice, when its rows would not fit in the
 * history. The driver side lives with each database (./run-statement.ts for PostgreSQL,
 * ./duckdb/connection.ts for DuckDB).
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { z } from 'zod';
import type { TaskContext } from '../../workflow/plugins/task-definition';
import { toIonText } from './ion-text';

export const FETCH_TYPES = ['NONE', 'FETCH', 'FETCH_ONE', 'STORE'] as const;
export type FetchType = (typeof FETCH_TYPES)[number];

/** Fetch properties shared by Query and Queries (with Kestra's deprecated booleans). */
export const fetchProperties = {
  fetchType: z.enum(FETCH_TYPES).optional(),
  fetch: z.boolean().optional(),
  fetchOne: z.boolean().optional(),
  store: z.boolean().optional(),
  fetchSize: z.number().int().positive().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
};

export function fetchTypeOf(props: { fetchType?: FetchType; fetch?: boolean; fetchOne?: boolean; store?: boolean }): FetchType {
  if (props.fetchType) return props.fetchType;
  if (props.store) return 'STORE';
  if (props.fetchOne) return 'FETCH_ONE';
  if (props.fetch) return 'FETCH';
  return 'NONE';
}

/** FETCH keeps rows in the history: stop before Temporal's payload limit would refuse them. */
const MAX_FETCH_CHARS = 1_000_000;

export interface StatementResult {
  /** True when the statement returned a result set (SELECT, … RETURNING). */
  hasResultSet: boolean;
  /** Rows affected or returned, as the server reports it. */
  rowCount: number;
  /** The fetch outputs (`row` / `rows`+`size` / `uri`+`size`), empty for NONE or no result set. */
  outputs: Record<string, unknown>;
}

/** Collects one statement's rows as `fetchType` asks. Always `close()` it (in a finally). */
export class RowCollector {
  count = 0;
  private first: Record<string, unknown> | undefined;
  private rows: Record<string, unknown>[] = [];
  private fetchedChars = 0;
  private tooLarge = false;

  private constructor(
    readonly fetchType: FetchType,
    private readonly store?: { dir: string; file: string; name: string; stream: WriteStream },
  ) {}

  /** For STORE, the rows go to a temporary file named `storeName` until the statement ends. */
  static async open(fetchType: FetchType, storeName: string): Promise<RowCollector> {
    if (fetchType !== 'STORE') return new RowCollector(fetchType);
    const dir = await mkdtemp(join(tmpdir(), 'tflow-store-'));
    const file = join(dir, storeName);
    return new RowCollector(fetchType, { dir, file, name: storeName, stream: createWriteStream(file) });
  }

  /** Takes a row; false when the store file is behind and the caller should wait for `drained()`. */
  add(row: Record<string, unknown>): boolean {
    this.count++;
    if (this.fetchType === 'FETCH_ONE') {
      this.first ??= row;
    } else if (this.fetchType === 'FETCH') {
      this.fetchedChars += JSON.stringify(row, jsonValue).length;
      if (this.fetchedChars > MAX_FETCH_CHARS) this.tooLarge = true;
      else this.rows.push(row);
    } else if (this.store) {
      return this.store.stream.write(`${toIonText(row)}\n`);
    }
    return true;
  }

  async drained(): Promise<void> {
    if (this.store && this.store.stream.writableNeedDrain) await once(this.store.stream, 'drain');
  }

  /** The statement's outputs once its rows are all in: `row`, `rows`+`size` or `uri`+`size`. */
  async outputs(hasResultSet: boolean, context: Pick<TaskContext, 'putFile'>): Promise<Record<string, unknown>> {
    if (this.tooLarge) {
      throw new Error(
        `The query returned ${this.count} rows, more than fit in the execution's outputs (about ${MAX_FETCH_CHARS} characters): use fetchType: STORE to write them to internal storage`,
      );
    }
    if (!hasResultSet) return {};
    if (this.fetchType === 'FETCH_ONE') return { row: jsonSafe(this.first ?? null) };
    if (this.fetchType === 'FETCH') return { rows: jsonSafe(this.rows), size: this.rows.length };
    if (this.store) {
      await new Promise<void>((resolve) => this.store!.stream.end(resolve));
      const stored = await context.putFile(this.store.name, createReadStream(this.store.file));
      return { uri: stored.uri, size: this.count };
    }
    return {};
  }

  async close(): Promise<void> {
    this.rows = [];
    if (!this.store) return;
    this.store.stream.end();
    await rm(this.store.dir, { recursive: true, force: true });
  }
}

/**
 * Row values as outputs can carry them (JSON in the history): 64-bit integers as numbers when
 * exact, else as strings; binary as base64. Dates become ISO strings when serialised.
 */
function jsonSafe<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, jsonValue) ?? 'null') as T;
}

function jsonValue(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64');
  return value;
}
