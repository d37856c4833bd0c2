/**
 * Execution routes: create (multipart inputs, `?wait=true`, `labels=k:v`), get, kill, resume —
 * Kestra's paths, status codes and shapes. Invalid inputs answer 422 and start nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { executionResult, queryExecution, resumeExecution, ResumeRefusedError, startExecution } from '../client/executions';
import { executionHandle } from '../client/execution-handle';
import type { Execution } from '../interpreter/execution';
import { loadDeployedFlow } from '../registry/deploy';
import { FlowNotFoundError } from '../registry/flow-registry';
import type { ApiContext } from './context';
import { HttpError } from './errors';
import { executionJson, labelList } from './execution-json';

/** Inputs from a multipart body (text parts; a repeated name gives a list) or a JSON object body. */
export async function requestInputs(request: FastifyRequest): Promise<Record<string, unknown>> {
  const inputs: Record<string, unknown> = {};
  if (request.isMultipart()) {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        await part.toBuffer();
        throw new HttpError(422, `File input \`${part.fieldname === 'files' ? part.filename : part.fieldname}\`: file inputs are not supported by the API yet`);
      }
      const value = typeof part.value === 'string' ? part.value : String(part.value);
      const previous = inputs[part.fieldname];
      inputs[part.fieldname] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    return inputs;
  }
  const body = request.body;
  if (body === undefined || body === null || body === '') return inputs;
  if (typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)) return body as Record<string, unknown>;
  throw new HttpError(422, 'Inputs must be sent as multipart/form-data parts');
}

/** `labels=k:v` query values (repeatable). */
export function parseLabels(raw: string | string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
    const at = entry.indexOf(':');
    if (at <= 0) throw new HttpError(422, `Invalid label \`${entry}\`: expected key:value`);
    const key = entry.slice(0, at);
    if (key.startsWith('system.') && key !== 'system.correlationId') throw new HttpError(422, `System labels can only be set by Kestra itself, offending label: ${key}`);
    labels[key] = entry.slice(at + 1);
  }
  return labels;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() !== 'false' && value !== '0';
}

/** The execution as it is now: its final state when closed, else what the running workflow says. */
async function currentExecution(context: ApiContext, executionId: string): Promise<Execution> {
  const handle = executionHandle(context.client, executionId);
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return executionResult(handle);
  try {
    return await queryExecution(handle);
  } catch {
    // No worker has picked it up yet.
    return {
      id: executionId,
      namespace: '',
      flowId: description.type,
      revision: 0,
      state: 'CREATED',
      inputs: {},
      outputs: {},
      labels: {},
      taskRuns: [],
      startDate: description.startTime.toISOString(),
    };
  }
}

async function requireRunning(context: ApiContext, executionId: string) {
  const handle = executionHandle(context.client, executionId);
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') throw new HttpError(409, `Execution ${executionId} is already terminated`);
  return handle;
}

export function registerExecutionRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Params: { namespace: string; id: string }; Querystring: { wait?: string; labels?: string | string[]; revision?: string } }>(
    '/executions/:namespace/:id',
    async (request) => {
      const { namespace, id } = request.params;
      if (!(await context.registry.find(namespace, id))) throw new FlowNotFoundError(namespace, id);
      const revision = request.query.revision ? Number(request.query.revision) : undefined;
      if (revision !== undefined && !Number.isInteger(revision)) throw new HttpError(422, 'revision: expected an integer');
      const flow = await loadDeployedFlow(context.registry, `${namespace}/${id}`, revision);
      if (flow.disabled) throw new HttpError(409, 'Requested Flow is disabled.');
      const labels = parseLabels(request.query.labels);
      const inputs = await requestInputs(request);
      const handle = await startExecution(context.client, context.config, flow, { inputs, labels });
      const url = `${context.config.webUiUrl}/namespaces/${context.config.temporalNamespace}/workflows/${encodeURIComponent(handle.workflowId)}`;
      if (isTrue(request.query.wait)) return { ...executionJson(await executionResult(handle)), url };
      return {
        id: handle.workflowId,
        namespace,
        flowId: id,
        flowRevision: flow.revision,
        state: { current: 'CREATED', startDate: new Date().toISOString() },
        labels: labelList({ ...flow.labels, ...labels }),
        taskRunList: [],
        url,
      };
    },
  );

  app.get<{ Params: { executionId: string } }>('/executions/:executionId', async (request) => {
    return executionJson(await currentExecution(context, request.params.executionId));
  });

  const kill = async (request: FastifyRequest<{ Params: { executionId: string } }>, reply: import('fastify').FastifyReply) => {
    const handle = await requireRunning(context, request.params.executionId);
    await handle.cancel();
    return reply.code(202).send();
  };
  app.delete<{ Params: { executionId: string } }>('/executions/:executionId/kill', kill);
  app.post<{ Params: { executionId: string } }>('/executions/:executionId/kill', kill);

  app.post<{ Params: { executionId: string } }>('/executions/:executionId/resume', async (request, reply) => {
    const handle = await requireRunning(context, request.params.executionId);
    const inputs = await requestInputs(request);
    try {
      await resumeExecution(handle, inputs);
    } catch (error) {
      if (error instanceof ResumeRefusedError) throw new HttpError(/Invalid input for/.test(error.message) ? 422 : 409, error.message);
      throw error;
    }
    return reply.code(204).send();
  });
}
