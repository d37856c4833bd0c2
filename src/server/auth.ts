/**
 * HTTP Basic auth when TFLOW_BASIC_AUTH (`user:password`) is set, as Kestra OSS does it.
 * Credentials are compared in constant time (over digests, so lengths leak nothing either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** Paths that stay open (liveness probes). */
const OPEN_PATHS = new Set(['/health']);
/** Webhooks stay open, as in Kestra: the trigger's key in the URL is their secret. Exactly that shape, no dot segments. */
const OPEN_WEBHOOK = /^\/api\/v1(?:\/main)?\/executions\/webhook\/[^/]+\/[^/]+\/[^/]+$/;

/** Is `url` a webhook call (open to anyone who has the key, from any origin)? */
export function isWebhookPath(url: string): boolean {
  const path = url.split('?')[0];
  return OPEN_WEBHOOK.test(path) && !path.split('/').some((segment) => segment === '.' || segment === '..');
}

function isOpen(url: string): boolean {
  return OPEN_PATHS.has(url.split('?')[0]) || isWebhookPath(url);
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
    if (isOpen(request.url)) return;
    if (basicAuthMatches(request.headers.authorization, credentials)) return;
    return reply.code(401).header('WWW-Authenticate', 'Basic realm="tflow", charset="UTF-8"').send({ message: 'Unauthorized' });
  });
}
