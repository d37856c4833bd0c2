import type { BigQuery } from '@google-cloud/bigquery';

/** A BigQuery table as the REST API names it. */
export interface TableReference {
  projectId: string;
  datasetId: string;
  tableId: string;
}

/**
 * Kestra's table names, `project.dataset.table` or `dataset.table` (in the client's project),
 * backquotes allowed, → the API's reference. `property` names the culprit in the error.
 */
export function parseTableName(name: string, defaultProject: string | undefined, property: string): TableReference {
  const parts = name.replace(/`/g, '').trim().split('.');
  if (parts.length === 2 && defaultProject && parts.every(Boolean)) return { projectId: defaultProject, datasetId: parts[0], tableId: parts[1] };
  if (parts.length === 3 && parts.every(Boolean)) return { projectId: parts[0], datasetId: parts[1], tableId: parts[2] };
  throw new Error(`${property} must be dataset.table or project.dataset.table, got '${name}'`);
}

/** `project.dataset.table`, as Kestra's outputs give it. */
export function tableName(table: TableReference): string {
  return `${table.projectId}.${table.datasetId}.${table.tableId}`;
}

/**
 * A table name of the flow in the client's project: the task's `projectId`, else the one of the
 * credentials (the client knows it only once asked: until then it holds a placeholder).
 */
export async function tableOfClient(name: string, bigQuery: BigQuery, property: string): Promise<TableReference> {
  const known = bigQuery.projectId && bigQuery.projectId !== '{{projectId}}' ? bigQuery.projectId : undefined;
  const project = known ?? (name.replace(/`/g, '').split('.').length === 2 ? await bigQuery.getProjectId() : undefined);
  return parseTableName(name, project, property);
}
