/**
 * Webhook triggers: `GET|POST|PUT /executions/webhook/{namespace}/{flowId}/{key}` starts an execution
 * of a deployed flow whose `io.kestra.plugin.core.trigger.Webhook` trigger has that key. The flow sees
 * `trigger.body` (the body as JSON when it parses, else its text), `trigger.headers` and
 * `trigger.parameters` (each name → list of values; credential-like headers left out). With the
 * trigger's `wait`, the answer comes when the execution ends (or, after ApiLimits.webhookWaitMs, with the
 * running execution's id); with `returnOutputs` too, it is the flow's outputs. As in Kestra, these
 * routes need no Basic auth: the key is the secret, checked before the flow is compiled.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { executionResultWithin, newExecutionId, startExecution } from '../client/executions';
import type { WebhookTriggerSpec } from '../workflow/flow/spec';
import { type Context, render, renderProperties } from '../workflow/expression';
import { compileDeployed } from '../flow-store/deploy';
import { FlowNotFoundError } from '../flow-store/flow-store';
import { digest } from './auth';
import { checkInputBounds, jsonTextProblem } from './body-limits';
import type { ApiContext, ApiLimits } from './context';
import { HttpError } from './errors';
import { executionJson } from './execution-json';
import { createdExecutionJson, executionUrl } from './executions';
import { messageOf } from '../workflow/error-message';

/** Compares webhook keys in constant time (the key is the webhook's only credential). */
function sameKey(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/** A `key:` entry anywhere in a YAML text, block or flow style; group 1 is the rest of its line. */
const KEY_ENTRY = /(?:^|[\s{,])(?:key|"key"|'key')[ \t]*:[ \t]+([^\n]*)/g;

/**
 * Every value a `key:` entry of the source could hold, read from its text in one linear pass, without
 * parsing or compiling it: a superset of its Webhook triggers' literal keys (README "Security").
 * A caller's key that is none of them is refused before the flow is compiled. Undefined when some
 * `key:` value cannot be read from its line (an alias, a block scalar, a quoted value that goes on
 * or has an escape JSON does not know): only a compile tells then.
 */
export function webhookKeyCandidates(source: string): string[] | undefined {
  const candidates = new Set<string>();
  for (const match of source.matchAll(KEY_ENTRY)) {
    // An anchor or a tag before the value does not change it.
    const value = match[1].replace(/^(?:[&!][^\s]*[ \t]+)+/, '').trim();
    // A quoted value ends at its closing quote: a ` #` inside it is part of the key, not a comment.
    const quoted = quotedScalar(value);
    if (quoted !== undefined) {
      candidates.add(quoted);
      continue;
    }
    const plain = value.replace(/(?:^|[ \t]+)#.*$/, '').trim();
    if (/^[*|>'"]/.test(plain) || plain === '') return undefined;
    // Block style takes the whole line; flow style (`{key: x, …}`) stops at `,` or `}`.
    candidates.add(plain);
    candidates.add(plain.split(/[,}]/)[0].trim());
  }
  return [...candidates];
}

/** The value of a quoted scalar closed on its line (YAML's double-quoted escapes read as JSON's), else undefined. */
function quotedScalar(text: string): string | undefined {
  const single = /^'((?:[^']|'')*)'(?!')/.exec(text);
  if (single) return single[1].replaceAll("''", "'");
  const double = /^"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!double) return undefined;
  try {
    return JSON.parse(`"${double[1]}"`) as string;
  } catch {
    return undefined; // `\x41`, `\e`…: YAML escapes JSON does not know
  }
}

/** Any of `candidates` equal to `given`? Every candidate is compared, in constant time each. */
function anyKeyMatches(candidates: readonly string[], given: string): boolean {
  return candidates.reduce((found, candidate) => sameKey(candidate, given) || found, false);
}

