import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { executionPrefix, type LocalDirectoryStorage } from '../../src/storage';
import { flow } from '../helpers/fake-port';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runToEnd, runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

describe('HTTP tasks (Download, Request) and PurgeCurrentExecutionFiles', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  let tempStorage: TemporaryStorage;
  let storage: LocalDirectoryStorage;
  let server: Server;
  let base: string;
  const bigBody = 'x'.repeat(3 * 1024 * 1024);

  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-http-storage-');
    storage = tempStorage.storage;
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://local');
      if (url.pathname === '/products') {
        response.writeHead(200, { 'content-type': 'application/json', 'x-total': '2' });
        response.end(
          JSON.stringify({
            products: [
              { brand: 'a', price: 1 },
              { brand: 'b', price: 2 },
            ],
          }),
        );
      } else if (url.pathname === '/redirect') {
        response.writeHead(302, { location: '/files/report.csv' });
        response.end();
      } else if (url.pathname === '/files/report.csv') {
        response.writeHead(200, { 'content-type': 'text/csv' });
        response.end('a,b\n1,2\n');
      } else if (url.pathname === '/big') {
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="big.bin"' });
        response.end(bigBody);
      } else if (url.pathname === '/echo') {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          response.writeHead(201, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ method: request.method, body, auth: request.headers.authorization ?? null }));
        });
      } else if (url.pathname === '/headers') {
        // Repeated header lines: fetch hands them over joined with ", ".
        response.setHeader('date', 'Wed, 26 Nov 2025 10:00:00 GMT');
        response.setHeader('last-modified', 'Tue, 25 Nov 2025 09:30:00 GMT');
        response.setHeader('set-cookie', ['session=abc; Path=/', 'theme=dark; Expires=Thu, 27 Nov 2025 10:00:00 GMT']);
        response.setHeader('vary', ['Accept', 'Origin']);
        response.setHeader('x-tags', 'red, "blue, green"');
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('ok');
      } else if (url.pathname === '/empty') {
        response.writeHead(200);
        response.end();
      } else {
        response.writeHead(404);
        response.end('Not Found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // TFLOW_URL_ALIASES as an operator would set it: a public host mapped to this local server.
    fixture = await startTemporalFixture({
      urlAliases: { 'https://mirror.invalid/': `${base}/`, 'https://mirror.invalid/offline/': 'http://127.0.0.1:9/' },
    });
  });
  after(async () => {
    await fixture?.close();
    await new Promise((resolve) => server?.close(resolve));
    await tempStorage?.remove();
  });

  const outputsOf = (execution: Execution, taskId: string) => execution.taskRuns.find((r) => r.taskId === taskId)?.outputs ?? {};

  it('downloads into storage (following redirects, streaming a 3 MB body), then purges every file of the execution', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: downloads
namespace: tests.http
tasks:
  - id: csv
    type: io.kestra.plugin.core.http.Download
    uri: ${base}/redirect
  - id: big
    type: io.kestra.plugin.core.http.Download
    uri: ${base}/big
  - id: check
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      report.csv: "{{ outputs.csv.uri }}"
    commands:
      - test "$(cat report.csv)" = "$(printf 'a,b\\n1,2')"
  - id: purge
    type: io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const csv = outputsOf(execution, 'csv') as { uri: string; code: number; length: number; headers: Record<string, string[]> };
    assert.match(csv.uri, new RegExp(`^kestra:///tests/http/downloads/executions/${execution.id}/tasks/csv/[^/]+/report\\.csv$`));
    assert.equal(csv.code, 200);
    assert.equal(csv.length, 8);
    assert.deepEqual(csv.headers['content-type'], ['text/csv']);
    const big = outputsOf(execution, 'big') as { uri: string; length: number };
    assert.match(big.uri, /\/big\.bin$/);
    assert.equal(big.length, bigBody.length);
    assert.deepEqual([...(outputsOf(execution, 'purge').uris as string[])].sort(), [big.uri, csv.uri].sort());
    assert.deepEqual(await storage.list(executionPrefix({ namespace: 'tests.http', flowId: 'downloads', executionId: execution.id })), []);
  });

  it('fails a Download on an error status or an empty body, naming the URL', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: failed_download
namespace: tests.http
tasks:
  - id: missing
    type: io.kestra.plugin.core.http.Download
    uri: ${base}/nope.csv
    allowFailure: true
  - id: empty
    type: io.kestra.plugin.core.http.Download
    uri: ${base}/empty
`),
    );
    assert.equal(execution.state, 'FAILED');
    const errors = Object.fromEntries(execution.taskRuns.map((r) => [r.taskId, r.error]));
    assert.equal(errors.missing, `Failed http request with response code '404' (GET ${base}/nope.csv)`);
    assert.equal(errors.empty, `No response from server: ${base}/empty returned an empty body (set failOnEmptyResponse: false to accept it)`);
  });

  it('makes requests: JSON bodies parsed, methods, bodies and basic auth sent', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: requests
namespace: tests.http
tasks:
  - id: get
    type: io.kestra.plugin.core.http.Request
    uri: ${base}/products
  - id: post
    type: io.kestra.plugin.core.http.Request
    uri: ${base}/echo
    method: POST
    contentType: application/json
    body: '{"n": {{ outputs.get.body.products | length }}}'
    options:
      basicAuthUser: admin
      basicAuthPassword: secret
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.get.body.products[1].brand }} {{ outputs.post.code }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const get = outputsOf(execution, 'get') as { code: number; body: unknown; headers: Record<string, string[]> };
    assert.equal(get.code, 200);
    assert.deepEqual(get.headers['x-total'], ['2']);
    assert.deepEqual(outputsOf(execution, 'post').body, {
      method: 'POST',
      body: '{"n": 2}',
      auth: `Basic ${Buffer.from('admin:secret').toString('base64')}`,
    });
    assert.equal(outputsOf(execution, 'use').value, 'b 201');
  });

  it('sends Download and Request through TFLOW_URL_ALIASES (longest prefix wins), saying so in the log and in errors', async () => {
    const run = await runWithLogs(
      fixture,
      flow(`
id: url_aliases
namespace: tests.http
tasks:
  - id: download
    type: io.kestra.plugin.core.http.Download
    uri: https://mirror.invalid/files/report.csv
  - id: request
    type: io.kestra.plugin.core.http.Request
    uri: https://mirror.invalid/products
  - id: offline
    type: io.kestra.plugin.core.http.Request
    uri: https://mirror.invalid/offline/products
`),
    );
    assert.equal(run.execution.state, 'FAILED');
    const download = run.output('download') as { uri: string; code: number };
    assert.equal(download.code, 200);
    assert.equal(await text(await storage.get(download.uri)), 'a,b\n1,2\n');
    assert.ok(download.uri.endsWith('/report.csv'), download.uri);
    const request = run.output('request') as { uri: string; body: { products: unknown[] } };
    assert.equal(request.body.products.length, 2);
    assert.equal(request.uri, 'https://mirror.invalid/products', 'the output keeps the URI the flow gave');
    assert.ok(
      run.logs.some((l) => l.message === `https://mirror.invalid/products mapped to ${base}/products by TFLOW_URL_ALIASES`),
      'the mapping is logged',
    );
    assert.match(
      run.taskRun('offline')?.error ?? '',
      /^GET https:\/\/mirror\.invalid\/offline\/products \(sent to http:\/\/127\.0\.0\.1:9\/products\) failed: /,
    );
  });

  it('gives a Request the response headers as HTTP defines them: dates whole, cookies and list headers one value each', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: response_headers
namespace: tests.http
tasks:
  - id: get
    type: io.kestra.plugin.core.http.Request
    uri: ${base}/headers
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.get.headers.date[0] }} | {{ outputs.get.headers['set-cookie'] | length }} cookies"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const headers = (outputsOf(execution, 'get') as { headers: Record<string, string[]> }).headers;
    assert.deepEqual(headers['date'], ['Wed, 26 Nov 2025 10:00:00 GMT']);
    assert.deepEqual(headers['last-modified'], ['Tue, 25 Nov 2025 09:30:00 GMT']);
    assert.deepEqual(headers['set-cookie'], ['session=abc; Path=/', 'theme=dark; Expires=Thu, 27 Nov 2025 10:00:00 GMT']);
    assert.deepEqual(headers['vary'], ['Accept', 'Origin']);
    assert.deepEqual(headers['x-tags'], ['red', '"blue, green"']);
    assert.deepEqual(headers['content-type'], ['text/plain']);
    assert.equal(outputsOf(execution, 'show').value, 'Wed, 26 Nov 2025 10:00:00 GMT | 2 cookies');
  });

  it('refuses a Request response too large for the history, pointing at Download', async () => {
    const execution = await runToEnd(
      fixture,
      flow(`
id: big_request
namespace: tests.http
tasks:
  - id: big
    type: io.kestra.plugin.core.http.Request
    uri: ${base}/big
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(
      execution.taskRuns[0].error,
      `The response of ${base}/big is larger than 1000000 bytes: use io.kestra.plugin.core.http.Download to store it as a file`,
    );
  });
});
