/**
 * Runs one SQL statement on PostgreSQL, its rows streamed one by one from the server into a
 * RowCollector (./fetch.ts: Kestra's `fetchType`), with back-pressure while a STORE file catches up.
 */
import type { Client } from 'pg';
import { pg } from '../../postgres/pg-driver';
import type { TaskContext } from '../../workflow/plugins/task-definition';
import { RowCollector, type FetchType, type StatementResult } from './fetch';

export async function runStatement(
  client: Client,
  sql: { text: string; values?: unknown[] },
  fetchType: FetchType,
  context: TaskContext,
  storeName: string,
): Promise<StatementResult> {
  const collector = await RowCollector.open(fetchType, storeName);
  const socket = (client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream;
  const query = new (pg().Query)({ text: sql.text, values: sql.values });
  query.on('row', (row: Record<string, unknown>) => {
    // Back-pressure: stop reading from the server while the file catches up.
    if (!collector.add(row)) {
      socket.pause();
      void collector.drained().then(() => socket.resume());
    }
  });
  try {
    const result = await new Promise<{ fields?: unknown[]; rowCount: number | null }>((resolve, reject) => {
      query.on('end', resolve);
      query.on('error', reject);
      client.query(query);
    });
    const hasResultSet = (result.fields?.length ?? 0) > 0;
    const outputs = await collector.outputs(hasResultSet, context);
    return { hasResultSet, rowCount: result.rowCount ?? collector.count, outputs };
  } finally {
    await collector.close();
    socket.resume();
  }
}
