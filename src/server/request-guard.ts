/**
 * Requests a browser sends on a web page's behalf are refused (README "Security"): a page from
 * another origin must not deploy or run a flow on the API, nor reach a loopback-bound API through
 * a DNS name it controls (DNS rebinding).
 *
 * - `Host`: while the API listens on loopback, only localhost, 127.0.0.1 and [::1] (any port) and the
 *   names in TFLOW_PUBLIC_HOSTS are answered; anything else is a rebound name → 403.
 * - `Origin`: a request that carries one answers 403 unless it is the API's own (same host as `Host`)
 *   or listed in TFLOW_ALLOWED_ORIGINS. Without `Origin` (curl, the CLI, other servers) requests pass.
 * - `Sec-Fetch-Site: cross-site|same-site` without an allowed `Origin` (a cross-site `<img>`, a form
 *   navigation) → 403.
 * Webhooks are meant to be called from anywhere (their key is the secret), so only `Host` applies.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TflowConfig } from '../config';
import { isWebhookRoute } from './auth';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Is `host` (a listen address or a `Host` name without port) this machine's loopback? */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  return LOOPBACK_NAMES.has(name) || /^127(?:\.\d{1,3}){3}$/.test(name) || name.endsWith('.localhost');
}

/**
 * The host name of a `Host` header, without its port (`[::1]:8080` → `[::1]`). A header that is not
 * `name[:digits]` (`localhost:8080.evil.example`, `[::1]x`) is returned whole: no loopback name.
 */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  return /^(\[[^\]]*\]|[^:[\]]*)(?::\d*)?$/.exec(host)?.[1] ?? host;
}

export interface GuardSettings {
  /** The API listens on loopback only: `Host` must name loopback or a public host. */
  loopback: boolean;
  allowedOrigins: readonly string[];
  publicHosts: readonly string[];
}

export function guardSettings(config: Pick<TflowConfig, 'allowedOrigins' | 'publicHosts'>, listenHost: string): GuardSettings {
  return { loopback: isLoopbackHost(listenHost), allowedOrigins: config.allowedOrigins.map(normaliseOrigin), publicHosts: config.publicHosts };
}

function normaliseOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin.trim().toLowerCase();
  }
}

/** Why the request is refused, or undefined when it may go on. */
export function refusal(request: Pick<FastifyRequest, 'headers' | 'routeOptions'>, settings: GuardSettings): string | undefined {
  const host = request.headers.host ?? '';
  if (settings.loopback) {
    const name = hostName(host);
    if (!isLoopbackHost(name) && !settings.publicHosts.includes(name)) {
      return `Host '${host}' is not served: this API listens on loopback (add the name to TFLOW_PUBLIC_HOSTS to serve it)`;
    }
  }
  if (isWebhookRoute(request)) return undefined;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (sameHost(origin, host) || settings.allowedOrigins.includes(normaliseOrigin(origin))) return undefined;
    return `Origin '${origin}' is not allowed (add it to TFLOW_ALLOWED_ORIGINS to allow it)`;
  }
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `Cross-site requests are not allowed (Sec-Fetch-Site: ${site})`;
  return undefined;
}

/** Does `origin` (`scheme://host[:port]`) name the host the request was sent to? The scheme may differ behind a TLS proxy. */
function sameHost(origin: string, host: string): boolean {
  try {
    return host !== '' && new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

export function installRequestGuard(app: FastifyInstance, settings: GuardSettings): void {
  app.addHook('onRequest', async (request, reply) => {
    const reason = refusal(request, settings);
    if (reason) return reply.code(403).send({ message: `Forbidden: ${reason}` });
  });
}
