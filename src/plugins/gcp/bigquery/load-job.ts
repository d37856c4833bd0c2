/**
 * What `io.kestra.plugin.gcp.bigquery.Load` and `LoadFromGcs` share (Kestra's AbstractLoad): the
 * load-job properties, their mapping to the REST API's `configuration.load`, and the outputs
 * `jobId`, `destinationTable` (`project.dataset.table`) and `rows` (the rows BigQuery loaded).
 */
import type { BigQuery, Job } from '@google-cloud/bigquery';
import { z } from 'zod';
import { gcpConnectionProperties } from '../connection';
import { tableName, tableOfClient, type TableReference } from './table-name';

/** Kestra's formats → the API's `sourceFormat`. */
const SOURCE_FORMATS = {
  CSV: 'CSV',
  JSON: 'NEWLINE_DELIMITED_JSON',
  AVRO: 'AVRO',
  PARQUET: 'PARQUET',
  ORC: 'ORC',
} as const;

const schemaField: z.ZodType<unknown> = z.lazy(() =>
  z.strictObject({
    name: z.string().min(1),
    type: z.string().min(1),
    mode: z.enum(['NULLABLE', 'REQUIRED', 'REPEATED']).optional(),
    description: z.string().optional(),
    fields: z.array(schemaField).optional(),
  }),
);

export const loadJobProperties = {
  ...gcpConnectionProperties,
  location: z.string().min(1).optional(),
  destinationTable: z.string().min(1),
  format: z.enum(Object.keys(SOURCE_FORMATS) as [keyof typeof SOURCE_FORMATS]).optional(),
  csvOptions: z
    .strictObject({
      allowJaggedRows: z.boolean().optional(),
      allowQuotedNewLines: z.boolean().optional(),
      encoding: z.enum(['UTF-8', 'ISO-8859-1']).optional(),
      fieldDelimiter: z.string().min(1).optional(),
      quote: z.string().optional(),
      skipLeadingRows: z.number().int().nonnegative().optional(),
    })
    .optional(),
  avroOptions: z.strictObject({ useAvroLogicalTypes: z.boolean().optional() }).optional(),
  schema: z.strictObject({ fields: z.array(schemaField).min(1) }).optional(),
  autodetect: z.boolean().optional(),
  ignoreUnknownValues: z.boolean().optional(),
  maxBadRecords: z.number().int().nonnegative().optional(),
  writeDisposition: z.enum(['WRITE_TRUNCATE', 'WRITE_APPEND', 'WRITE_EMPTY']).optional(),
  createDisposition: z.enum(['CREATE_IF_NEEDED', 'CREATE_NEVER']).optional(),
  clusteringFields: z.array(z.string().min(1)).optional(),
  schemaUpdateOptions: z.array(z.enum(['ALLOW_FIELD_ADDITION', 'ALLOW_FIELD_RELAXATION'])).optional(),
  timePartitioningField: z.string().min(1).optional(),
  timePartitioningType: z.enum(['DAY', 'HOUR', 'MONTH', 'YEAR']).default('DAY'),
};

type LoadJobProps = z.output<z.ZodObject<typeof loadJobProperties>>;

/** Drops the absent settings, so that the request carries only what the flow said. */
function defined(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** The REST API's `configuration.load`, without the source (URIs or an upload). */
export function loadConfiguration(props: LoadJobProps, destination: TableReference): Record<string, unknown> {
  // BigQuery reads CSV when no format is given: the CSV options apply then too.
  const csv = (props.format ?? 'CSV') === 'CSV' ? props.csvOptions : undefined;
  return defined({
    destinationTable: destination,
    sourceFormat: props.format ? SOURCE_FORMATS[props.format] : undefined,
    allowJaggedRows: csv?.allowJaggedRows,
    allowQuotedNewlines: csv?.allowQuotedNewLines,
    encoding: csv?.encoding,
    fieldDelimiter: csv?.fieldDelimiter,
    quote: csv?.quote,
    skipLeadingRows: csv?.skipLeadingRows,
    useAvroLogicalTypes: props.format === 'AVRO' ? props.avroOptions?.useAvroLogicalTypes : undefined,
    schema: props.schema,
    autodetect: props.autodetect,
    ignoreUnknownValues: props.ignoreUnknownValues,
    maxBadRecords: props.maxBadRecords,
    writeDisposition: props.writeDisposition,
    createDisposition: props.createDisposition,
    clustering: props.clusteringFields ? { fields: props.clusteringFields } : undefined,
    schemaUpdateOptions: props.schemaUpdateOptions,
    timePartitioning: props.timePartitioningField ? { type: props.timePartitioningType, field: props.timePartitioningField } : undefined,
  });
}

export function destinationOf(props: LoadJobProps, bigQuery: BigQuery): Promise<TableReference> {
  return tableOfClient(props.destinationTable, bigQuery, 'destinationTable');
}

/** Kestra's outputs of a finished load job; its statistics go to the log. */
export function loadOutputs(job: Job, destination: TableReference, log: (message: string) => void) {
  const stats = job.metadata?.statistics?.load as
    { outputRows?: string; inputFiles?: string; inputFileBytes?: string; badRecords?: string } | undefined;
  const rows = Number(stats?.outputRows ?? 0);
  log(
    `Load job ${job.id} done: ${rows} rows into ${tableName(destination)}` +
      (stats?.inputFiles ? ` from ${stats.inputFiles} file(s), ${stats.inputFileBytes ?? '?'} bytes` : '') +
      (stats?.badRecords && stats.badRecords !== '0' ? `, ${stats.badRecords} bad records skipped` : ''),
  );
  return { jobId: job.id, destinationTable: tableName(destination), rows };
}
