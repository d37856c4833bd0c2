/**
 * Execution routes: create (multipart inputs and files, `?wait=true`, `labels=k:v`), get, follow
 * (server-sent events), search, kill, resume, restart — Kestra's paths, status codes and shapes.
 * Invalid inputs answer 422 and start nothing.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { executionHandle } from '../client/execution-handle';
import { currentExecution, executionResultWithin, newExecutionId, resumeExecution, ResumeRefusedError, startExecution } from '../client/executions';
import type { FlowSpec, InputSpec } from '../workflow/flow/spec';
import { INPUT_ID_PATTERN } from '../workflow/flow/inputs';
import type { Execution } from '../workflow/interpreter/execution';
import { loadDeployedFlow } from '../flow-store/deploy';
import { splitExecutionId } from '../workflow/schedules/scheduled-request';
import { executionPrefix, inputFileUri, storageFromConfig } from '../storage';
import type { ExecutionLocation } from '../workflow/storage/storage-uri';
import { sealResumeSecrets, waitingResumeInputs, type WaitingResumeInputs } from '../client/resume-inputs';
import { checkInputBounds } from './body-limits';
import type { ApiContext, ApiLimits } from './context';
import { HttpError } from './errors';
import { executionJson, type KestraExecution, labelList, taskRunJson } from './execution-json';
import { DEFAULT_TASK_RUN_PAGE_SIZE, taskRunPage } from '../client/task-run-pages';
import { type Restarted, RestartRefusedError, restartExecution as restartWithClient } from '../client/restart';
import { parsePage, parseSearchQuery, type SearchQuery, searchExecutions, withKestraFilters } from './execution-search';
import { executionParams } from './logs';
import { followExecutionEvents, streamRegistry } from './sse';

/** Where uploaded FILE inputs go (the execution's folder in internal storage), and the inputs declared there. */
export interface FileInputTarget {
  context: ApiContext;
  location: ExecutionLocation;
  /** The flow's inputs, or the `onResume` inputs of the Pauses a resume answers. */
  declared: readonly InputSpec[];
}

/**
 * Inputs from a multipart body (text parts; a repeated name gives a list) or a JSON object body.
 * File parts are stored under the execution's `inputs/<input id>/` folder and become kestra:// URIs;
 * without a `fileTarget` they are refused. A part named `files` is Kestra's older form: its file
 * name is the input id. `fileTarget` may be a function, called at the first file part only (a resume
 * asks the waiting Pauses for their inputs only when it has to).
 */
export async function requestInputs(
  request: FastifyRequest,
  fileTarget?: FileInputTarget | (() => Promise<FileInputTarget>),
): Promise<Record<string, unknown>> {
  let files = typeof fileTarget === 'function' ? undefined : fileTarget;
  const inputs: Record<string, unknown> = {};
  const add = (name: string, value: unknown) => {
    const previous = inputs[name];
    inputs[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  };
  if (request.isMultipart()) {
    for await (const part of request.parts()) {
      const inputId = part.type === 'file' && part.fieldname === 'files' ? (part.filename ?? '') : part.fieldname;
      // Kestra's input id rule: a part named otherwise (`..`, `a/b`) names no input.
      if (!INPUT_ID_PATTERN.test(inputId)) {
        if (part.type === 'file') await drain(part.file);
        throw new HttpError(422, `Invalid input id \`${inputId}\`: it must match ${INPUT_ID_PATTERN.source}`);
      }
      if (part.type === 'file') {
        if (typeof fileTarget === 'function') files ??= await fileTarget();
        if (!files) {
          await drain(part.file);
          throw new HttpError(422, `File input \`${inputId}\`: files cannot be sent here`);
        }
        const declared = files.declared.find((input) => input.id === inputId);
        if (!declared) {
          // As for any undeclared input, Kestra drops it: nothing is stored.
          await drain(part.file);
          continue;
        }
        if (declared.type !== 'FILE') {
          await drain(part.file);
          throw new HttpError(422, `Invalid input for \`${inputId}\`, a file was sent but the input is of type ${declared.type}`);
        }
        add(inputId, await storeUploadedFile(files, inputId, part.filename ?? '', part.file));
        continue;
      }
      add(part.fieldname, typeof part.value === 'string' ? part.value : String(part.value));
    }
    return inputs;
  }
  const body = request.body;
  if (body === undefined || body === null || body === '') return inputs;
  if (typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)) return body as Record<string, unknown>;
  throw new HttpError(422, 'Inputs must be sent as multipart/form-data parts');
}

