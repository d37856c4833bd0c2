/**
 * Namespace files (Kestra's `/namespaces/{namespace}/files…` routes): the files script tasks copy
 * in with `namespaceFiles` and `read()` reads, kept where tasks find them
 * (src/storage/namespace-files.ts). Paths are relative to the namespace's files (a leading `/` is
 * allowed); one that climbs out (`..`, `%2e%2e`, a backslash) answers 422. Uploads are bounded as
 * FILE inputs are (`limits.fileBytes`, 413 beyond).
 */
import type { FastifyInstance } from 'fastify';
import {
  deleteNamespaceFiles,
  listNamespaceFiles,
  moveNamespaceFiles,
  NamespaceFileConflict,
  namespaceDirectory,
  namespaceEntry,
  namespaceFileUri,
  namespaceFilesPrefix,
  putNamespaceFile,
  storageFromConfig,
  storageKey,
} from '../storage';
import type { ApiContext, ApiLimits } from './context';
import { HttpError } from './errors';
import { attachmentHeader } from './execution-files';

/** `path` as the namespace-files path it names (no leading `/`), or 422 when it is not one. */
function checkedPath(namespace: string, path: string | undefined, field = 'path'): string {
  if (path === undefined) throw new HttpError(422, `${field}: a path is required`);
  try {
    const top = namespaceFilesPrefix(namespace);
    const trimmed = path.replace(/^\/+|\/+$/g, '');
    if (trimmed === '') return '';
    // Both refuse `..`, absolute escapes and encoded ones.
    const uri = namespaceFileUri(namespace, trimmed);
    storageKey(uri);
    return uri.slice(top.length);
  } catch (error) {
    throw new HttpError(422, `${field}: ${(error as Error).message}`);
  }
}

function requireFilePath(namespace: string, path: string | undefined, field = 'path'): string {
  const checked = checkedPath(namespace, path, field);
  if (checked === '') throw new HttpError(422, `${field}: name a file or folder, not the namespace's top folder`);
  return checked;
}

/**
 * The upload's bytes, failing at its end when the multipart limit cut it short: the storage then
 * drops the partial file (and a file it replaces stays as it was).
 */
async function* whole(file: AsyncIterable<Buffer> & { truncated?: boolean }, maxBytes: number): AsyncIterable<Buffer> {
  for await (const chunk of file) yield chunk;
  if (file.truncated) throw new HttpError(413, `Request file too large: a namespace file holds at most ${maxBytes} bytes`);
}

const namespaceParams = {
  type: 'object',
  properties: { namespace: { type: 'string' } },
  required: ['namespace'],
} as const;

const pathQuery = (description: string, required = true) =>
  ({
    type: 'object',
    ...(required ? { required: ['path'] } : {}),
    properties: { path: { type: 'string', description } },
  }) as const;

type NamespaceRequest<Q> = { Params: { namespace: string }; Querystring: Q };

