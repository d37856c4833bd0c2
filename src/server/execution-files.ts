/**
 * An execution's files, for the UI's outputs tab (Kestra's paths): download
 * (`GET /executions/{id}/file?path=kestra:///…`), size (`…/file/metas`) and the first lines
 * (`…/file/preview`). An execution sees exactly what its `read()` may read
 * (src/workflow/storage/storage-scope.ts): its own files, its namespace's files and the files of the
 * execution that started it. Anything else answers 403, a path that is not a kestra:/// URI 422, a
 * missing file 404. Through the Storage interface only, so local, s3:// and gs:// storage alike.
 */
import type { FastifyInstance } from 'fastify';
import { executionHandle, startedRequest } from '../client/execution-handle';
import { fileNameOf, storageFromConfig } from '../storage';
import { FileNotPreviewable, previewFile } from '../storage/file-preview';
import type { ExecutionRequest } from '../workflow/interpreter/interpreter-port';
import { parentExecution } from '../workflow/interpreter/variables';
import { splitExecutionId } from '../workflow/schedules/scheduled-request';
import { checkReadable, StorageAccessDenied, type StorageScope } from '../workflow/storage/storage-scope';
import type { ApiContext } from './context';
import { HttpError } from './errors';
import { executionParams } from './logs';

/** Preview bounds: rows by default and at most, and the bytes read from the file's start. */
export const PREVIEW_DEFAULT_ROWS = 100;
export const PREVIEW_MAX_ROWS = 1000;
export const PREVIEW_MAX_BYTES = 512 * 1024;

/** What the execution may read: its flow and the execution that started it, from its first history event. */
async function executionScope(context: ApiContext, executionId: string): Promise<StorageScope> {
  const handle = executionHandle(context.client, executionId);
  await handle.describe(); // 404 for an unknown execution
  const request = (await startedRequest(handle, splitExecutionId(executionId).runId)) as ExecutionRequest | undefined;
  if (!request?.flow) throw new HttpError(404, 'Requested Execution is not found.');
  const parent = parentExecution(request);
  return {
    namespace: request.flow.namespace,
    flowId: request.flow.id,
    executionId: request.executionId ?? executionId,
    ...(parent ? { parent } : {}),
  };
}

/** The file's normal URI when the execution may read it; 403 outside its scope, 422 for a malformed path. */
async function readableFile(context: ApiContext, executionId: string, path: string | undefined): Promise<{ uri: string; size: number }> {
  if (!path) throw new HttpError(422, 'path: a kestra:/// URI is required');
  const scope = await executionScope(context, executionId);
  let uri: string;
  try {
    uri = checkReadable(path, scope);
  } catch (error) {
    if (error instanceof StorageAccessDenied) throw new HttpError(403, error.message);
    throw new HttpError(422, `path: ${(error as Error).message}`);
  }
  const size = await storageFromConfig(context.config).stat(uri);
  if (size === undefined) throw new HttpError(404, `File not found: ${path}`);
  return { uri, size };
}

/** `attachment` with the file's name: plain ASCII in `filename`, the exact name in `filename*`. */
export function attachmentHeader(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

const pathQuery = {
  type: 'object',
  required: ['path'],
  properties: { path: { type: 'string', description: 'The file, kestra:///<namespace>/<flow>/executions/<id>/… or a namespace file' } },
} as const;

export function registerExecutionFileRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Params: { executionId: string }; Querystring: { path: string } }>(
    '/executions/:executionId/file',
    {
      schema: {
        summary: "Download one of the files the execution may read (its own, its namespace's, its parent's)",
        tags: ['Executions'],
        params: executionParams,
        querystring: pathQuery,
        produces: ['application/octet-stream'],
      },
    },
    async (request, reply) => {
      const { uri, size } = await readableFile(context, request.params.executionId, request.query.path);
      const content = await storageFromConfig(context.config).get(uri);
      return reply
        .header('Content-Type', 'application/octet-stream')
        .header('Content-Length', String(size))
        .header('Content-Disposition', attachmentHeader(fileNameOf(uri)))
        .header('X-Content-Type-Options', 'nosniff')
        .send(content);
    },
  );

  app.get<{ Params: { executionId: string }; Querystring: { path: string } }>(
    '/executions/:executionId/file/metas',
    {
      schema: {
        summary: "A file's size: {size} in bytes",
        tags: ['Executions'],
        params: executionParams,
        querystring: pathQuery,
      },
    },
    async (request) => ({ size: (await readableFile(context, request.params.executionId, request.query.path)).size }),
  );

  app.get<{ Params: { executionId: string }; Querystring: { path: string; maxRows?: string } }>(
    '/executions/:executionId/file/preview',
    {
      schema: {
        summary: `The first lines of a file: {extension, type: LIST (CSV, Ion, JSON lines rows) or TEXT, content, truncated}; at most ${PREVIEW_MAX_BYTES} bytes read`,
        tags: ['Executions'],
        params: executionParams,
        querystring: {
          ...pathQuery,
          properties: {
            ...pathQuery.properties,
            maxRows: { type: 'string', description: `Rows or lines (default ${PREVIEW_DEFAULT_ROWS}, at most ${PREVIEW_MAX_ROWS})` },
          },
        },
      },
    },
    async (request) => {
      const maxRows = request.query.maxRows === undefined ? PREVIEW_DEFAULT_ROWS : Number(request.query.maxRows);
      if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > PREVIEW_MAX_ROWS) {
        throw new HttpError(422, `maxRows: expected an integer from 1 to ${PREVIEW_MAX_ROWS}`);
      }
      const { uri } = await readableFile(context, request.params.executionId, request.query.path);
      const content = await storageFromConfig(context.config).get(uri);
      try {
        return await previewFile(content, fileNameOf(uri), { maxRows, maxBytes: PREVIEW_MAX_BYTES });
      } catch (error) {
        if (error instanceof FileNotPreviewable) throw new HttpError(422, error.message);
        throw error;
      }
    },
  );
}
