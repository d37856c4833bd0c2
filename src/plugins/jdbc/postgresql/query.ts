import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { connectPostgres, postgresConnectionProperties } from './connection';
import { fetchProperties, fetchTypeOf } from '../fetch';
import { runStatement } from '../run-statement';
import { bindNamedParameters, singleStatement } from '../sql-splitter';
import { statementError } from '../statement-error';

/**
 * `io.kestra.plugin.jdbc.postgresql.Query`: one statement (Kestra ≥ 1.1 refuses several),
 * autocommitted, or run with `afterSQL` in one transaction. Outputs `row` / `rows`+`size` /
 * `uri`+`size` at the top level.
 */
export const postgresqlQueryTask = defineRunnableTask({
  type: 'io.kestra.plugin.jdbc.postgresql.Query',
  title: 'Run one SQL statement on PostgreSQL and fetch its result.',
  properties: z.strictObject({
    ...postgresConnectionProperties,
    ...fetchProperties,
    sql: z.string(),
    afterSQL: z.string().optional(),
  }),
  async run(props, context) {
    const statement = singleStatement(props.sql);
    const client = await connectPostgres(props, context);
    try {
      if (props.afterSQL) await client.query('BEGIN');
      const bound = bindNamedParameters(statement.text, props.parameters ?? {});
      let outputs: Record<string, unknown>;
      try {
        ({ outputs } = await runStatement(client, bound, fetchTypeOf(props), context, `${context.taskId}.ion`));
      } catch (error) {
        if (props.afterSQL) await client.query('ROLLBACK').catch(() => undefined);
        throw statementError(error, statement.text, { index: 1, total: 1 });
      }
      if (props.afterSQL) {
        try {
          await client.query(bindNamedParameters(props.afterSQL, props.parameters ?? {}));
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw statementError(error, props.afterSQL, { index: 1, total: 1 });
        }
        await client.query('COMMIT');
      }
      return outputs;
    } finally {
      await client.end().catch(() => undefined);
    }
  },
});
