/**
 * Flow routes: import (multipart `fileUpload`), create, update, get, search, delete, validate —
 * Kestra's paths, status codes and shapes, deployed through the flow store (Schedules synced as
 * `tflow deploy` does).
 */
import type { FastifyInstance } from 'fastify';
import { compileFlow } from '../compiler/compile';
import { FlowValidationError } from '../compiler/diagnostics';
import { compileDeployed, deleteDeployedFlow, deployFlows, type FlowSource, validateForDeploy } from '../flow-store/deploy';
import { FlowNotFoundError, type FlowRevision } from '../flow-store/flow-store';
import { requireYamlBody, YAML_CONTENT_TYPES } from './body-limits';
import type { ApiContext, ApiLimits } from './context';
import { HttpError } from './errors';
import { labelList } from './execution-json';

/** The documents of a (possibly multi-document) YAML text, split on `---` lines as Kestra does. */
export function splitYamlDocuments(text: string): string[] {
  return text
    .split(/^---[ \t]*(?:#.*)?$/m)
    .map((doc) => doc.replace(/^\s*\n/, ''))
    .filter((doc) => doc.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#')));
}

async function deploySources(context: ApiContext, sources: FlowSource[]) {
  const { flows, diagnostics } = validateForDeploy(sources);
  if (diagnostics.length > 0) throw new FlowValidationError(diagnostics);
  return deployFlows({ flowStore: context.flowStore, client: context.client, config: context.config }, flows);
}

/** A deployed flow as Kestra's FlowWithSource JSON. */
async function flowJson(context: ApiContext, namespace: string, flowId: string, revision?: number) {
  return revisionJson(await context.flowStore.get(namespace, flowId, revision));
}

/** One stored revision as Kestra's FlowWithSource JSON. */
function revisionJson(stored: FlowRevision) {
  const { namespace, flowId } = stored;
  const spec = compileDeployed(stored.source, namespace, flowId, stored.revision);
  return {
    id: flowId,
    namespace,
    revision: stored.revision,
    ...(spec.description ? { description: spec.description } : {}),
    labels: labelList(spec.labels ?? {}),
    // The declared inputs (Kestra's FlowWithSource `inputs`), for the UI's Execute form.
    ...(spec.inputs.length > 0 ? { inputs: spec.inputs.map(({ position: _position, ...input }) => input) } : {}),
    disabled: spec.disabled,
    deleted: false,
    updated: stored.createdAt.toISOString(),
    source: stored.source,
  };
}

const flowParams = {
  type: 'object',
  properties: { namespace: { type: 'string' }, id: { type: 'string', description: 'The flow id' } },
  required: ['namespace', 'id'],
} as const;

/** Is `namespace` the filter or one of its child namespaces (Kestra's namespace filter)? */
function inNamespace(namespace: string, filter: string | undefined): boolean {
  return !filter || namespace === filter || namespace.startsWith(`${filter}.`);
}

function pageParams(query: { page?: string; size?: string }): { page: number; size: number } {
  const page = query.page === undefined ? 1 : Number(query.page);
  const size = query.size === undefined ? 10 : Number(query.size);
  if (!Number.isInteger(page) || page < 1) throw new HttpError(422, 'page: expected an integer from 1');
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new HttpError(422, 'size: expected an integer from 1 to 1000');
  return { page, size };
}

export function registerFlowRoutes(
  app: FastifyInstance,
  context: ApiContext,
  limits: Pick<ApiLimits, 'flowFileBytes' | 'importFiles' | 'importBytes'>,
): void {
  const tooLarge = () =>
    new HttpError(
      413,
      `Request body is too large: at most ${limits.importFiles} flow files of at most ${limits.flowFileBytes} bytes each, ${limits.importBytes} bytes in all`,
    );
  app.post(
    '/flows/import',
    {
      // A declared length beyond what the import can accept is refused before a byte of it is read
      // (the allowance is for the multipart framing).
      onRequest: async (request) => {
        if (Number(request.headers['content-length'] ?? 0) > limits.importBytes + 64 * 1024) throw tooLarge();
      },
      schema: {
        summary:
          'Create or update flows from a YAML file (multipart part `fileUpload`, several documents allowed); answers the documents that failed: []',
        tags: ['Flows'],
        consumes: ['multipart/form-data'],
      },
    },
    async (request) => {
      if (!request.isMultipart()) throw new HttpError(422, 'Expected a multipart/form-data body with a `fileUpload` part');
      const sources: FlowSource[] = [];
      let importedBytes = 0;
      // Each file part stops at flowFileBytes (413), and at most importFiles of them (413).
      for await (const part of request.parts({ limits: { fileSize: limits.flowFileBytes, files: limits.importFiles } })) {
        if (part.type !== 'file') continue;
        if (part.fieldname !== 'fileUpload') {
          await part.toBuffer();
          continue;
        }
        const name = part.filename ?? 'fileUpload';
        if (!/\.ya?ml$/i.test(name))
          throw new HttpError(422, `Cannot import file of type ${name.includes('.') ? name.slice(name.lastIndexOf('.')) : name}`);
        const file = await part.toBuffer();
        importedBytes += file.length;
        if (importedBytes > limits.importBytes) throw tooLarge();
        const documents = splitYamlDocuments(file.toString('utf8'));
        documents.forEach((source, index) => sources.push({ file: documents.length > 1 ? `${name}#${index}` : name, source }));
      }
      if (sources.length === 0) throw new HttpError(422, 'No flow to import: send YAML in a `fileUpload` part');
      await deploySources(context, sources);
      // Kestra answers with the documents that failed: none (an invalid one refused the whole import).
      return [];
    },
  );

  app.post(
    '/flows',
    { schema: { summary: 'Create a flow from its YAML (422 when the id exists)', tags: ['Flows'], consumes: YAML_CONTENT_TYPES } },
    async (request) => {
      const source = requireYamlBody(request);
      const compiled = compileFlow(source, 'api');
      if (!compiled.spec) throw new FlowValidationError(compiled.diagnostics);
      if (await context.flowStore.find(compiled.spec.namespace, compiled.spec.id)) {
        throw new HttpError(422, 'Flow id already exists');
      }
      const [deployed] = await deploySources(context, [{ file: 'api', source }]);
      return flowJson(context, deployed.namespace, deployed.flowId, deployed.revision);
    },
  );

  app.post(
    '/flows/validate',
    { schema: { summary: 'Validate flows (YAML, several documents allowed) without deploying them', tags: ['Flows'], consumes: YAML_CONTENT_TYPES } },
    async (request) => {
      return splitYamlDocuments(requireYamlBody(request)).map((source, index) => {
        const { diagnostics } = validateForDeploy([{ file: String(index), source }]);
        const compiled = compileFlow(source, String(index));
        return {
          index,
          ...(compiled.spec ? { flow: compiled.spec.id, namespace: compiled.spec.namespace } : {}),
          ...(diagnostics.length > 0 ? { constraints: diagnostics.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('\n') } : {}),
          // Kestra's shape: a deprecated type or form is a path in `deprecationPaths`, its message a warning.
          warnings: (compiled.warnings ?? []).map((w) => (w.path ? `${w.path}: ${w.message}` : w.message)),
          infos: [],
          // tflow's addition, for editors: each problem with its line and column in the document.
          diagnostics: [...diagnostics, ...(compiled.warnings ?? [])].map((d) => ({
            line: d.line,
            col: d.col,
            path: d.path,
            message: d.hint ? `${d.message} (${d.hint})` : d.message,
            severity: d.severity ?? 'error',
          })),
          deprecationPaths: (compiled.warnings ?? []).map((w) => deprecationPath(w.path)),
          outdated: false,
        };
      });
    },
  );

  app.get<{ Querystring: { namespace?: string; q?: string; page?: string; size?: string } }>(
    '/flows/search',
    {
      schema: {
        summary: 'Search deployed flows: {results, total}',
        tags: ['Flows'],
        querystring: {
          type: 'object',
          properties: {
            namespace: { type: 'string', description: 'This namespace and its children' },
            q: { type: 'string', description: 'Text in the flow id or namespace' },
            page: { type: 'string' },
            size: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const { page, size } = pageParams(request.query);
      const text = request.query.q?.toLowerCase();
      const matching = (await context.flowStore.list()).filter(
        (entry) =>
          inNamespace(entry.namespace, request.query.namespace) && (!text || `${entry.namespace}.${entry.flowId}`.toLowerCase().includes(text)),
      );
      const shown = matching.slice((page - 1) * size, page * size);
      const results = [];
      for (const entry of shown) {
        const { source: _source, ...flow } = await flowJson(context, entry.namespace, entry.flowId);
        results.push(flow);
      }
      return { results, total: matching.length };
    },
  );

  app.get<{ Params: { namespace: string } }>(
    '/flows/:namespace',
    {
      schema: {
        summary: "A namespace's flows",
        tags: ['Flows'],
        params: { type: 'object', properties: { namespace: { type: 'string' } }, required: ['namespace'] },
      },
    },
    async (request) => {
      const flows = [];
      for (const entry of await context.flowStore.list({ namespace: request.params.namespace })) {
        const { source: _source, ...flow } = await flowJson(context, entry.namespace, entry.flowId);
        flows.push(flow);
      }
      return flows;
    },
  );

  app.get<{ Params: { namespace: string; id: string }; Querystring: { revision?: string } }>(
    '/flows/:namespace/:id',
    {
      schema: {
        summary: 'A deployed flow with its source',
        tags: ['Flows'],
        params: flowParams,
        querystring: { type: 'object', properties: { revision: { type: 'string' }, source: { type: 'string' } } },
      },
    },
    async (request) => {
      const revision = request.query.revision ? Number(request.query.revision) : undefined;
      if (revision !== undefined && !Number.isInteger(revision)) throw new HttpError(422, 'revision: expected an integer');
      return flowJson(context, request.params.namespace, request.params.id, revision);
    },
  );

  app.get<{ Params: { namespace: string; id: string } }>(
    '/flows/:namespace/:id/revisions',
    {
      schema: {
        summary: "Every revision of a flow, oldest first, each with its source (Kestra's FlowWithSource list); 404 when unknown",
        tags: ['Flows'],
        params: flowParams,
      },
    },
    async (request) => {
      const { namespace, id } = request.params;
      if (!(await context.flowStore.find(namespace, id))) throw new FlowNotFoundError(namespace, id);
      // An old revision the compiler no longer accepts is still listed, with its source.
      return (await context.flowStore.revisions(namespace, id)).map((stored) => {
        try {
          return revisionJson(stored);
        } catch {
          return { id, namespace, revision: stored.revision, deleted: false, updated: stored.createdAt.toISOString(), source: stored.source };
        }
      });
    },
  );

  app.put<{ Params: { namespace: string; id: string } }>(
    '/flows/:namespace/:id',
    {
      schema: {
        summary: 'Update a flow from its YAML: a new revision when the source changed; 404 when absent',
        tags: ['Flows'],
        params: flowParams,
        consumes: YAML_CONTENT_TYPES,
      },
    },
    async (request) => {
      const { namespace, id } = request.params;
      const source = requireYamlBody(request);
      if (!(await context.flowStore.find(namespace, id))) throw new FlowNotFoundError(namespace, id);
      const compiled = compileFlow(source, 'api');
      if (!compiled.spec) throw new FlowValidationError(compiled.diagnostics);
      if (compiled.spec.namespace !== namespace || compiled.spec.id !== id) {
        throw new HttpError(
          422,
          `Illegal flow id or namespace update: the flow is ${namespace}.${id}, the source says ${compiled.spec.namespace}.${compiled.spec.id}`,
        );
      }
      const [deployed] = await deploySources(context, [{ file: 'api', source }]);
      return flowJson(context, deployed.namespace, deployed.flowId, deployed.revision);
    },
  );

  app.delete<{ Params: { namespace: string; id: string } }>(
    '/flows/:namespace/:id',
    { schema: { summary: 'Delete a flow and its Schedules (204)', tags: ['Flows'], params: flowParams } },
    async (request, reply) => {
      await deleteDeployedFlow({ flowStore: context.flowStore, client: context.client }, `${request.params.namespace}/${request.params.id}`);
      return reply.code(204).send();
    },
  );
}

/** Kestra's deprecation path: the deprecated task (`tasks[0]`) for a type, the property (`tasks[0].delay`) for a form. */
function deprecationPath(path: string): string {
  return path.replace(/\.type$/, '');
}
