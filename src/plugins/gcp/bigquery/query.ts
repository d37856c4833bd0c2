import { Readable } from 'node:stream';
import type { Query as QueryOptions } from '@google-cloud/bigquery';
import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { toIonText } from '../../jdbc/ion-text';
import { FETCH_TYPES, fetchTypeOf } from '../../jdbc/fetch';
import { bigQueryClient, gcpConnectionProperties } from '../connection';
import { tableOfClient } from './table-name';

/** FETCH keeps rows in the history: refuse more than this, pointing at STORE. */
const MAX_FETCH_ROWS = 10_000;

/** BigQuery's typed values (timestamps, dates, NUMERIC) as plain JSON values. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  if ('value' in value && Object.keys(value).length === 1) return (value as { value: unknown }).value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(value)) as unknown;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

/**
 * `io.kestra.plugin.gcp.bigquery.Query`: runs one query job (DDL, DML or SELECT, standard SQL unless
 * `legacySql`), optionally into `destinationTable` with `writeDisposition`, and shapes the result
 * as `fetchType` (or Kestra's `fetch`/`fetchOne`/`store`) asks: `rows`+`size`, `row`, or `uri`+`size`
 * (an Ion file). Outputs `jobId` and, with a destination, `destinationTable`.
 */
export const bigQueryQueryTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.bigquery.Query',
  title: 'Run a BigQuery SQL query job.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    sql: z.string().min(1),
    legacySql: z.boolean().default(false),
    fetchType: z.enum(FETCH_TYPES).optional(),
    fetch: z.boolean().optional(),
    fetchOne: z.boolean().optional(),
    store: z.boolean().optional(),
    location: z.string().min(1).optional(),
    destinationTable: z.string().optional(),
    writeDisposition: z.enum(['WRITE_TRUNCATE', 'WRITE_APPEND', 'WRITE_EMPTY']).optional(),
    createDisposition: z.enum(['CREATE_IF_NEEDED', 'CREATE_NEVER']).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    priority: z.enum(['INTERACTIVE', 'BATCH']).default('INTERACTIVE'),
    dryRun: z.boolean().default(false),
    maximumBytesBilled: z.number().int().positive().optional(),
    useQueryCache: z.boolean().optional(),
  }),
  async run(props, context) {
    const bigQuery = await bigQueryClient(props);
    const destination = props.destinationTable ? await tableOfClient(props.destinationTable, bigQuery, 'destinationTable') : undefined;
    const options: QueryOptions = {
      query: props.sql,
      useLegacySql: props.legacySql,
      priority: props.priority,
      dryRun: props.dryRun,
      ...(props.location ? { location: props.location } : {}),
      ...(props.labels ? { labels: props.labels } : {}),
      ...(props.writeDisposition ? { writeDisposition: props.writeDisposition } : {}),
      ...(props.createDisposition ? { createDisposition: props.createDisposition } : {}),
      ...(props.maximumBytesBilled ? { maximumBytesBilled: String(props.maximumBytesBilled) } : {}),
      ...(props.useQueryCache !== undefined ? { useQueryCache: props.useQueryCache } : {}),
      ...(destination
        ? { destination: bigQuery.dataset(destination.datasetId, { projectId: destination.projectId }).table(destination.tableId) }
        : {}),
    };
    const [job] = await bigQuery.createQueryJob(options);
    context.log('INFO', `Query job ${job.id} started`);
    const outputs: Record<string, unknown> = { jobId: job.id };
    if (destination) outputs.destinationTable = { project: destination.projectId, dataset: destination.datasetId, table: destination.tableId };
    const fetchType = fetchTypeOf(props);
    if (fetchType === 'NONE' || props.dryRun) {
      await job.getQueryResults({ maxResults: 0 });
    } else if (fetchType === 'FETCH_ONE') {
      const [rows] = await job.getQueryResults({ maxResults: 1 });
      outputs.row = rows[0] ? plain(rows[0]) : {};
    } else if (fetchType === 'FETCH') {
      const [rows] = await job.getQueryResults({ maxResults: MAX_FETCH_ROWS + 1 });
      if (rows.length > MAX_FETCH_ROWS)
        throw new Error(`The query returned more than ${MAX_FETCH_ROWS} rows: use fetchType: STORE to write them to a file`);
      outputs.rows = rows.map(plain);
      outputs.size = rows.length;
    } else {
      let size = 0;
      const lines = async function* () {
        for await (const row of job.getQueryResultsStream()) {
          size += 1;
          yield `${toIonText(plain(row))}\n`;
        }
      };
      const stored = await context.putFile(`${context.taskId}.ion`, Readable.from(lines()));
      outputs.uri = stored.uri;
      outputs.size = size;
    }
    const [metadata] = await job.getMetadata();
    const affected = metadata.statistics?.query?.numDmlAffectedRows;
    context.log(
      'INFO',
      `Query job ${job.id} done (${metadata.statistics?.query?.statementType ?? 'query'}${affected !== undefined ? `, ${affected} rows affected` : ''})`,
    );
    return outputs;
  },
});
