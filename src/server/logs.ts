/**
 * Log routes: an execution's log lines as JSON (`GET /logs/{executionId}`), as text (`/download`)
 * and as server-sent events while it runs (`/follow`, ending when the execution ends). Lines come
 * from the workflow's `tflow.logs` query, so a finished execution's logs need a worker to answer.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { executionHandle } from '../client/execution-handle';
import { executionLogs } from '../client/execution-logs';
import type { LogEntry } from '../workflow/interpreter/execution';
import { FlowIdKey, FlowNamespaceKey } from '../workflow/search-attributes';
import type { ApiContext } from './context';
import { HttpError } from './errors';
import { followExecutionEvents, streamRegistry } from './sse';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface KestraLogEntry {
  namespace: string;
  flowId: string;
  executionId: string;
  taskId?: string;
  taskRunId?: string;
  attemptNumber?: number;
  timestamp: string;
  level: string;
  thread?: string;
  message: string;
}

interface LogFilter {
  minLevel?: string;
  taskId?: string;
  taskRunId?: string;
}

function logFilter(query: LogFilter): (entry: LogEntry) => boolean {
  const minLevel = query.minLevel?.toUpperCase();
  if (minLevel && !LEVELS.includes(minLevel)) throw new HttpError(422, `minLevel: expected one of ${LEVELS.join(', ')}`);
  const min = minLevel ? LEVELS.indexOf(minLevel) : 0;
  return (entry) =>
    LEVELS.indexOf(entry.level) >= min &&
    (!query.taskId || entry.taskId === query.taskId) &&
    (!query.taskRunId || entry.taskRunId === query.taskRunId);
}

/** How far up a large ForEach's batch looks for its execution: a batch of a batch (nested loops), and so on. */
const MAX_BATCH_DEPTH = 8;

/**
 * The namespace and flow id of the execution `handle` names, from its search attributes; a large
 * ForEach's batch (a child workflow without them, so that it is not listed as an execution) has
 * its parent's (docs/kestra-compatibility.md, "Large `ForEach`").
 */
async function flowOfExecution(handle: WorkflowHandle): Promise<{ namespace: string; flowId: string }> {
  let description = await handle.describe();
  for (let depth = 0; depth < MAX_BATCH_DEPTH && !description.typedSearchAttributes.get(FlowIdKey); depth++) {
    const parent = description.parentExecution;
    if (!parent?.workflowId) break;
    description = await handle.client.getHandle(parent.workflowId, parent.runId ?? undefined).describe();
  }
  return {
    namespace: description.typedSearchAttributes.get(FlowNamespaceKey) ?? '',
    flowId: description.typedSearchAttributes.get(FlowIdKey) ?? '',
  };
}

/** Turns the workflow's lines into Kestra's log entries (namespace and flow from the search attributes). */
async function logShaper(handle: WorkflowHandle, executionId: string): Promise<(entry: LogEntry) => KestraLogEntry> {
  const { namespace, flowId } = await flowOfExecution(handle);
  return (entry) => ({
    namespace,
    flowId,
    executionId,
    ...(entry.taskId ? { taskId: entry.taskId } : {}),
    ...(entry.taskRunId ? { taskRunId: entry.taskRunId, attemptNumber: 0 } : {}),
    timestamp: entry.timestamp,
    level: entry.level,
    message: entry.message,
  });
}

/** Lines from `from` on; none (and the same `next`) while no worker has started the execution. */
async function logsSince(handle: WorkflowHandle, from: number): Promise<{ logs: LogEntry[]; next: number }> {
  try {
    return await executionLogs(handle, from);
  } catch {
    return { logs: [], next: from };
  }
}

export function registerLogRoutes(app: FastifyInstance, context: ApiContext): void {
  const streams = streamRegistry(app);

  app.get<{ Params: { executionId: string }; Querystring: LogFilter }>(
    '/logs/:executionId',
    { schema: { summary: "An execution's log lines", tags: ['Logs'], params: executionParams, querystring: logQuerySchema } },
    async (request) => {
      const keep = logFilter(request.query);
      const handle = executionHandle(context.client, request.params.executionId);
      const shape = await logShaper(handle, request.params.executionId);
      const { logs } = await executionLogs(handle);
      return logs.filter(keep).map(shape);
    },
  );

  app.get<{ Params: { executionId: string }; Querystring: LogFilter }>(
    '/logs/:executionId/download',
    {
      schema: {
        summary: "An execution's log lines as text",
        tags: ['Logs'],
        params: executionParams,
        querystring: logQuerySchema,
        produces: ['text/plain'],
      },
    },
    async (request, reply) => {
      const keep = logFilter(request.query);
      const handle = executionHandle(context.client, request.params.executionId);
      await handle.describe(); // 404 for an unknown execution
      const { logs } = await executionLogs(handle);
      const lines = logs.filter(keep).map((l) => `${l.timestamp} ${l.level.padEnd(5)} ${l.taskId ? `[${l.taskId}] ` : ''}${l.message}\n`);
      return reply.type('text/plain; charset=utf-8').send(lines.join(''));
    },
  );

  app.get<{ Params: { executionId: string }; Querystring: LogFilter }>(
    '/logs/:executionId/follow',
    {
      schema: {
        summary: "An execution's log lines as server-sent events, until it ends (then an `end` event with its state)",
        tags: ['Logs'],
        params: executionParams,
        querystring: logQuerySchema,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const keep = logFilter(request.query);
      const executionId = request.params.executionId;
      const handle = executionHandle(context.client, executionId);
      const shape = await logShaper(handle, executionId);
      let next = 0;
      await followExecutionEvents(request, reply, streams, handle, executionId, async (sink) => {
        const batch = await logsSince(handle, next);
        next = batch.next;
        for (const entry of batch.logs.filter(keep)) sink.send(shape(entry));
      });
    },
  );
}

export const executionParams = {
  type: 'object',
  properties: { executionId: { type: 'string', description: 'The execution id' } },
  required: ['executionId'],
} as const;

const logQuerySchema = {
  type: 'object',
  properties: {
    minLevel: { type: 'string', description: `Only lines at this level or above: ${LEVELS.join(', ')}` },
    taskId: { type: 'string' },
    taskRunId: { type: 'string' },
  },
} as const;