/** An uploaded FILE input, stored in the execution's `inputs/<input id>/` folder (inputFileUri). */
async function storeUploadedFile(files: FileInputTarget, inputId: string, clientName: string, content: AsyncIterable<Uint8Array>): Promise<string> {
  const uri = inputFileUri(files.location, inputId, clientName);
  await storageFromConfig(files.context.config).put(uri, content);
  return uri;
}

/** Reads a part to its end without keeping it (the next part only comes after). */
async function drain(content: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of content) {
    // discarded
  }
}

/** `labels=k:v` query values (repeatable). */
export function parseLabels(raw: string | string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
    const at = entry.indexOf(':');
    if (at <= 0) throw new HttpError(422, `Invalid label \`${entry}\`: expected key:value`);
    const key = entry.slice(0, at);
    if (key.startsWith('system.') && key !== 'system.correlationId')
      throw new HttpError(422, `System labels can only be set by Kestra itself, offending label: ${key}`);
    labels[key] = entry.slice(at + 1);
  }
  return labels;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() !== 'false' && value !== '0';
}

function revisionParam(raw: string | undefined): number | undefined {
  const revision = raw ? Number(raw) : undefined;
  if (revision !== undefined && !Number.isInteger(revision)) throw new HttpError(422, 'revision: expected an integer');
  return revision;
}

/** The Web UI page of an execution. */
export function executionUrl(context: ApiContext, executionId: string): string {
  const { workflowId, runId } = splitExecutionId(executionId);
  return `${context.config.webUiUrl}/namespaces/${context.config.temporalNamespace}/workflows/${encodeURIComponent(workflowId)}${runId ? `/${runId}` : ''}`;
}

/** What Kestra answers right after creating an execution (without `wait`). */
export function createdExecutionJson(context: ApiContext, handle: WorkflowHandle, flow: FlowSpec, labels: Record<string, string>): KestraExecution {
  return {
    id: handle.workflowId,
    namespace: flow.namespace,
    flowId: flow.id,
    flowRevision: flow.revision,
    state: { current: 'CREATED', startDate: new Date().toISOString() },
    labels: labelList({ ...flow.labels, ...labels }),
    taskRunList: [],
    url: executionUrl(context, handle.workflowId),
  };
}

async function requireRunning(context: ApiContext, executionId: string) {
  const handle = executionHandle(context.client, executionId);
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') throw new HttpError(409, `Execution ${executionId} is already terminated`);
  return handle;
}

/**
 * Restart (Kestra's): a new run of the same workflow id, so the execution keeps its id, with the same
 * inputs and labels, on the flow it ran (or `revision`). Task runs that ended SUCCESS, WARNING or
 * SKIPPED keep their outputs and do not run again; the others run again (src/client/restart.ts).
 */
async function restartExecution(context: ApiContext, executionId: string, revision?: number): Promise<KestraExecution> {
  let restarted: Restarted;
  try {
    restarted = await restartWithClient(context.client, context.config, executionId, {
      revision,
      loadDeployedFlow: (namespace, flowId, rev) => loadDeployedFlow(context.flowStore, `${namespace}/${flowId}`, rev),
    });
  } catch (error) {
    if (error instanceof RestartRefusedError) throw new HttpError(409, error.message);
    throw error;
  }
  const { handle, previous, flow, attempt, labels } = restarted;
  return {
    ...createdExecutionJson(context, handle, flow, labels),
    state: { current: 'RESTARTED', startDate: previous.startDate },
    ...(Object.keys(previous.inputs).length > 0 ? { inputs: previous.inputs } : {}),
    metadata: { attemptNumber: attempt, originalCreatedDate: previous.startDate },
  };
}

const flowParams = {
  type: 'object',
  properties: { namespace: { type: 'string' }, id: { type: 'string', description: 'The flow id' } },
  required: ['namespace', 'id'],
} as const;

const createQuery = {
  type: 'object',
  properties: {
    wait: {
      type: 'string',
      description:
        "true: answer once the execution has ended, with its task runs and outputs; after the server's bound (5 minutes unless `tflow server --max-wait`), with the execution as it stands",
    },
    labels: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'key:value, repeatable' },
    revision: { type: 'string', description: 'The flow revision to run (default: the latest)' },
  },
} as const;

const searchQuerySchema = {
  type: 'object',
  properties: {
    namespace: { type: 'string' },
    flowId: { type: 'string' },
    state: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'Kestra state(s): SUCCESS, FAILED…' },
    labels: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'key:value, repeatable; all must match' },
    startDate: { type: 'string', description: 'ISO date-time: started at or after' },
    endDate: { type: 'string', description: 'ISO date-time: started at or before' },
    timeRange: { type: 'string', description: 'ISO duration: started within this long before now' },
    page: { type: 'string', description: 'From 1' },
    size: { type: 'string', description: 'Page size (default 10)' },
  },
} as const;

