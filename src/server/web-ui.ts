/**
 * Serves tflow's web UI (docs/web-ui.md): the files `npm run build` writes into dist/ui, at /ui/.
 * Every page path under /ui/ answers index.html (the UI routes in the browser); built assets have
 * content hashes in their names, so they are cached for a year, and index.html never is. Behind the
 * API's Basic auth (the browser asks once, then sends it with every API call the UI makes), with a
 * Content-Security-Policy that refuses inline and foreign scripts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** dist/ui, next to dist/src where this file is compiled to. */
export const WEB_UI_DIR = join(__dirname, '..', '..', 'ui');

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // React and CodeMirror set styles from script (style attributes, constructed style sheets).
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'same-origin')
    .header('X-Frame-Options', 'DENY');
}

export async function registerWebUi(app: FastifyInstance, uiDir = WEB_UI_DIR): Promise<void> {
  // The redirects tell nothing: open to anyone, so http://localhost:8080 leads to the login prompt.
  const redirect = { config: { openTo: 'anyone' as const }, schema: { hide: true } };
  app.get('/', redirect, async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui', redirect, async (_request, reply) => reply.redirect('/ui/'));
  if (!existsSync(join(uiDir, 'index.html'))) {
    app.get('/ui/*', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/plain').send('The web UI is not built: run `npm run build`.'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: join(uiDir, 'assets'),
    prefix: '/ui/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    setHeaders: (reply) => {
      reply.header('X-Content-Type-Options', 'nosniff');
    },
  });
  app.get('/ui/*', { schema: { hide: true } }, async (_request, reply) =>
    secureHeaders(reply).header('Cache-Control', 'no-cache').sendFile('index.html', uiDir, { cacheControl: false }),
  );
}
