/**
 * Flow routes: import (multipart `fileUpload`), create, get, delete, validate — Kestra's paths,
 * status codes and shapes, deployed through the registry (Schedules synced as `tflow deploy` does).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { compileFlow } from '../flow/compile';
import { FlowValidationError } from '../flow/diagnostics';
import { compileDeployed, deleteDeployedFlow, deployFlows, type FlowSource, validateForDeploy } from '../registry/deploy';
import type { ApiContext } from './context';
import { HttpError } from './errors';
import { labelList } from './execution-json';

/** The documents of a (possibly multi-document) YAML text, split on `---` lines as Kestra does. */
export function splitYamlDocuments(text: string): string[] {
  return text
    .split(/^---[ \t]*(?:#.*)?$/m)
    .map((doc) => doc.replace(/^\s*\n/, ''))
    .filter((doc) => doc.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#')));
}

function bodyText(request: FastifyRequest): string {
  const body = request.body;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  throw new HttpError(422, 'Expected a YAML body (Content-Type: application/x-yaml)');
}

async function deploySources(context: ApiContext, sources: FlowSource[]) {
  const { flows, diagnostics } = validateForDeploy(sources);
  if (diagnostics.length > 0) throw new FlowValidationError(diagnostics);
  return deployFlows({ registry: context.registry, client: context.client, config: context.config }, flows);
}

/** A deployed flow as Kestra's FlowWithSource JSON. */
async function flowJson(context: ApiContext, namespace: string, flowId: string, revision?: number) {
  const stored = await context.registry.get(namespace, flowId, revision);
  const spec = compileDeployed(stored.source, namespace, flowId, stored.revision);
  return {
    id: flowId,
    namespace,
    revision: stored.revision,
    ...(spec.description ? { description: spec.description } : {}),
    labels: labelList(spec.labels ?? {}),
    disabled: spec.disabled,
    deleted: false,
    updated: stored.createdAt.toISOString(),
    source: stored.source,
  };
}

export function registerFlowRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post('/flows/import', async (request) => {
    if (!request.isMultipart()) throw new HttpError(422, 'Expected a multipart/form-data body with a `fileUpload` part');
    const sources: FlowSource[] = [];
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== 'fileUpload') {
        await part.toBuffer();
        continue;
      }
      const name = part.filename ?? 'fileUpload';
      if (!/\.ya?ml$/i.test(name)) throw new HttpError(422, `Cannot import file of type ${name.includes('.') ? name.slice(name.lastIndexOf('.')) : name}`);
      const documents = splitYamlDocuments((await part.toBuffer()).toString('utf8'));
      documents.forEach((source, index) => sources.push({ file: documents.length > 1 ? `${name}#${index}` : name, source }));
    }
    if (sources.length === 0) throw new HttpError(422, 'No flow to import: send YAML in a `fileUpload` part');
    await deploySources(context, sources);
    // Kestra answers with the documents that failed: none (an invalid one refused the whole import).
    return [];
  });

  app.post('/flows', async (request) => {
    const source = bodyText(request);
    const compiled = compileFlow(source, 'api');
    if (!compiled.spec) throw new FlowValidationError(compiled.diagnostics);
    if (await context.registry.find(compiled.spec.namespace, compiled.spec.id)) {
      throw new HttpError(422, 'Flow id already exists');
    }
    const [deployed] = await deploySources(context, [{ file: 'api', source }]);
    return flowJson(context, deployed.namespace, deployed.flowId, deployed.revision);
  });

  app.post('/flows/validate', async (request) => {
    return splitYamlDocuments(bodyText(request)).map((source, index) => {
      const { diagnostics } = validateForDeploy([{ file: String(index), source }]);
      const compiled = compileFlow(source, String(index));
      return {
        index,
        ...(compiled.spec ? { flow: compiled.spec.id, namespace: compiled.spec.namespace } : {}),
        ...(diagnostics.length > 0 ? { constraints: diagnostics.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('\n') } : {}),
        warnings: [],
        infos: [],
        deprecationPaths: [],
        outdated: false,
      };
    });
  });

  app.get<{ Params: { namespace: string; id: string }; Querystring: { revision?: string } }>('/flows/:namespace/:id', async (request) => {
    const revision = request.query.revision ? Number(request.query.revision) : undefined;
    if (revision !== undefined && !Number.isInteger(revision)) throw new HttpError(422, 'revision: expected an integer');
    return flowJson(context, request.params.namespace, request.params.id, revision);
  });

  app.delete<{ Params: { namespace: string; id: string } }>('/flows/:namespace/:id', async (request, reply) => {
    await deleteDeployedFlow({ registry: context.registry, client: context.client }, `${request.params.namespace}/${request.params.id}`);
    return reply.code(204).send();
  });
}
