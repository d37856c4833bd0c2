/**
 * HTTP Basic auth when TFLOW_BASIC_AUTH (`user:password`) is set, as Kestra OSS does it.
 * Credentials are compared in constant time (over digests, so lengths leak nothing either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Who may call the route without Basic auth: `anyone` (liveness probes), `webhook-key` (webhooks,
     * as in Kestra: the trigger's key in the URL is their secret, so any origin may call them too).
     */
    openTo?: 'anyone' | 'webhook-key';
  }
}

/**
 * Is the request a webhook call (open to anyone who has the key, from any origin)? Told by the route
 * the router matched, never by the raw URL: the router ignores what follows a `#`, so
 * `/api/v1/executions/webhook/<id>#/x/y` has a webhook's shape but runs `POST /executions/webhook/<id>`.
 */
export function isWebhookRoute(request: Pick<FastifyRequest, 'routeOptions'>): boolean {
  return request.routeOptions.config?.openTo === 'webhook-key';
}

function isOpenRoute(request: Pick<FastifyRequest, 'routeOptions'>): boolean {
  return request.routeOptions.config?.openTo !== undefined;
}

export function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Does an `Authorization` header carry exactly `expected` (`user:password`)? */
export function basicAuthMatches(header: string | undefined, expected: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const given = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  // Always compare, even without a header, so timing does not tell the cases apart.
  return timingSafeEqual(digest(given), digest(expected)) && match !== null;
}

export function installBasicAuth(app: FastifyInstance, credentials: string | undefined): void {
  if (!credentials) return;
  app.addHook('onRequest', async (request, reply) => {
    if (isOpenRoute(request)) return;
    if (basicAuthMatches(request.headers.authorization, credentials)) return;
    return reply.code(401).header('WWW-Authenticate', 'Basic realm="tflow", charset="UTF-8"').send({ message: 'Unauthorized' });
  });
}
