/**
 * Finding executions through Temporal visibility, for the CLI (`tflow executions list`) and the API
 * (`GET /executions/search`): a filter becomes a list query over tflow's search attributes
 * (FlowNamespace, FlowId, FlowState, Labels), and each row is read from visibility alone — no worker
 * is asked, so rows carry no task runs.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { isTerminated, type State } from '../workflow/interpreter/execution';
import { scheduledExecutionId } from '../workflow/schedules/scheduled-request';
import { FlowIdKey, FlowNamespaceKey, FlowRevisionKey, FlowStateKey, LabelsKey } from '../workflow/search-attributes';

export interface ExecutionFilter {
  /** The namespace and its children (only the namespace itself with `exactNamespace`), as Kestra filters. */
  namespace?: string;
  exactNamespace?: boolean;
  flowId?: string;
  /** Any of these states matches. */
  states?: string[];
  /** `key:value` items; all must match. */
  labels?: string[];
  startDate?: Date;
  endDate?: Date;
}

/** One execution as visibility knows it. */
export interface ExecutionSummary {
  id: string;
  namespace: string;
  flowId: string;
  revision: number;
  state: State;
  labels: Record<string, string>;
  startDate: string;
  endDate?: string;
}

/** The filter of one flow given as `namespace.flowId` or `namespace/flowId` (flow ids have no dots). */
export function flowFilter(flow: string): Pick<ExecutionFilter, 'namespace' | 'exactNamespace' | 'flowId'> {
  const separator = flow.includes('/') ? flow.lastIndexOf('/') : flow.lastIndexOf('.');
  return { namespace: flow.slice(0, separator), exactNamespace: true, flowId: flow.slice(separator + 1) };
}

/** A value as a visibility-query string literal. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The Temporal list query for a filter: only tflow executions (they have a FlowId). */
export function visibilityQuery(filter: ExecutionFilter): string {
  const clauses = [`${FlowIdKey.name} IS NOT NULL`];
  if (filter.namespace && filter.exactNamespace) clauses.push(`${FlowNamespaceKey.name} = ${quote(filter.namespace)}`);
  else if (filter.namespace)
    clauses.push(`(${FlowNamespaceKey.name} = ${quote(filter.namespace)} OR ${FlowNamespaceKey.name} STARTS_WITH ${quote(`${filter.namespace}.`)})`);
  if (filter.flowId) clauses.push(`${FlowIdKey.name} = ${quote(filter.flowId)}`);
  if (filter.states && filter.states.length > 0) clauses.push(`${FlowStateKey.name} IN (${filter.states.map(quote).join(', ')})`);
  for (const label of filter.labels ?? []) clauses.push(`${LabelsKey.name} = ${quote(label)}`);
  if (filter.startDate) clauses.push(`StartTime >= ${quote(filter.startDate.toISOString())}`);
  if (filter.endDate) clauses.push(`StartTime <= ${quote(filter.endDate.toISOString())}`);
  return clauses.join(' AND ');
}

/**
 * Executions matching `filter`, at most `limit`, in visibility's order (the dev server's SQLite
 * visibility lists running ones first, then by end time, latest first). A restarted execution keeps
 * its id (a new run of the same workflow): only its latest run is listed.
 */
export async function listExecutions(client: Client, filter: ExecutionFilter = {}, limit = 50, skip = 0): Promise<ExecutionSummary[]> {
  const summaries: ExecutionSummary[] = [];
  if (limit <= 0) return summaries;
  const seen = new Set<string>();
  let index = 0;
  for await (const info of client.workflow.list({ query: visibilityQuery(filter), pageSize: Math.min(1000, skip + limit) })) {
    const summary = executionSummaryOf(info);
    if (seen.has(summary.id)) continue;
    seen.add(summary.id);
    if (index++ < skip) continue;
    summaries.push(summary);
    if (summaries.length >= limit) break;
  }
  return summaries;
}

/** Set by Temporal on the runs a Schedule starts. */
const ScheduledByIdKey = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

/** The execution id of a workflow run: runs a Schedule started are `<workflow id>@<run id>` (see executionHandle). */
export function executionIdOf(info: Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'typedSearchAttributes'>): string {
  return info.typedSearchAttributes.get(ScheduledByIdKey) ? scheduledExecutionId(info.workflowId, info.runId) : info.workflowId;
}

/** `['k:v']` items of the Labels search attribute back to a map. */
export function labelsFromAttribute(items: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf(':');
    if (at > 0) labels[item.slice(0, at)] = item.slice(at + 1);
  }
  return labels;
}

/** An execution as visibility (or a describe call) knows it. */
export function executionSummaryOf(info: Omit<WorkflowExecutionInfo, 'raw'>): ExecutionSummary {
  const attributes = info.typedSearchAttributes;
  return {
    id: executionIdOf(info),
    namespace: attributes.get(FlowNamespaceKey) ?? '',
    flowId: attributes.get(FlowIdKey) ?? info.type,
    revision: attributes.get(FlowRevisionKey) ?? 0,
    state: stateOf(info),
    labels: labelsFromAttribute(attributes.get(LabelsKey) ?? []),
    startDate: info.startTime.toISOString(),
    ...(info.closeTime ? { endDate: info.closeTime.toISOString() } : {}),
  };
}

/**
 * The Kestra state the workflow last recorded; when the workflow closed without recording a final
 * one (killed before a worker ran it, terminated from outside tflow), what its Temporal status means.
 */
function stateOf(info: Omit<WorkflowExecutionInfo, 'raw'>): State {
  const recorded = (info.typedSearchAttributes.get(FlowStateKey) ?? 'CREATED') as State;
  if (info.status.name === 'RUNNING' || isTerminated(recorded)) return recorded;
  switch (info.status.name) {
    case 'COMPLETED':
      return 'SUCCESS';
    case 'CANCELLED':
    case 'TERMINATED':
      return 'KILLED';
    default:
      return 'FAILED';
  }
}
