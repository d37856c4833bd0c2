/**
 * A local stand-in for the BigQuery REST endpoints the GCP tasks call (no BigQuery emulator can be
 * had here): datasets.insert/get/patch, jobs.insert/get and jobs.getQueryResults. It records each
 * request and answers with canned shapes: every job completes at once, a query's rows are the
 * ones `answer()` gave for a matching SQL text (none otherwise). Point a worker at it with
 * BIGQUERY_EMULATOR_HOST=<url>. It checks what tflow sends and how it maps answers to outputs, not
 * BigQuery's SQL.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface CannedResult {
  fields: { name: string; type: string }[];
  rows: unknown[][];
  statementType?: string;
  numDmlAffectedRows?: number;
}

export interface BigQueryStandIn {
  url: string;
  requests: RecordedRequest[];
  /** The query jobs' SQL, in order. */
  queries(): string[];
  /** Answers queries whose SQL matches `pattern` with `result`. */
  answer(pattern: RegExp, result: CannedResult): void;
  stop(): Promise<void>;
}

export async function startBigQueryStandIn(): Promise<BigQueryStandIn> {
  const requests: RecordedRequest[] = [];
  const datasets = new Map<string, Record<string, unknown>>();
  const jobs = new Map<string, Record<string, unknown>>();
  const answers: { pattern: RegExp; result: CannedResult }[] = [];
  const resultOf = (sql: string) => answers.find((a) => a.pattern.test(sql))?.result;

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const path = url.pathname.replace(/^\/bigquery\/v2/, '');
      const body = await readJson(request);
      requests.push({ method: request.method ?? 'GET', path, query: Object.fromEntries(url.searchParams), body });
      const send = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      const notFound = (what: string) =>
        send(404, { error: { code: 404, message: `Not found: ${what}`, errors: [{ reason: 'notFound', message: `Not found: ${what}` }] } });
      let match: RegExpExecArray | null;
      if (request.method === 'POST' && (match = /^\/projects\/([^/]+)\/datasets$/.exec(path))) {
        const reference = (body as { datasetReference: { datasetId: string } }).datasetReference;
        const key = `${match[1]}:${reference.datasetId}`;
        if (datasets.has(key))
          return send(409, { error: { code: 409, message: `Already Exists: Dataset ${key}`, errors: [{ reason: 'duplicate' }] } });
        const dataset = {
          kind: 'bigquery#dataset',
          id: key,
          ...(body as object),
          datasetReference: { projectId: match[1], datasetId: reference.datasetId },
        };
        datasets.set(key, dataset);
        return send(200, dataset);
      }
      if ((match = /^\/projects\/([^/]+)\/datasets\/([^/]+)$/.exec(path))) {
        const key = `${match[1]}:${match[2]}`;
        const dataset = datasets.get(key);
        if (!dataset) return notFound(`Dataset ${key}`);
        if (request.method === 'PATCH') Object.assign(dataset, body);
        return send(200, dataset);
      }
      if (request.method === 'POST' && (match = /^\/projects\/([^/]+)\/jobs$/.exec(path))) {
        const job = body as { jobReference?: { jobId?: string; location?: string }; configuration: { query?: { query: string } } };
        const jobId = job.jobReference?.jobId ?? `job_${jobs.size + 1}`;
        const result = job.configuration.query ? resultOf(job.configuration.query.query) : undefined;
        const stored = {
          kind: 'bigquery#job',
          id: `${match[1]}:${jobId}`,
          jobReference: { projectId: match[1], jobId, location: job.jobReference?.location ?? 'US' },
          configuration: job.configuration,
          status: { state: 'DONE' },
          statistics: {
            query: {
              statementType: result?.statementType ?? 'SELECT',
              ...(result?.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(result.numDmlAffectedRows) } : {}),
            },
          },
        };
        jobs.set(jobId, stored);
        return send(200, stored);
      }
      if ((match = /^\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(path))) {
        const job = jobs.get(match[2]);
        return job ? send(200, job) : notFound(`Job ${match[2]}`);
      }
      if ((match = /^\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(path))) {
        const job = jobs.get(match[2]) as { jobReference: unknown; configuration: { query?: { query: string } } } | undefined;
        if (!job) return notFound(`Job ${match[2]}`);
        const result = resultOf(job.configuration.query?.query ?? '');
        return send(200, {
          kind: 'bigquery#getQueryResultsResponse',
          jobReference: job.jobReference,
          jobComplete: true,
          schema: { fields: result?.fields ?? [] },
          rows: (result?.rows ?? []).map((row) => ({ f: row.map((v) => ({ v: v === null ? null : String(v) })) })),
          totalRows: String(result?.rows.length ?? 0),
        });
      }
      return notFound(`${request.method} ${path}`);
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queries: () =>
      requests.flatMap((r) => {
        const query = (r.body as { configuration?: { query?: { query?: string } } } | undefined)?.configuration?.query?.query;
        return r.method === 'POST' && r.path.endsWith('/jobs') && query ? [query] : [];
      }),
    answer: (pattern, result) => answers.push({ pattern, result }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}
