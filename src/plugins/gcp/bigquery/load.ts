import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import type { Job } from '@google-cloud/bigquery';
import { z } from 'zod';
import { isStorageUri } from '../../../storage';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { bigQueryClient } from '../connection';
import { destinationOf, loadConfiguration, loadJobProperties, loadOutputs } from './load-job';

/**
 * `io.kestra.plugin.gcp.bigquery.Load`: uploads a file of internal storage (`from`, kestra://) as
 * one load job into `destinationTable`, waiting for it to end. An empty file fails the task unless
 * `failedOnEmpty: false` (then `rows` is 0 and no job runs). Outputs `jobId`, `destinationTable`, `rows`.
 */
export const bigQueryLoadTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.bigquery.Load',
  title: 'Load a file of internal storage into a BigQuery table.',
  properties: z.strictObject({
    ...loadJobProperties,
    from: z.string().min(1),
    failedOnEmpty: z.boolean().default(true),
  }),
  async run(props, context) {
    if (!isStorageUri(props.from)) throw new Error(`from must be a file of internal storage (kestra:///…), got '${props.from}'`);
    const size = await context.storage.stat(props.from);
    if (size === 0) {
      if (props.failedOnEmpty) throw new Error(`Can't load an empty file: ${props.from} has no data (set failedOnEmpty: false to accept it)`);
      context.log('WARN', `${props.from} is empty: nothing loaded`);
      return { rows: 0 };
    }
    const bigQuery = await bigQueryClient(props);
    const destination = await destinationOf(props, bigQuery);
    const table = bigQuery.dataset(destination.datasetId, { projectId: destination.projectId }).table(destination.tableId);
    // The client sends the file with the job in one upload (the job runs in the destination table's
    // project, where Kestra's Java client uses the connection's), then polls the job until it is DONE.
    const upload = table.createWriteStream(loadConfiguration(props, destination));
    const [[job]] = await Promise.all([
      once(upload, 'complete') as Promise<[Job]>,
      pipeline(await context.storage.get(props.from), upload, { signal: context.signal }),
    ]);
    return loadOutputs(job, destination, (line) => context.log('INFO', line));
  },
});
