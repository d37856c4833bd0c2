/**
 * The Kestra-compatible REST API (DESIGN.md §3): every route under both `/api/v1/` and
 * `/api/v1/main/` (Kestra 1.x's tenant segment), Basic auth when configured, size limits,
 * Kestra's error shapes. `buildApi` makes the Fastify app; `server.ts` runs it with a worker.
 */
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { installBasicAuth } from './auth';
import type { ApiContext } from './context';
import { installErrorHandler } from './errors';
import { registerExecutionRoutes } from './executions';
import { registerFlowRoutes } from './flows';

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

export async function buildApi(context: ApiContext, options: ApiOptions = {}): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: limits.bodyBytes, return503OnClosing: true });
  installErrorHandler(app);
  installBasicAuth(app, context.config.basicAuth);
  app.addContentTypeParser(['application/x-yaml', 'application/yaml', 'text/yaml', 'text/x-yaml', 'text/plain'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  await app.register(multipart, {
    limits: { fileSize: limits.fileBytes, fieldSize: limits.bodyBytes, fields: 200, files: 20, parts: 220, headerPairs: 200 },
    throwFileSizeLimit: true,
  });
  app.get('/health', async () => ({ status: 'UP' }));
  for (const prefix of API_PREFIXES) {
    await app.register(
      async (api) => {
        registerFlowRoutes(api, context);
        registerExecutionRoutes(api, context);
      },
      { prefix },
    );
  }
  return app;
}
