/**
 * KV routes (Kestra's KVController): list a namespace's keys, get `{type, value}`, put (a JSON or
 * text body whose type is inferred as Kestra does; `ttl` header as an ISO duration), delete.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toKvValue } from '../plugins/core/kv/value';
import { parseDuration } from '../workflow/interpreter/duration';
import { missingKeyMessage, type KvValue } from '../kv/kv-store';
import { jsonTextProblem } from './body-limits';
import type { ApiContext } from './context';
import { HttpError } from './errors';
import { messageOf } from '../workflow/error-message';

/** The typed value of a PUT body: JSON numbers, booleans, objects and arrays keep their type; ISO dates, date-times and durations are recognised in text. */
export function kvValueOfBody(body: unknown): KvValue {
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) return toKvValue(body, 'JSON');
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body === undefined || body === null ? '' : String(body);
  const trimmed = text.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return kvValueOfText(text); // not JSON: plain text
  }
  if (typeof parsed === 'string') return kvValueOfText(parsed);
  if (parsed === null) return kvValueOfText(text);
  // Text that is JSON is held to the bounds of JSON bodies (too deep to store, integers that would change value).
  const problem = jsonTextProblem(trimmed);
  if (problem) throw new Error(`Invalid JSON value: ${problem}`);
  return toKvValue(parsed, undefined);
}

function kvValueOfText(text: string): KvValue {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return toKvValue(trimmed, 'DATE');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed) && !Number.isNaN(Date.parse(trimmed)))
    return toKvValue(trimmed, 'DATETIME');
  if (/^-?P/i.test(trimmed) && parseDuration(trimmed) !== undefined) return toKvValue(trimmed, 'DURATION');
  return { type: 'STRING', value: text };
}

const kvParams = {
  type: 'object',
  properties: { namespace: { type: 'string' }, key: { type: 'string' } },
  required: ['namespace', 'key'],
} as const;

type KvRequest = FastifyRequest<{ Params: { namespace: string; key: string } }>;

export function registerKvRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Params: { namespace: string } }>(
    '/namespaces/:namespace/kv',
    {
      schema: {
        summary: "A namespace's live keys",
        tags: ['KV'],
        params: { type: 'object', properties: { namespace: { type: 'string' } }, required: ['namespace'] },
      },
    },
    async (request) => {
      const { namespace } = request.params;
      const entries = [];
      for (const key of await context.kv.keys(namespace)) {
        const entry = await context.kv.get(namespace, key);
        if (!entry) continue;
        entries.push({
          key,
          updateDate: entry.updatedAt.toISOString(),
          ...(entry.expiresAt ? { expirationDate: entry.expiresAt.toISOString() } : {}),
        });
      }
      return entries;
    },
  );

  app.get(
    '/namespaces/:namespace/kv/:key',
    { schema: { summary: "A key's value: {type, value}", tags: ['KV'], params: kvParams } },
    async (request: KvRequest) => {
      const { namespace, key } = request.params;
      const entry = await context.kv.get(namespace, key);
      if (!entry) throw new HttpError(404, missingKeyMessage(namespace, key));
      return { type: entry.type, value: entry.value };
    },
  );

  app.put(
    '/namespaces/:namespace/kv/:key',
    {
      schema: {
        summary: 'Set a key: a JSON or text body; optional `ttl` header (ISO duration)',
        tags: ['KV'],
        params: kvParams,
        headers: { type: 'object', properties: { ttl: { type: 'string', description: 'ISO-8601 duration, e.g. PT1H' } } },
      },
    },
    async (request: KvRequest, reply) => {
      const { namespace, key } = request.params;
      const ttlHeader = request.headers.ttl;
      const ttl = Array.isArray(ttlHeader) ? ttlHeader[0] : ttlHeader;
      const ttlMs = ttl ? parseDuration(ttl) : undefined;
      if (ttl && ttlMs === undefined) throw new HttpError(422, `ttl: expected an ISO-8601 duration (e.g. PT1H), got \`${ttl}\``);
      let value: KvValue;
      try {
        value = kvValueOfBody(request.body);
      } catch (error) {
        throw new HttpError(422, messageOf(error));
      }
      await context.kv.set(namespace, key, value, ttlMs === undefined ? {} : { ttlMs });
      return reply.code(200).send();
    },
  );

  app.delete(
    '/namespaces/:namespace/kv/:key',
    { schema: { summary: 'Delete a key (204; 404 when there is none)', tags: ['KV'], params: kvParams } },
    async (request: KvRequest, reply) => {
      const { namespace, key } = request.params;
      if (!(await context.kv.delete(namespace, key))) throw new HttpError(404, missingKeyMessage(namespace, key));
      return reply.code(204).send();
    },
  );
}