export function registerExecutionRoutes(app: FastifyInstance, context: ApiContext, limits: Pick<ApiLimits, 'executionWaitMs'>): void {
  const create = async (
    request: FastifyRequest<{
      Params: { namespace: string; id: string };
      Querystring: { wait?: string; labels?: string | string[]; revision?: string };
    }>,
  ) => {
    const { namespace, id } = request.params;
    // Answers FlowNotFoundError (404) for an unknown flow.
    const flow = await loadDeployedFlow(context.flowStore, `${namespace}/${id}`, revisionParam(request.query.revision));
    if (flow.disabled) throw new HttpError(409, 'Requested Flow is disabled.');
    const labels = parseLabels(request.query.labels);
    const executionId = newExecutionId(flow);
    let handle: WorkflowHandle;
    try {
      const inputs = await requestInputs(request, {
        context,
        location: { namespace: flow.namespace, flowId: flow.id, executionId },
        declared: flow.inputs,
      });
      checkInputBounds(flow, inputs);
      handle = await startExecution(context.client, context.config, flow, { inputs, labels, executionId });
    } catch (error) {
      // Nothing started: drop the files uploaded for it.
      await storageFromConfig(context.config)
        .deleteByPrefix(executionPrefix({ namespace, flowId: id, executionId }))
        .catch(() => undefined);
      throw error;
    }
    if (isTrue(request.query.wait)) {
      // Not ended within the bound: the execution as it stands (the caller follows it by id).
      const execution = (await executionResultWithin(handle, limits.executionWaitMs)) ?? (await currentExecution(handle));
      return { ...executionJson(execution), url: executionUrl(context, handle.workflowId) };
    }
    return createdExecutionJson(context, handle, flow, labels);
  };
  const createSchema = {
    summary: 'Create an execution of a deployed flow (multipart inputs and files)',
    tags: ['Executions'],
    params: flowParams,
    querystring: createQuery,
    consumes: ['multipart/form-data'],
  };
  app.post('/executions/:namespace/:id', { schema: createSchema }, create);
  app.post('/executions/trigger/:namespace/:id', { schema: { ...createSchema, summary: 'Create an execution (legacy path)' } }, create);

  const search = async (request: FastifyRequest<{ Querystring: SearchQuery }>) => {
    const { filter, page, size } = parseSearchQuery(withKestraFilters(request.query as Record<string, string | string[] | undefined>));
    return searchExecutions(context.client, filter, page, size);
  };
  const searchDescription =
    'Kestra 1.x filters work too: filters[namespace][EQUALS|PREFIX], filters[flowId][EQUALS], filters[state][IN], ' +
    'filters[labels][EQUALS][<key>], filters[startDate][GREATER_THAN_OR_EQUAL_TO], filters[endDate][LESS_THAN_OR_EQUAL_TO], filters[timeRange][EQUALS].';
  app.get(
    '/executions/search',
    {
      schema: {
        summary: 'Search executions: {results, total}, newest first',
        description: searchDescription,
        tags: ['Executions'],
        querystring: searchQuerySchema,
      },
    },
    search,
  );
  app.get(
    '/executions',
    { schema: { summary: 'Executions of a flow: {results, total}', tags: ['Executions'], querystring: searchQuerySchema } },
    search,
  );

  app.get<{ Params: { executionId: string } }>(
    '/executions/:executionId',
    { schema: { summary: 'An execution with its task runs', tags: ['Executions'], params: executionParams } },
    async (request) => ({
      ...executionJson(await currentExecution(executionHandle(context.client, request.params.executionId))),
      // Its page in the Temporal Web UI (the configured webUiUrl), for the UI's link.
      url: executionUrl(context, request.params.executionId),
    }),
  );

  app.get<{ Params: { executionId: string }; Querystring: { page?: string; size?: string } }>(
    '/executions/:executionId/taskruns',
    {
      schema: {
        summary:
          "An execution's task runs a page at a time, in `taskRunList` order, a large ForEach's iterations (run in batches) included: {results, total}",
        tags: ['Executions'],
        params: executionParams,
        querystring: {
          type: 'object',
          properties: {
            page: { type: 'string', description: 'From 1' },
            size: { type: 'string', description: 'Page size (default 100, at most 1000)' },
          },
        },
      },
    },
    async (request) => {
      const { page, size } = parsePage(request.query, DEFAULT_TASK_RUN_PAGE_SIZE);
      const execution = await currentExecution(executionHandle(context.client, request.params.executionId));
      const { taskRuns, total } = await taskRunPage(context.client, execution, page, size);
      return { results: taskRuns.map((t) => taskRunJson(execution, t)), total };
    },
  );

  const streams = streamRegistry(app);
  app.get<{ Params: { executionId: string }; Querystring: { taskRuns?: 'all' | 'changed' } }>(
    '/executions/:executionId/follow',
    {
      schema: {
        summary: 'The execution as server-sent events: one each time it changes, until it ends (then an `end` event with its state)',
        description:
          'With `taskRuns=changed` (tflow), only the first event carries every task run; each later one is a `changes` event ' +
          'whose `taskRunList` holds only the task runs that are new or changed since the previous event, so a page that ' +
          'keeps the list receives what changed rather than the whole execution each time.',
        tags: ['Executions'],
        params: executionParams,
        querystring: { type: 'object', properties: { taskRuns: { type: 'string', enum: ['all', 'changed'] } } },
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const { executionId } = request.params;
      const handle = executionHandle(context.client, executionId);
      await handle.describe(); // 404 for an unknown execution, before the stream starts
      const changes = executionChanges(request.query.taskRuns === 'changed');
      await followExecutionEvents(request, reply, streams, handle, executionId, async (sink) => {
        let execution: Execution;
        try {
          execution = await currentExecution(handle);
        } catch {
          return; // closing right now: the next poll or the end event tells
        }
        const event = changes(executionJson(execution));
        if (event) sink.send(event.data, event.event);
      });
    },
  );

  const kill = async (request: FastifyRequest<{ Params: { executionId: string } }>, reply: FastifyReply) => {
    const handle = await requireRunning(context, request.params.executionId);
    await handle.cancel();
    return reply.code(202).send();
  };
  const killSchema = { summary: 'Kill a running or paused execution (202)', tags: ['Executions'], params: executionParams };
  app.delete('/executions/:executionId/kill', { schema: killSchema }, kill);
  app.post('/executions/:executionId/kill', { schema: killSchema }, kill);

  app.post<{ Params: { executionId: string } }>(
    '/executions/:executionId/resume',
    {
      schema: {
        summary: "Resume a paused execution with its Pause tasks' onResume inputs (204); files for FILE inputs as multipart parts",
        tags: ['Executions'],
        params: executionParams,
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      const { executionId } = request.params;
      const handle = await requireRunning(context, executionId);
      // The waiting Pauses' inputs (a query and a history read) are asked for only when the request has
      // inputs: a plain resume (the UI's empty form) needs neither.
      let waiting: Promise<WaitingResumeInputs> | undefined;
      const waitingInputs = () => (waiting ??= waitingResumeInputs(handle, executionId));
      // A file part is stored in the execution's folder, as at creation, for a FILE onResume input of a waiting Pause.
      const inputs = await requestInputs(request, request.isMultipart() ? async () => ({ context, ...(await waitingInputs()) }) : undefined);
      try {
        const checked = Object.keys(inputs).length === 0 ? inputs : sealResumeSecrets((await waitingInputs()).declared, inputs, context.config);
        await resumeExecution(handle, checked);
      } catch (error) {
        if (error instanceof ResumeRefusedError) throw new HttpError(/Invalid input for/.test(error.message) ? 422 : 409, error.message);
        throw error;
      }
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { executionId: string }; Querystring: { revision?: string } }>(
    '/executions/:executionId/restart',
    {
      schema: {
        summary: 'Restart a FAILED or KILLED execution under the same id: successful task runs are kept, the others run again',
        tags: ['Executions'],
        params: executionParams,
        querystring: { type: 'object', properties: { revision: { type: 'string' } } },
      },
    },
    async (request) => restartExecution(context, request.params.executionId, revisionParam(request.query.revision)),
  );
}

/**
 * What a follower sends for each poll of the execution: nothing when it is unchanged; else the whole
 * execution (Kestra's stream), or with `changedOnly`, after a first whole one, a `changes` event with
 * only the new or changed task runs (a 5,000-iteration execution does not resend 5,000 task runs).
 */
function executionChanges(changedOnly: boolean): (json: KestraExecution) => { data: KestraExecution; event?: string } | undefined {
  let lastWhole = '';
  let lastHead = '';
  const sentRuns = new Map<string, string>();
  return (json) => {
    if (!changedOnly) {
      const text = JSON.stringify(json);
      if (text === lastWhole) return undefined;
      lastWhole = text;
      return { data: json };
    }
    const changed = json.taskRunList.filter((run) => {
      const text = JSON.stringify(run);
      if (sentRuns.get(run.id) === text) return false;
      sentRuns.set(run.id, text);
      return true;
    });
    const head = JSON.stringify({ ...json, taskRunList: [] });
    const first = lastHead === '';
    if (!first && changed.length === 0 && head === lastHead) return undefined;
    lastHead = head;
    return first ? { data: json } : { data: { ...json, taskRunList: changed }, event: 'changes' };
  };
}
