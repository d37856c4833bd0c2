/**
 * A local stand-in for the BigQuery REST endpoints the GCP tasks call (no BigQuery emulator can be
 * had here): datasets.insert/get/patch, jobs.insert (JSON, or a multipart upload with the data of a
 * load job), jobs.get and jobs.getQueryResults. It records each request and answers with canned
 * shapes: every job completes at once; a query's rows are the ones `answer()` gave for a matching
 * SQL text (none otherwise); a load job "loads" the lines of its data (the upload, or its gs://
 * objects read from the Cloud Storage emulator at `gcsUrl`), less `skipLeadingRows`, and fails as
 * BigQuery does when an object is missing. Point a worker at it with BIGQUERY_EMULATOR_HOST=<url>.
 * It checks what tflow sends and how it maps answers to outputs, not BigQuery's SQL.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** The data part of a multipart upload (a Load task's file), as text. */
  upload?: string;
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
  /** The load jobs' `configuration.load`, in order, each with the uploaded data if any. */
  loads(): { load: Record<string, unknown>; upload?: string }[];
  /** Answers queries whose SQL matches `pattern` with `result`. */
  answer(pattern: RegExp, result: CannedResult): void;
  stop(): Promise<void>;
}

/** `gcsUrl`: the Cloud Storage emulator load jobs read their gs:// sources from. */
export async function startBigQueryStandIn(options: { gcsUrl?: string } = {}): Promise<BigQueryStandIn> {
  const requests: RecordedRequest[] = [];
  const datasets = new Map<string, Record<string, unknown>>();
  const jobs = new Map<string, Record<string, unknown>>();
  const answers: { pattern: RegExp; result: CannedResult }[] = [];
  const resultOf = (sql: string) => answers.find((a) => a.pattern.test(sql))?.result;

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const path = url.pathname.replace(/^(\/upload)?\/bigquery\/v2/, '');
      const { body, upload } = await readBody(request);
      requests.push({
        method: request.method ?? 'GET',
        path,
        query: Object.fromEntries(url.searchParams),
        body,
        ...(upload !== undefined ? { upload } : {}),
      });
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
        const job = body as {
          jobReference?: { jobId?: string; location?: string };
          configuration: { query?: { query: string }; load?: LoadConfiguration };
        };
        const jobId = job.jobReference?.jobId ?? `job_${jobs.size + 1}`;
        const result = job.configuration.query ? resultOf(job.configuration.query.query) : undefined;
        const loaded = job.configuration.load ? await runLoad(job.configuration.load, upload, options.gcsUrl) : undefined;
        const stored = {
          kind: 'bigquery#job',
          id: `${match[1]}:${jobId}`,
          jobReference: { projectId: match[1], jobId, location: job.jobReference?.location ?? 'US' },
          configuration: job.configuration,
          status: loaded?.error ? { state: 'DONE', errorResult: loaded.error, errors: [loaded.error] } : { state: 'DONE' },
          statistics: loaded
            ? { load: loaded.statistics }
            : {
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
    loads: () =>
      requests.flatMap((r) => {
        const load = (r.body as { configuration?: { load?: Record<string, unknown> } } | undefined)?.configuration?.load;
        return r.method === 'POST' && r.path.endsWith('/jobs') && load ? [{ load, ...(r.upload !== undefined ? { upload: r.upload } : {}) }] : [];
      }),
    answer: (pattern, result) => answers.push({ pattern, result }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface LoadConfiguration {
  sourceUris?: string[];
  sourceFormat?: string;
  skipLeadingRows?: number;
}

interface LoadOutcome {
  statistics: { inputFiles: string; inputFileBytes: string; outputRows: string; badRecords: string };
  error?: { reason: string; message: string };
}

/** A load job's data: its lines are its rows (less the CSV header rows). */
async function runLoad(load: LoadConfiguration, upload: string | undefined, gcsUrl: string | undefined): Promise<LoadOutcome> {
  const sources: string[] = [];
  if (upload !== undefined) sources.push(upload);
  for (const uri of load.sourceUris ?? []) {
    const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
    const response = match && gcsUrl ? await fetch(`${gcsUrl}/storage/v1/b/${match[1]}/o/${encodeURIComponent(match[2])}?alt=media`) : undefined;
    if (!response?.ok) {
      const message = `Not found: URI ${uri}`;
      return { statistics: { inputFiles: '0', inputFileBytes: '0', outputRows: '0', badRecords: '0' }, error: { reason: 'notFound', message } };
    }
    sources.push(await response.text());
  }
  const header = (load.sourceFormat ?? 'CSV') === 'CSV' ? (load.skipLeadingRows ?? 0) : 0;
  const rows = sources.reduce((sum, text) => sum + Math.max(0, text.split('\n').filter((line) => line.trim() !== '').length - header), 0);
  const bytes = sources.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  return { statistics: { inputFiles: String(sources.length), inputFileBytes: String(bytes), outputRows: String(rows), badRecords: '0' } };
}

/** A JSON body, or a multipart/related upload: its JSON part (the job) and its data part. */
async function readBody(request: IncomingMessage): Promise<{ body: unknown; upload?: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const boundary = /boundary="?([^";]+)"?/.exec(request.headers['content-type'] ?? '')?.[1];
  if (!boundary) {
    const text = raw.toString('utf8');
    return { body: text ? (JSON.parse(text) as unknown) : undefined };
  }
  const parts = raw
    .toString('utf8')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''));
  return { body: JSON.parse(parts[0]) as unknown, upload: parts[1] };
}
