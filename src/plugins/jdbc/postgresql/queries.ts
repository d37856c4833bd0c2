import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { connectPostgres, postgresConnectionProperties } from './connection';
import { fetchProperties, fetchTypeOf } from '../fetch';
import { runStatement } from '../run-statement';
import { bindNamedParameters, splitSqlStatements } from '../sql-splitter';
import { statementError } from '../statement-error';

/**
 * `io.kestra.plugin.jdbc.postgresql.Queries`: several statements, split SQL-aware, run in order in
 * one transaction (all rolled back when one fails, unless `transaction: false`).
 * Outputs `outputs`: one entry per statement that returned rows, shaped by `fetchType`.
 */
export const postgresqlQueriesTask = defineRunnableTask({
  type: 'io.kestra.plugin.jdbc.postgresql.Queries',
  title: 'Run SQL statements on PostgreSQL in one transaction.',
  properties: z.strictObject({
    ...postgresConnectionProperties,
    ...fetchProperties,
    sql: z.string(),
    transaction: z.boolean().default(true),
  }),
  async run(props, context) {
    const statements = splitSqlStatements(props.sql);
    const fetchType = fetchTypeOf(props);
    const client = await connectPostgres(props, context);
    const outputs: Record<string, unknown>[] = [];
    let rowCount = 0;
    try {
      if (props.transaction) await client.query('BEGIN');
      for (const [index, statement] of statements.entries()) {
        const bound = bindNamedParameters(statement.text, props.parameters ?? {});
        try {
          const result = await runStatement(client, bound, fetchType, context, `${context.taskId}_${index + 1}.ion`);
          rowCount += result.rowCount;
          if (result.hasResultSet && fetchType !== 'NONE') outputs.push(result.outputs);
        } catch (error) {
          if (props.transaction) await client.query('ROLLBACK').catch(() => undefined);
          throw statementError(error, statement.text, { index: index + 1, total: statements.length, line: statement.line });
        }
      }
      if (props.transaction) await client.query('COMMIT');
      context.log('DEBUG', `${statements.length} statement(s) executed, ${rowCount} row(s) affected or returned`);
      return { outputs };
    } finally {
      await client.end().catch(() => undefined);
    }
  },
});
