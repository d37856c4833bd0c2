import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { bigQueryClient, parseGsUri } from '../connection';
import { destinationOf, loadConfiguration, loadJobProperties, loadOutputs } from './load-job';

/**
 * `io.kestra.plugin.gcp.bigquery.LoadFromGcs`: one load job from Cloud Storage objects (`from`, gs://
 * URIs, a `*` wildcard allowed in the object name) into `destinationTable`, waiting for it to end.
 * Outputs `jobId`, `destinationTable`, `rows`.
 */
export const bigQueryLoadFromGcsTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.bigquery.LoadFromGcs',
  title: 'Load Cloud Storage files into a BigQuery table.',
  properties: z.strictObject({
    ...loadJobProperties,
    from: z.union([
      z
        .string()
        .min(1)
        .transform((uri) => [uri]),
      z.array(z.string().min(1)).min(1),
    ]),
  }),
  async run(props, context) {
    const sourceUris = props.from.map((uri) => {
      parseGsUri(uri, 'from');
      return uri.trim();
    });
    const bigQuery = await bigQueryClient(props);
    const destination = await destinationOf(props, bigQuery);
    const [job] = await bigQuery.createJob({
      configuration: { load: { ...loadConfiguration(props, destination), sourceUris } },
      ...(props.location ? { location: props.location } : {}),
    });
    context.log('INFO', `Load job ${job.id} started from ${sourceUris.join(', ')}`);
    // Polls until the job is DONE; rejects with BigQuery's errors when it failed.
    await job.promise();
    return loadOutputs(job, destination, (line) => context.log('INFO', line));
  },
});