/**
 * Headers that carry credentials or signatures never reach the execution (nor Temporal's history,
 * where anyone who can read executions would see them): `Authorization`, `Cookie`, and any name that
 * looks like a key, token, secret, signature or password (`X-Api-Key`, `X-Hub-Signature-256`…).
 */
const HIDDEN_HEADER = /^(?:authorization|proxy-authorization|cookie)$|token|secret|signature|passw|api[-_]?key|auth|credential|session|csrf|xsrf/i;

function listValues(record: Record<string, string | string[] | undefined>, hidden?: RegExp): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined || hidden?.test(name)) continue;
    values[name] = Array.isArray(value) ? value : [value];
  }
  return values;
}

function bodyOf(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text; // not JSON: the flow sees the text as it came
  }
  // JSON the execution could not carry (too deep to serialize, integers that would change value).
  const problem = jsonTextProblem(text);
  if (problem) throw new HttpError(422, `Invalid webhook body: ${problem}`);
  return json;
}

/** The `trigger` variables of a webhook call. */
export function webhookTriggerVariables(request: FastifyRequest): Record<string, unknown> {
  return {
    body: bodyOf(request.body),
    headers: listValues(request.headers as Record<string, string | string[] | undefined>, HIDDEN_HEADER),
    parameters: listValues(request.query as Record<string, string | string[] | undefined>),
  };
}

export function registerWebhookRoutes(app: FastifyInstance, context: ApiContext, limits: Pick<ApiLimits, 'webhookWaitMs'>): void {
  // Any body is accepted as text (JSON is parsed in the handler, so `trigger.body` is an object).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const handler = async (request: FastifyRequest<{ Params: { namespace: string; id: string; key: string } }>) => {
    const { namespace, id, key } = request.params;
    // The same answer for an unknown flow and a wrong key: an open route tells strangers nothing.
    const stored = await context.flowStore.get(namespace, id).catch((error: unknown) => {
      throw error instanceof FlowNotFoundError ? new HttpError(404, 'Webhook not found') : error;
    });
    // The key first, from the source text: a wrong key costs no compile (flows can be large).
    const candidates = webhookKeyCandidates(stored.source);
    if (candidates && !anyKeyMatches(candidates, key)) throw new HttpError(404, 'Webhook not found');
    const flow = compileDeployed(stored.source, namespace, id, stored.revision);
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
      throw new HttpError(422, `Unable to render the inputs or labels of trigger ${trigger.id}: ${messageOf(error)}`);
    }
    checkInputBounds(flow, inputs);
    const handle = await startExecution(context.client, context.config, flow, {
      inputs,
      labels,
      executionId,
      trigger: variables,
    });
    const triggerJson = { id: trigger.id, type: trigger.type, variables };
    const created = { ...createdExecutionJson(context, handle, flow, labels), trigger: triggerJson };
    if (!trigger.wait) return created;
    const execution = await executionResultWithin(handle, limits.webhookWaitMs);
    if (!execution) return created; // still running after webhookWaitMs: the caller follows it by id
    if (trigger.returnOutputs) return execution.outputs;
    return { ...executionJson(execution), trigger: triggerJson, url: executionUrl(context, handle.workflowId) };
  };
  const schema = {
    summary: "Start an execution through a flow's Webhook trigger; the flow sees trigger.body, trigger.headers, trigger.parameters",
    tags: ['Executions'],
    security: [], // open: the key is the secret
    params: {
      type: 'object',
      properties: {
        namespace: { type: 'string' },
        id: { type: 'string', description: 'The flow id' },
        key: { type: 'string', description: "The trigger's key" },
      },
      required: ['namespace', 'id', 'key'],
    },
  };
  // Kestra's methods only: no HEAD (Fastify would add it to GET, and it would start executions too).
  app.route({
    method: ['GET', 'POST', 'PUT'],
    url: '/executions/webhook/:namespace/:id/:key',
    exposeHeadRoute: false,
    config: { openTo: 'webhook-key' },
    schema,
    handler,
  });
}
