/**
 * Bounds on what a request body may hold, checked before anything acts on it (README "Security"):
 * flow sources only as YAML, JSON nested at most MAX_JSON_DEPTH deep (deeper values overflow the
 * stack when serialized for Temporal), integers within JavaScript's safe range (beyond it they
 * silently change value). Each refusal is a 422 naming the problem.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FlowSpec } from '../workflow/flow/spec';
import { HttpError } from './errors';

/** Content types a flow source is accepted under. Not text/plain: a web page can POST that without a CORS preflight. */
export const YAML_CONTENT_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml', 'text/x-yaml'];

export const MAX_JSON_DEPTH = 100;

/** A JSON number at `lastIndex` (sticky). */
const JSON_NUMBER = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

/** Throws 415 unless the request's body was sent as YAML. */
export function requireYamlBody(request: FastifyRequest): string {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!YAML_CONTENT_TYPES.includes(type) || typeof request.body !== 'string') {
    throw new HttpError(415, `Unsupported Media Type: send the flow YAML with Content-Type: application/x-yaml (got ${type || 'none'})`);
  }
  return request.body;
}

/**
 * The first problem of a JSON text: nesting deeper than MAX_JSON_DEPTH, or an integer literal beyond
 * the safe range. One linear pass, so it is safe to run before JSON.parse on any input.
 */
export function jsonTextProblem(text: string): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > MAX_JSON_DEPTH) return `JSON is nested more than ${MAX_JSON_DEPTH} levels deep`;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
    else if ((c >= 0x30 && c <= 0x39) || c === 0x2d /* - */) {
      JSON_NUMBER.lastIndex = i;
      const number = JSON_NUMBER.exec(text)?.[0] ?? '';
      if (number && !/[.eE]/.test(number) && !Number.isSafeInteger(Number(number))) return unsafeIntegerMessage(number);
      i += Math.max(number.length - 1, 0);
    }
  }
  return undefined;
}

function unsafeIntegerMessage(number: string): string {
  return `integer ${number.length > 40 ? `${number.slice(0, 40)}…` : number} is beyond the safe integer range (±${Number.MAX_SAFE_INTEGER})`;
}

/** JSON bodies: checked by jsonTextProblem (422), then parsed as Fastify does by default (`__proto__` and `constructor.prototype` keys refused). */
export function installBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const problem = jsonTextProblem(text);
    if (problem) return done(new HttpError(422, `Invalid JSON body: ${problem}`), undefined);
    return parseJson(request, text, done);
  });
  app.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
}

/**
 * The hook on an execution's inputs before they are resolved: INT inputs within the safe range,
 * JSON-typed inputs sent as text checked as JSON bodies are. Throws 422 naming the input.
 */
export function checkInputBounds(flow: FlowSpec, inputs: Record<string, unknown>): void {
  for (const spec of flow.inputs) {
    const given = inputs[spec.id];
    if (given === undefined) continue;
    let problem: string | undefined;
    if (spec.type === 'INT') {
      // A repeated multipart part gives a list; the input's own rules refuse it later.
      for (const value of Array.isArray(given) ? given : [given]) {
        const text = String(value).trim();
        const integer = typeof value === 'number' ? Number.isInteger(value) : /^[-+]?\d+$/.test(text);
        if (integer && !Number.isSafeInteger(Number(text))) problem ??= unsafeIntegerMessage(text);
      }
    } else if (typeof given === 'string' && JSON_TEXT_TYPES.includes(spec.type)) {
      problem = jsonTextProblem(given);
    }
    if (problem) throw new HttpError(422, `Invalid input for \`${spec.id}\`, ${problem}`);
  }
}

/** Input types whose text value is parsed as JSON. */
const JSON_TEXT_TYPES: readonly string[] = ['JSON', 'ARRAY', 'MULTISELECT'];
