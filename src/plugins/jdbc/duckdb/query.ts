import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { fetchProperties, fetchTypeOf } from '../fetch';
import { bindNamedParameters, singleStatement } from '../sql-splitter';
import { statementError } from '../statement-error';
import { duckdbProperties, runWithDuckDb } from './connection';

/**
 * `io.kestra.plugin.jdbc.duckdb.Query`: one statement (Kestra ≥ 1.1 refuses several) on an embedded
 * DuckDB (./connection.ts). Outputs `row` / `rows`+`size` / `uri`+`size` at the top level, and
 * `outputFiles` when asked for.
 */
export const duckdbQueryTask = defineRunnableTask({
  type: 'io.kestra.plugin.jdbc.duckdb.Query',
  title: 'Run one SQL statement on an embedded DuckDB database and fetch its result.',
  properties: z.strictObject({
    ...duckdbProperties,
    ...fetchProperties,
    sql: z.string(),
  }),
  run: (props, context) =>
    runWithDuckDb(props, context, async (db) => {
      const statement = singleStatement(props.sql);
      try {
        const result = await db.run(bindNamedParameters(statement.text, props.parameters ?? {}), fetchTypeOf(props), `${context.taskId}.ion`);
        return result.outputs;
      } catch (error) {
        throw statementError(error, statement.text, { index: 1, total: 1 });
      }
    }),
});
