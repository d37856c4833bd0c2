import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { bigQueryClient, gcpConnectionProperties } from '../connection';

/**
 * `io.kestra.plugin.gcp.bigquery.CreateDataset`: creates a dataset; when it exists, `ifExists`
 * fails the task (ERROR, Kestra's default), updates its description/labels (UPDATE) or accepts it
 * (SKIP). Outputs `dataset`, `project`, `location`, `friendlyName`, `description`.
 */
export const bigQueryCreateDatasetTask = defineRunnableTask({
  type: 'io.kestra.plugin.gcp.bigquery.CreateDataset',
  title: 'Create a BigQuery dataset.',
  properties: z.strictObject({
    ...gcpConnectionProperties,
    name: z.string().min(1),
    ifExists: z.enum(['ERROR', 'UPDATE', 'SKIP']).default('ERROR'),
    location: z.string().min(1).optional(),
    description: z.string().optional(),
    friendlyName: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    defaultTableLifetime: z.number().int().positive().optional(),
  }),
  async run(props, context) {
    const bigQuery = await bigQueryClient(props);
    const dataset = bigQuery.dataset(props.name, props.location ? { location: props.location } : {});
    const settings = {
      ...(props.description !== undefined ? { description: props.description } : {}),
      ...(props.friendlyName !== undefined ? { friendlyName: props.friendlyName } : {}),
      ...(props.labels ? { labels: props.labels } : {}),
      ...(props.defaultTableLifetime ? { defaultTableExpirationMs: String(props.defaultTableLifetime * 1000) } : {}),
    };
    const [exists] = await dataset.exists();
    if (!exists) {
      await bigQuery.createDataset(props.name, { ...settings, ...(props.location ? { location: props.location } : {}) });
      context.log('INFO', `Created dataset ${props.name}`);
    } else if (props.ifExists === 'ERROR') {
      throw new Error(`Dataset '${props.name}' already exists (set ifExists: SKIP or UPDATE to accept it)`);
    } else if (props.ifExists === 'UPDATE') {
      await dataset.setMetadata(settings);
      context.log('INFO', `Dataset ${props.name} exists: updated`);
    } else {
      context.log('INFO', `Dataset ${props.name} exists: skipped`);
    }
    const [metadata] = await dataset.getMetadata();
    const described = {
      dataset: metadata.datasetReference?.datasetId ?? props.name,
      project: metadata.datasetReference?.projectId,
      location: metadata.location,
      friendlyName: metadata.friendlyName,
      description: metadata.description,
    };
    return Object.fromEntries(Object.entries(described).filter(([, value]) => value !== undefined));
  },
});
