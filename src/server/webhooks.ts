/**
 * Webhook triggers: `GET|POST|PUT /executions/webhook/{namespace}/{flowId}/{key}` starts an execution
 * of a deployed flow whose `io.kestra.plugin.core.trigger.Webhook` trigger has that key. The flow sees
 * `trigger.body` (the body as JSON when it parses, else its text), `trigger.headers` and
 * `trigger.parameters` (each name → list of values). With the trigger's `wait`, the answer comes when
 * the execution ends; with `returnOutputs` too, it is the flow's outputs. As in Kestra, these routes
 * need no Basic auth: the key is the secret.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { executionResult, newExecutionId, startExecution } from '../client/executions';
import type { WebhookTriggerSpec } from '../flow/spec';
import { type Context, render, renderProperties } from '../interpreter/expression';
import { loadDeployedFlow } from '../registry/deploy';
import { digest } from './auth';
import type { ApiContext } from './context';
import { HttpError } from './errors';
import { executionJson } from './execution-json';
import { createdExecutionJson, executionUrl } from './executions';

/** Compares webhook keys in constant time (the key is the webhook's only credential). */
function sameKey(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/** Headers that carry credentials: they never reach the execution (nor Temporal's history). */
const HIDDEN_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

function listValues(record: Record<string, string | string[] | undefined>, skip: Set<string> = new Set()): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined || skip.has(name.toLowerCase())) continue;
    values[name] = Array.isArray(value) ? value : [value];
  }
  return values;
}

function bodyOf(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The `trigger` variables of a webhook call. */
export function webhookTriggerVariables(request: FastifyRequest): Record<string, unknown> {
  return {
    body: bodyOf(request.body),
    headers: listValues(request.headers as Record<string, string | string[] | undefined>, HIDDEN_HEADERS),
    parameters: listValues(request.query as Record<string, string | string[] | undefined>),
  };
}

export function registerWebhookRoutes(app: FastifyInstance, context: ApiContext): void {
  // Any body is accepted as text (JSON is parsed in the handler, so `trigger.body` is an object).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const handler = async (request: FastifyRequest<{ Params: { namespace: string; id: string; key: string } }>) => {
    const { namespace, id, key } = request.params;
    // The same answer for an unknown flow and a wrong key: an open route tells strangers nothing.
    if (!(await context.registry.find(namespace, id))) throw new HttpError(404, 'Webhook not found');
    const flow = await loadDeployedFlow(context.registry, `${namespace}/${id}`);
    const trigger = (flow.triggers ?? []).find(
      (t): t is WebhookTriggerSpec => t.type === 'io.kestra.plugin.core.trigger.Webhook' && !t.disabled && sameKey(t.key, key),
    );
    if (!trigger) throw new HttpError(404, 'Webhook not found');
    if (flow.disabled) throw new HttpError(409, 'Requested Flow is disabled.');

    const executionId = newExecutionId(flow);
    const variables = webhookTriggerVariables(request);
    const renderContext: Context = {
      flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision },
      execution: { id: executionId },
      trigger: variables,
    };
    let inputs: Record<string, unknown>;
    const labels: Record<string, string> = {};
    try {
      inputs = renderProperties(trigger.inputs, renderContext) as Record<string, unknown>;
      for (const [name, value] of Object.entries(trigger.labels)) labels[name] = value.includes('{{') ? render(value, renderContext) : value;
    } catch (error) {
      throw new HttpError(422, `Unable to render the inputs or labels of trigger ${trigger.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const handle = await startExecution(context.client, context.config, flow, {
      inputs,
      labels,
      executionId,
      trigger: variables,
    });
    const triggerJson = { id: trigger.id, type: trigger.type, variables };
    if (!trigger.wait) return { ...createdExecutionJson(context, handle, flow, labels), trigger: triggerJson };
    const execution = await executionResult(handle);
    if (trigger.returnOutputs) return execution.outputs;
    return { ...executionJson(execution), trigger: triggerJson, url: executionUrl(context, handle.workflowId) };
  };
  const schema = {
    summary: "Start an execution through a flow's Webhook trigger; the flow sees trigger.body, trigger.headers, trigger.parameters",
    tags: ['Executions'],
    security: [], // open: the key is the secret
    params: {
      type: 'object',
      properties: { namespace: { type: 'string' }, id: { type: 'string', description: 'The flow id' }, key: { type: 'string', description: "The trigger's key" } },
      required: ['namespace', 'id', 'key'],
    },
  };
  app.route({ method: ['GET', 'POST', 'PUT'], url: '/executions/webhook/:namespace/:id/:key', schema, handler });
}
