/**
 * What Download and Request share: Kestra's HTTP properties (`uri`, `method`, `headers`, `body`,
 * `formData`, `contentType`, `options`, `allowFailed`), turned into a streaming fetch that Temporal
 * can cancel.
 */
import { z } from 'zod';
import type { TaskContext } from '../../../workflow/plugins/task-definition';
import { applyUrlAliases } from './url-aliases';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

export const httpProperties = {
  uri: z.string(),
  method: z.enum(METHODS).default('GET'),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: z.string().optional(),
  formData: z.record(z.string(), z.unknown()).optional(),
  contentType: z.string().optional(),
  /** Kestra's HttpConfiguration; tflow acts on followRedirects and basic/bearer auth. */
  options: z
    .looseObject({
      followRedirects: z.boolean().optional(),
      basicAuthUser: z.string().optional(),
      basicAuthPassword: z.string().optional(),
      auth: z
        .looseObject({ type: z.string(), username: z.string().optional(), password: z.string().optional(), token: z.string().optional() })
        .optional(),
    })
    .optional(),
  /** false: a status ≥ 400 fails the task. */
  allowFailed: z.boolean().default(false),
  sslOptions: z.looseObject({}).optional(),
};

export type HttpProperties = z.output<z.ZodObject<typeof httpProperties>>;

/** Sends the request to `uri`, after the worker's TFLOW_URL_ALIASES (./url-aliases.ts). */
export async function sendRequest(props: HttpProperties, context: TaskContext): Promise<Response> {
  const aliased = applyUrlAliases(props.uri, context.config.urlAliases);
  let url: URL;
  try {
    url = new URL(aliased.url);
  } catch {
    throw new Error(`Invalid uri "${aliased.url}"${aliased.note ? ` (${aliased.note})` : ''}`);
  }
  if (aliased.note) context.log('INFO', aliased.note);
  const target = aliased.note ? `${props.uri} (sent to ${aliased.url})` : props.uri;
  const headers = new Headers();
  for (const [name, value] of Object.entries(props.headers ?? {})) headers.set(name, String(value));
  const auth = props.options?.auth;
  const user = props.options?.basicAuthUser ?? (auth?.type?.toUpperCase() === 'BASIC' ? auth.username : undefined);
  const password = props.options?.basicAuthPassword ?? (auth?.type?.toUpperCase() === 'BASIC' ? auth.password : undefined);
  if (user !== undefined) headers.set('authorization', `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`);
  if (auth?.type?.toUpperCase() === 'BEARER' && auth.token) headers.set('authorization', `Bearer ${auth.token}`);

  let body: string | FormData | URLSearchParams | undefined = props.body;
  if (props.formData) {
    if (props.contentType?.startsWith('multipart/form-data')) {
      const form = new FormData();
      for (const [name, value] of Object.entries(props.formData)) form.append(name, typeof value === 'string' ? value : JSON.stringify(value));
      body = form;
    } else {
      body = new URLSearchParams(
        Object.entries(props.formData).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      );
    }
  } else if (props.contentType && body !== undefined) {
    headers.set('content-type', props.contentType);
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method: props.method,
      headers,
      body,
      redirect: props.options?.followRedirects === false ? 'manual' : 'follow',
      signal: context.signal,
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string; code?: string } }).cause;
    throw new Error(`${props.method} ${target} failed: ${cause?.message ?? (error as Error).message}`);
  }
  if (response.status >= 400 && !props.allowFailed) {
    await response.body?.cancel();
    throw new Error(`Failed http request with response code '${response.status}' (${props.method} ${target})`);
  }
  return response;
}

/**
 * Kestra's output shape: header name → list of values. `fetch` joins repeated header lines with ", ",
 * which HTTP allows only for list-valued headers (RFC 9110 §5.3), so only those are split back, and
 * only at commas outside quoted strings. Set-Cookie lines are kept apart by `getSetCookie()`.
 */
export function headersOutput(headers: Headers): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  headers.forEach((value, name) => {
    if (name === 'set-cookie') result[name] = headers.getSetCookie();
    else result[name] = NOT_COMMA_LISTS.has(name) ? [value] : splitHeaderList(value);
  });
  return result;
}

/**
 * Headers whose single value may itself hold commas: dates (`Wed, 26 Nov 2025 …`), challenges with
 * parameters, product comments, URIs and dispositions. Any other header is treated as a list.
 */
const NOT_COMMA_LISTS = new Set([
  'date',
  'expires',
  'last-modified',
  'if-modified-since',
  'if-unmodified-since',
  'retry-after',
  'www-authenticate',
  'proxy-authenticate',
  'authorization',
  'proxy-authorization',
  'content-disposition',
  'content-type',
  'location',
  'content-location',
  'referer',
  'server',
  'user-agent',
  'etag',
  'strict-transport-security',
  'content-security-policy',
]);

/** Splits `a, "b, c", d` into `a`, `"b, c"`, `d`: commas inside double quotes do not separate. */
function splitHeaderList(value: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted && char === '\\') {
      current += char + (value[++i] ?? '');
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      items.push(current.trim());
      current = '';
    } else current += char;
  }
  items.push(current.trim());
  const nonEmpty = items.filter((item) => item !== '');
  return nonEmpty.length > 0 ? nonEmpty : [value];
}
