import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { fetchProperties, fetchTypeOf } from '../fetch';
import { bindNamedParameters, splitSqlStatements } from '../sql-splitter';
import { statementError } from '../statement-error';
import { duckdbProperties, runWithDuckDb } from './connection';

/**
 * `io.kestra.plugin.jdbc.duckdb.Queries`: several statements run in order on an embedded DuckDB
 * (./connection.ts), in one transaction unless `transaction: false`. Outputs `outputs`: one entry
 * per statement that returned rows, shaped by `fetchType`; `outputFiles` when asked for.
 */
export const duckdbQueriesTask = defineRunnableTask({
  type: 'io.kestra.plugin.jdbc.duckdb.Queries',
  title: 'Run SQL statements on an embedded DuckDB database.',
  properties: z.strictObject({
    ...duckdbProperties,
    ...fetchProperties,
    sql: z.string(),
    transaction: z.boolean().default(true),
  }),
  run: (props, context) =>
    runWithDuckDb(props, context, async (db) => {
      const statements = splitSqlStatements(props.sql);
      const fetchType = fetchTypeOf(props);
      const outputs: Record<string, unknown>[] = [];
      if (props.transaction) await db.connection.run('BEGIN TRANSACTION');
      for (const [index, statement] of statements.entries()) {
        try {
          const result = await db.run(bindNamedParameters(statement.text, props.parameters ?? {}), fetchType, `${context.taskId}_${index + 1}.ion`);
          if (result.hasResultSet && fetchType !== 'NONE') outputs.push(result.outputs);
        } catch (error) {
          if (props.transaction) await db.connection.run('ROLLBACK').catch(() => undefined);
          throw statementError(error, statement.text, { index: index + 1, total: statements.length, line: statement.line });
        }
      }
      if (props.transaction) await db.connection.run('COMMIT');
      return { outputs };
    }),
});
