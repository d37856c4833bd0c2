/**
 * The Kestra-compatible REST API (DESIGN.md §3): every route under both `/api/v1/` and
 * `/api/v1/main/` (Kestra 1.x's tenant segment), Basic auth when configured, size limits,
 * Kestra's error shapes, and an OpenAPI description generated from the route schemas
 * (`/api/v1/openapi.json`). `buildApi` makes the Fastify app; `server.ts` runs it with a worker.
 */
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { installBasicAuth } from './auth';
import type { ApiContext } from './context';
import { installErrorHandler } from './errors';
import { registerExecutionRoutes } from './executions';
import { registerFlowRoutes } from './flows';
import { registerKvRoutes } from './kv';
import { registerLogRoutes } from './logs';
import { registerTriggerRoutes } from './triggers';
import { registerWebhookRoutes } from './webhooks';

export const API_PREFIXES = ['/api/v1', '/api/v1/main'] as const;

export interface ApiLimits {
  /** Largest non-multipart body (YAML, JSON), in bytes. */
  bodyBytes: number;
  /** Largest uploaded file part, in bytes. */
  fileBytes: number;
}

export const DEFAULT_LIMITS: ApiLimits = { bodyBytes: 1024 * 1024, fileBytes: 10 * 1024 * 1024 };

export interface ApiOptions {
  logger?: FastifyServerOptions['logger'];
  limits?: Partial<ApiLimits>;
}

const YAML_CONTENT_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

export async function buildApi(context: ApiContext, options: ApiOptions = {}): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: limits.bodyBytes, return503OnClosing: true });
  installErrorHandler(app);
  installBasicAuth(app, context.config.basicAuth);
  app.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  await app.register(multipart, {
    limits: { fileSize: limits.fileBytes, fieldSize: limits.bodyBytes, fields: 200, files: 20, parts: 220, headerPairs: 200 },
    throwFileSizeLimit: true,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'tflow API',
        version: '1',
        description: "A Kestra-compatible subset of Kestra's REST API, run on Temporal. Every path is also served under /api/v1/main/ (Kestra 1.x's tenant).",
      },
      ...(context.config.basicAuth ? { components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } }, security: [{ basicAuth: [] }] } : {}),
    },
    hideUntagged: true,
    // One copy of each route in the description: the /api/v1/main/ twins are the same.
    transform: ({ schema, url }) => ({ schema: url.startsWith('/api/v1/main/') ? { ...schema, hide: true } : schema, url }),
  });
  app.get('/health', { schema: { summary: 'Liveness: {status: UP}', tags: ['Health'] } }, async () => ({ status: 'UP' }));
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  for (const prefix of API_PREFIXES) {
    await app.register(
      async (api) => {
        registerFlowRoutes(api, context);
        registerExecutionRoutes(api, context);
        registerLogRoutes(api, context);
        registerKvRoutes(api, context);
        registerTriggerRoutes(api, context);
        // Own plugin: webhooks take any body as text.
        await api.register(async (webhooks) => registerWebhookRoutes(webhooks, context));
      },
      { prefix },
    );
  }
  return app;
}
