import { Readable } from 'node:stream';
import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { columnList, copyProperties, copyWithClause } from './copy-options';
import { connectPostgres, postgresConnectionProperties } from './connection';
import { describeDatabaseError } from '../statement-error';
import { withoutTrailingSemicolon } from '../sql-splitter';

/**
 * `io.kestra.plugin.jdbc.postgresql.CopyOut`: `COPY (<sql>) TO STDOUT` (or a table and its
 * columns), streamed into a file in internal storage. Outputs `uri` and `rowCount`.
 */
export const postgresqlCopyOutTask = defineRunnableTask({
  type: 'io.kestra.plugin.jdbc.postgresql.CopyOut',
  title: 'Export a query or table from PostgreSQL to internal storage with COPY.',
  properties: z.strictObject({
    ...postgresConnectionProperties,
    ...copyProperties,
    sql: z.string().optional(),
    table: z.string().optional(),
    columns: z.array(z.string()).optional(),
  }),
  async run(props, context) {
    if (!props.sql === !props.table) throw new Error('CopyOut needs either `sql` or `table` (not both)');
    const source = props.sql ? `(${withoutTrailingSemicolon(props.sql)})` : `${props.table}${columnList(props.columns)}`;
    const sql = `COPY ${source} TO STDOUT${copyWithClause(props, 'TO')}`;
    const client = await connectPostgres(props, context);
    try {
      context.log('INFO', sql);
      const copy = client.query((await import('pg-copy-streams')).to(sql));
      let bytes = 0;
      // An async generator (not .pipe) so a COPY error reaches the storage write and fails it.
      const counted = async function* () {
        for await (const chunk of copy) {
          bytes += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      };
      context.signal.addEventListener('abort', () => copy.destroy(new Error('cancelled')), { once: true });
      const extension = props.format === 'CSV' ? 'csv' : props.format === 'BINARY' ? 'bin' : 'txt';
      let stored;
      try {
        stored = await context.putFile(`${context.taskId}.${extension}`, Readable.from(counted()));
      } catch (error) {
        throw new Error(`COPY out failed: ${describeDatabaseError(error)}\nSQL: ${sql}`);
      }
      context.log('INFO', `${copy.rowCount} rows (${bytes} bytes) written to ${stored.uri}`);
      return { uri: stored.uri, rowCount: copy.rowCount };
    } finally {
      await client.end().catch(() => undefined);
    }
  },
});
