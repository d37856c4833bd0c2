/**
 * The Kestra-compatible REST API (README "REST API"): every route under both `/api/v1/` and
 * `/api/v1/main/` (Kestra 1.x's tenant segment), Basic auth when configured, size limits,
 * Kestra's error shapes, and an OpenAPI description generated from the route schemas
 * (`/api/v1/openapi.json`). `buildApi` makes the Fastify app; `server.ts` runs it with a worker.
 */
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { installBasicAuth } from './auth';
import { installBodyParsers } from './body-limits';
import { type ApiContext, type ApiLimits, DEFAULT_LIMITS } from './context';
import { installErrorHandler } from './errors';
import { registerExecutionFileRoutes } from './execution-files';
import { registerExecutionRoutes } from './executions';
import { registerFlowGraphRoute } from './flow-graph';
import { registerFlowRoutes } from './flows';
import { registerKvRoutes } from './kv';
import { registerLogRoutes } from './logs';
import { registerNamespaceFileRoutes } from './namespace-files';
import { registerTriggerSearchRoute } from './trigger-search';
import { registerTriggerRoutes } from './triggers';
import { guardSettings, installRequestGuard } from './request-guard';
import { registerWebhookRoutes } from './webhooks';
import { registerWebUi } from './web-ui';

export const API_PREFIXES = ['/api/v1', '/api/v1/main'] as const;

/**
 * Slow clients cannot hold connections open: the headers must arrive within HEADERS_TIMEOUT_MS and
 * the whole request (body included) within REQUEST_TIMEOUT_MS. Responses are not bounded, so the
 * server-sent event streams (`/follow`) stay open as long as they need.
 */
const HEADERS_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 120_000;

export interface ApiOptions {
  logger?: FastifyServerOptions['logger'];
  limits?: Partial<ApiLimits>;
  /** The address the API listens on (default TFLOW_API_HOST): on loopback, `Host` is checked. */
  listenHost?: string;
}

export async function buildApi(context: ApiContext, options: ApiOptions = {}): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: limits.bodyBytes, return503OnClosing: true, requestTimeout: REQUEST_TIMEOUT_MS });
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  installErrorHandler(app);
  // Before auth and before any body is read: a refused browser request changes nothing.
  installRequestGuard(app, guardSettings(context.config, options.listenHost ?? context.config.apiHost));
  installBasicAuth(app, context.config.basicAuth);
  installBodyParsers(app);
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
        description:
          "A Kestra-compatible subset of Kestra's REST API, run on Temporal. Every path is also served under /api/v1/main/ (Kestra 1.x's tenant).",
      },
      ...(context.config.basicAuth
        ? { components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } }, security: [{ basicAuth: [] }] }
        : {}),
    },
    hideUntagged: true,
    // One copy of each route in the description: the /api/v1/main/ twins are the same.
    transform: ({ schema, url }) => ({ schema: url.startsWith('/api/v1/main/') ? { ...schema, hide: true } : schema, url }),
  });
  app.get('/health', { config: { openTo: 'anyone' }, schema: { summary: 'Liveness: {status: UP}', tags: ['Health'] } }, async () => ({
    status: 'UP',
  }));
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await registerWebUi(app);
  for (const prefix of API_PREFIXES) {
    await app.register(
      async (api) => {
        registerFlowRoutes(api, context, limits);
        registerFlowGraphRoute(api, context);
        registerExecutionRoutes(api, context, limits);
        registerExecutionFileRoutes(api, context);
        registerLogRoutes(api, context);
        registerNamespaceFileRoutes(api, context, limits);
        registerKvRoutes(api, context);
        registerTriggerRoutes(api, context);
        registerTriggerSearchRoute(api, context);
        // Own plugin: webhooks take any body as text.
        await api.register(async (webhooks) => registerWebhookRoutes(webhooks, context, limits));
      },
      { prefix },
    );
  }
  return app;
}
