/**
 * Kestra's error shapes and status codes (README "REST API"): 422 `Invalid entity` with one
 * entry per problem, 404 for unknown flows and executions, 409 for illegal states. Never a stack trace.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Diagnostic, FlowValidationError } from '../compiler/diagnostics';
import { FlowNotFoundError } from '../flow-store/flow-store';
import { StorageFileNotFound } from '../storage/internal-storage';

/** An error that maps to a status code and a message safe to show. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface InvalidEntityBody {
  message: string;
  _links: { self: { href: string } };
  _embedded: { errors: { message: string; path: string }[] };
}

export function invalidEntity(url: string, problems: readonly { message: string; path: string }[]): InvalidEntityBody {
  return {
    message: `Invalid entity: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n')}`,
    _links: { self: { href: url } },
    _embedded: { errors: problems.map((p) => ({ message: p.message, path: p.path })) },
  };
}

function diagnosticProblems(diagnostics: readonly Diagnostic[]): { message: string; path: string }[] {
  return diagnostics.map((d) => ({ message: d.message, path: d.path }));
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    void reply.code(404).send({ message: `Not Found: ${request.method} ${request.url.split('?')[0]}` });
  });
  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const url = request.url;
    if (error instanceof FlowValidationError) return reply.code(422).send(invalidEntity(url, diagnosticProblems(error.diagnostics)));
    if (error instanceof FlowNotFoundError) return reply.code(404).send({ message: 'Requested Flow is not found.' });
    if (error instanceof WorkflowNotFoundError) return reply.code(404).send({ message: 'Requested Execution is not found.' });
    if (error instanceof StorageFileNotFound) return reply.code(404).send({ message: error.message });
    if (error instanceof HttpError) {
      if (error.statusCode === 422) return reply.code(422).send(invalidEntity(url, [{ message: error.message, path: '' }]));
      return reply.code(error.statusCode).send({ message: error.message });
    }
    const validation = (error as FastifyError).validation;
    if (validation) {
      // A request that does not fit a route's schema (query, params, JSON body).
      const context = (error as FastifyError).validationContext ?? 'request';
      return reply.code(422).send(
        invalidEntity(
          url,
          validation.map((v) => ({ message: v.message ?? 'is invalid', path: [context, ...v.instancePath.split('/').filter(Boolean)].join('.') })),
        ),
      );
    }
    const statusCode = (error as FastifyError).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      // Fastify's own client errors (body too large, bad content type, malformed JSON…).
      return reply.code(statusCode).send({ message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ message: 'Internal server error' });
  });
}