export function registerNamespaceFileRoutes(app: FastifyInstance, context: ApiContext, limits: Pick<ApiLimits, 'fileBytes'>): void {
  const storage = () => storageFromConfig(context.config);

  /** A GET that looks up the entry (or entries) at `path`, 404 when there is none. */
  const lookupRoute = (
    url: string,
    schema: { summary: string; querystring: ReturnType<typeof pathQuery> },
    what: string,
    lookup: (namespace: string, path: string) => Promise<unknown>,
  ) =>
    app.get<NamespaceRequest<{ path?: string }>>(url, { schema: { ...schema, tags: ['Files'], params: namespaceParams } }, async (request) => {
      const { namespace } = request.params;
      const found = await lookup(namespace, checkedPath(namespace, request.query.path ?? '/'));
      if (found === undefined) throw new HttpError(404, `No ${what} ${request.query.path} in namespace ${namespace}`);
      return found;
    });

  lookupRoute(
    '/namespaces/:namespace/files/directory',
    {
      summary: 'The entries of a folder of namespace files: [{fileName, type: File|Directory, size}], folders first',
      querystring: pathQuery('The folder (default /)', false),
    },
    'folder',
    (namespace, path) => namespaceDirectory(storage(), namespace, path),
  );
  lookupRoute(
    '/namespaces/:namespace/files/stats',
    { summary: 'A namespace file or folder: {fileName, type: File|Directory, size}', querystring: pathQuery('The file or folder') },
    'file or folder',
    (namespace, path) => namespaceEntry(storage(), namespace, path),
  );

  app.get<NamespaceRequest<{ q?: string }>>(
    '/namespaces/:namespace/files/search',
    {
      schema: {
        summary: "The paths of the namespace's files containing `q`: ['/queries/q.sql', …]",
        tags: ['Files'],
        params: namespaceParams,
        querystring: { type: 'object', properties: { q: { type: 'string' } } },
      },
    },
    async (request) => {
      const { namespace } = request.params;
      checkedPath(namespace, '/');
      const text = (request.query.q ?? '').toLowerCase();
      return (await listNamespaceFiles(storage(), namespace)).map((file) => `/${file.path}`).filter((path) => path.toLowerCase().includes(text));
    },
  );

  app.get<NamespaceRequest<{ path: string }>>(
    '/namespaces/:namespace/files',
    {
      schema: {
        summary: "A namespace file's content",
        tags: ['Files'],
        params: namespaceParams,
        querystring: pathQuery('The file'),
        produces: ['application/octet-stream'],
      },
    },
    async (request, reply) => {
      const { namespace } = request.params;
      const path = requireFilePath(namespace, request.query.path);
      const uri = namespaceFileUri(namespace, path);
      const size = await storage().stat(uri);
      if (size === undefined) throw new HttpError(404, `No file ${request.query.path} in namespace ${namespace}`);
      return reply
        .header('Content-Type', 'application/octet-stream')
        .header('Content-Length', String(size))
        .header('Content-Disposition', attachmentHeader(path.split('/').pop()!))
        .header('X-Content-Type-Options', 'nosniff')
        .send(await storage().get(uri));
    },
  );

  app.post<NamespaceRequest<{ path: string }>>(
    '/namespaces/:namespace/files',
    {
      schema: {
        summary: `Create or replace a namespace file from the multipart part \`fileContent\` (at most ${limits.fileBytes} bytes); 204`,
        tags: ['Files'],
        params: namespaceParams,
        querystring: pathQuery('The file to write'),
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      const { namespace } = request.params;
      const path = requireFilePath(namespace, request.query.path);
      if (!request.isMultipart()) throw new HttpError(422, 'Expected a multipart/form-data body with a `fileContent` part');
      const existing = await namespaceEntry(storage(), namespace, path);
      if (existing?.type === 'Directory') throw new HttpError(409, `${request.query.path} is a folder`);
      let written = false;
      for await (const part of request.parts({ limits: { fileSize: limits.fileBytes, files: 1 } })) {
        if (part.type !== 'file') continue;
        if (part.fieldname !== 'fileContent' || written) {
          await part.toBuffer();
          continue;
        }
        await putNamespaceFile(storage(), namespace, path, whole(part.file, limits.fileBytes));
        written = true;
      }
      if (!written) throw new HttpError(422, 'No `fileContent` part: send the file as multipart part `fileContent`');
      return reply.code(204).send();
    },
  );

  app.put<NamespaceRequest<{ from: string; to: string }>>(
    '/namespaces/:namespace/files',
    {
      schema: {
        summary: 'Move or rename a namespace file or folder (204); 404 when `from` is missing, 409 when `to` exists',
        tags: ['Files'],
        params: namespaceParams,
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          properties: { from: { type: 'string' }, to: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      const { namespace } = request.params;
      const from = requireFilePath(namespace, request.query.from, 'from');
      const to = requireFilePath(namespace, request.query.to, 'to');
      let moved: number;
      try {
        moved = await moveNamespaceFiles(storage(), namespace, from, to);
      } catch (error) {
        if (error instanceof NamespaceFileConflict) throw new HttpError(409, error.message);
        throw error;
      }
      if (moved === 0) throw new HttpError(404, `No file or folder ${request.query.from} in namespace ${namespace}`);
      return reply.code(204).send();
    },
  );

  app.delete<NamespaceRequest<{ path: string }>>(
    '/namespaces/:namespace/files',
    {
      schema: {
        summary: 'Delete a namespace file, or a folder with its files (204); 404 when missing',
        tags: ['Files'],
        params: namespaceParams,
        querystring: pathQuery('The file or folder'),
      },
    },
    async (request, reply) => {
      const { namespace } = request.params;
      const deleted = await deleteNamespaceFiles(storage(), namespace, requireFilePath(namespace, request.query.path));
      if (deleted.length === 0) throw new HttpError(404, `No file or folder ${request.query.path} in namespace ${namespace}`);
      return reply.code(204).send();
    },
  );
}
