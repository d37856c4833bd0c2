import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { StorageFileNotFound } from '../../../storage';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { columnList, copyProperties, copyWithClause } from './copy-options';
import { messageOf } from '../../../workflow/error-message';
import { connectPostgres, postgresConnectionProperties } from './connection';
import { describeDatabaseError } from '../statement-error';

const PROGRESS_EVERY_MS = 2_000;

/**
 * `io.kestra.plugin.jdbc.postgresql.CopyIn`: streams a file from internal storage into
 * `COPY <table> (<columns>) FROM STDIN WITH (…)`. Constant memory whatever the file size; reports
 * progress (bytes sent) in its heartbeats; on cancellation the COPY is aborted and Postgres rolls it
 * back, so the table never holds half a file. Outputs `rowCount`.
 */
export const postgresqlCopyInTask = defineRunnableTask({
  type: 'io.kestra.plugin.jdbc.postgresql.CopyIn',
  title: 'Load a file from internal storage into a PostgreSQL table with COPY.',
  properties: z.strictObject({
    ...postgresConnectionProperties,
    ...copyProperties,
    from: z.string(),
    table: z.string(),
    columns: z.array(z.string()).optional(),
  }),
  async run(props, context) {
    const sql = `COPY ${props.table}${columnList(props.columns)} FROM STDIN${copyWithClause(props, 'FROM')}`;
    const totalBytes = await context.storage.stat(props.from);
    if (totalBytes === undefined) throw new StorageFileNotFound(props.from);
    const source = await context.storage.get(props.from);
    const client = await connectPostgres(props, context);
    try {
      context.log('INFO', `${sql} (${totalBytes} bytes from ${props.from})`);
      let sentBytes = 0;
      let lastReport = Date.now();
      const progress = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          sentBytes += chunk.length;
          if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
            lastReport = Date.now();
            context.heartbeat({ sentBytes, totalBytes });
          }
          callback(null, chunk);
        },
      });
      const copy = client.query((await import('pg-copy-streams')).from(sql));
      try {
        await pipeline(source, progress, copy, { signal: context.signal });
      } catch (error) {
        if (context.signal.aborted)
          throw new Error(`COPY into ${props.table} cancelled after ${sentBytes} of ${totalBytes} bytes; nothing was loaded`);
        throw new Error(`COPY into ${props.table} failed: ${describeDatabaseError(error)}\nSQL: ${sql}`);
      }
      context.log('INFO', `${copy.rowCount} rows copied into ${props.table}`);
      return { rowCount: copy.rowCount };
    } catch (error) {
      source.destroy();
      throw error instanceof Error ? error : new Error(messageOf(error));
    } finally {
      await client.end().catch(() => undefined);
    }
  },
});
