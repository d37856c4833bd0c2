/**
 * Runs one SQL statement and shapes its result as Kestra's `fetchType` asks: NONE (rows are
 * discarded as they arrive), FETCH_ONE (`row`), FETCH (`rows`, `size`) or STORE (`uri`, `size`: an
 * Ion file in internal storage). Rows stream from the server one by one, so STORE handles results
 * of any size and FETCH stops early, with advice, when its rows would not fit in the history.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Query, type Client } from 'pg';
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

export async function runStatement(
  client: Client,
  sql: { text: string; values?: unknown[] },
  fetchType: FetchType,
  context: TaskContext,
  storeName: string,
): Promise<StatementResult> {
  let rows: Record<string, unknown>[] = [];
  let fetchedChars = 0;
  let first: Record<string, unknown> | undefined;
  let count = 0;
  let store: { dir: string; file: string; stream: NodeJS.WritableStream & { end(cb?: () => void): void } } | undefined;
  const socket = (client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream;

  if (fetchType === 'STORE') {
    const dir = await mkdtemp(join(tmpdir(), 'tflow-store-'));
    const file = join(dir, storeName);
    store = { dir, file, stream: createWriteStream(file) };
  }

  const query = new Query({ text: sql.text, values: sql.values });
  let tooLarge = false;
  query.on('row', (row: Record<string, unknown>) => {
    count++;
    if (fetchType === 'FETCH_ONE') {
      first ??= row;
    } else if (fetchType === 'FETCH') {
      fetchedChars += JSON.stringify(row).length;
      if (fetchedChars > MAX_FETCH_CHARS) tooLarge = true;
      else rows.push(row);
    } else if (store) {
      // Back-pressure: stop reading from the server while the file catches up.
      if (!store.stream.write(`${toIonText(row)}\n`)) {
        socket.pause();
        store.stream.once('drain', () => socket.resume());
      }
    }
  });
  try {
    const result = await new Promise<{ fields?: unknown[]; rowCount: number | null; command?: string }>((resolve, reject) => {
      query.on('end', resolve);
      query.on('error', reject);
      client.query(query);
    });
    const hasResultSet = (result.fields?.length ?? 0) > 0;
    if (tooLarge) {
      throw new Error(
        `The query returned ${count} rows, more than fit in the execution's outputs (about ${MAX_FETCH_CHARS} characters): use fetchType: STORE to write them to internal storage`,
      );
    }
    const outputs: Record<string, unknown> = {};
    if (hasResultSet && fetchType === 'FETCH_ONE') outputs.row = first ?? null;
    if (hasResultSet && fetchType === 'FETCH') Object.assign(outputs, { rows, size: rows.length });
    if (hasResultSet && store) {
      await new Promise<void>((resolve) => store!.stream.end(resolve));
      const stored = await context.putFile(storeName, createReadStream(store.file));
      Object.assign(outputs, { uri: stored.uri, size: count });
    }
    rows = [];
    return { hasResultSet, rowCount: result.rowCount ?? count, outputs };
  } finally {
    if (store) {
      store.stream.end();
      await rm(store.dir, { recursive: true, force: true });
    }
    socket.resume();
  }
}
