/**
 * Execution search (`GET /executions/search`, `GET /executions`) through Temporal visibility: the
 * filters become a list query over tflow's search attributes (FlowNamespace, FlowId, FlowState,
 * Labels), and a page of results comes back in Kestra's `{results, total}` shape. Results are built
 * from visibility alone (no query to a worker per row), so they carry no task runs.
 */
import type { Client } from '@temporalio/client';
import { type ExecutionFilter, type ExecutionSummary, listExecutions, visibilityQuery } from '../client/execution-list';
import { parseDuration } from '../workflow/interpreter/duration';
import { EXECUTION_STATES } from '../workflow/interpreter/execution';
import { HttpError } from './errors';
import { executionJson, type KestraExecution } from './execution-json';

export interface Paged<T> {
  results: T[];
  total: number;
}

function values(raw: string | string[] | undefined): string[] {
  return (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).filter((v) => v !== '');
}

function dateParam(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new HttpError(422, `${name}: expected an ISO date-time, got \`${raw}\``);
  return date;
}

export interface SearchQuery {
  namespace?: string;
  /** Set by Kestra 1.x's `filters[namespace][EQUALS]`. */
  exactNamespace?: boolean;
  flowId?: string;
  state?: string | string[];
  labels?: string | string[];
  startDate?: string;
  endDate?: string;
  timeRange?: string;
  page?: string;
  size?: string;
}

const KESTRA_FILTER = /^filters\[(\w+)\]\[(\w+)\](?:\[([^\]]+)\])?$/;

/**
 * Kestra 1.x's `filters[<field>][<operator>]=<value>` parameters (labels:
 * `filters[labels][EQUALS][<key>]=<value>`) read into the older parameters, which both versions
 * accept. AND/OR groups and other fields or operators answer 422.
 */
export function withKestraFilters(raw: Record<string, string | string[] | undefined>): SearchQuery {
  const query: SearchQuery = { ...raw } as SearchQuery;
  const append = (name: 'state' | 'labels', value: string) => {
    query[name] = [...values(query[name]), value];
  };
  for (const [key, given] of Object.entries(raw)) {
    if (!key.startsWith('filters[')) continue;
    const match = KESTRA_FILTER.exec(key);
    const [field, operator, labelKey] = match ? [match[1], match[2], match[3]] : [key, '', undefined];
    for (const value of values(given)) {
      if (field === 'namespace' && (operator === 'EQUALS' || operator === 'PREFIX' || operator === 'STARTS_WITH')) {
        query.namespace = value;
        query.exactNamespace = operator === 'EQUALS';
      } else if (field === 'flowId' && operator === 'EQUALS') query.flowId = value;
      else if (field === 'state' && (operator === 'EQUALS' || operator === 'IN')) append('state', value);
      else if (field === 'labels' && operator === 'EQUALS' && labelKey) append('labels', `${labelKey}:${value}`);
      else if (field === 'startDate' && (operator === 'GREATER_THAN' || operator === 'GREATER_THAN_OR_EQUAL_TO')) query.startDate = value;
      else if (field === 'endDate' && (operator === 'LESS_THAN' || operator === 'LESS_THAN_OR_EQUAL_TO')) query.endDate = value;
      else if (field === 'timeRange' && operator === 'EQUALS') query.timeRange = value;
      else
        throw new HttpError(
          422,
          `${key}: this filter is not supported (namespace EQUALS/PREFIX, flowId EQUALS, state EQUALS/IN, labels EQUALS, startDate, endDate, timeRange are)`,
        );
    }
  }
  return query;
}

/** Kestra's query parameters as a filter and a page; 422 for values that make no sense. */
export function parseSearchQuery(query: SearchQuery, now = new Date()): { filter: ExecutionFilter; page: number; size: number } {
  // `state=A&state=B` or `state=A,B`.
  const states = values(query.state)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const unknown = states.find((s) => !(EXECUTION_STATES as readonly string[]).includes(s));
  if (unknown) throw new HttpError(422, `state: unknown state \`${unknown}\` (expected one of ${EXECUTION_STATES.join(', ')})`);
  const labels = values(query.labels);
  const badLabel = labels.find((l) => l.indexOf(':') <= 0);
  if (badLabel) throw new HttpError(422, `Invalid label \`${badLabel}\`: expected key:value`);
  let startDate = dateParam('startDate', query.startDate);
  if (query.timeRange) {
    const ms = parseDuration(query.timeRange);
    if (ms === undefined) throw new HttpError(422, `timeRange: expected an ISO-8601 duration (e.g. PT1H), got \`${query.timeRange}\``);
    startDate = new Date(now.getTime() - ms);
  }
  const { page, size } = parsePage(query, 10);
  return {
    filter: {
      namespace: query.namespace || undefined,
      exactNamespace: query.exactNamespace,
      flowId: query.flowId || undefined,
      states,
      labels,
      startDate,
      endDate: dateParam('endDate', query.endDate),
    },
    page,
    size,
  };
}

/** Kestra's `page` (from 1) and `size` (1 to 1000) query parameters; 422 for others. */
export function parsePage(query: { page?: string; size?: string }, defaultSize: number): { page: number; size: number } {
  const page = query.page === undefined ? 1 : Number(query.page);
  const size = query.size === undefined ? defaultSize : Number(query.size);
  if (!Number.isInteger(page) || page < 1) throw new HttpError(422, 'page: expected an integer from 1');
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new HttpError(422, 'size: expected an integer from 1 to 1000');
  return { page, size };
}

/** An execution as visibility knows it: no inputs, outputs or task runs. */
function kestraSummary(summary: ExecutionSummary): KestraExecution {
  return executionJson({ ...summary, inputs: {}, outputs: {}, taskRuns: [] });
}

/** One page of executions in visibility's order (see listExecutions), with the total that match. */
export async function searchExecutions(client: Client, filter: ExecutionFilter, page: number, size: number): Promise<Paged<KestraExecution>> {
  const skip = (page - 1) * size;
  const summaries = await listExecutions(client, filter, size, skip);
  const { count } = await client.workflow.count(visibilityQuery(filter));
  return { results: summaries.map(kestraSummary), total: Math.max(summaries.length + skip, count) };
}
