/**
 * Browser plumbing for the tests of tflow's own web UI (/ui/, docs/web-ui.md): a real `tflow server`
 * (API and worker in this process, Basic auth on) against the shared Temporal dev server, and
 * Debian's chromium driven by playwright-core, logged in with the server's credentials. Every
 * JavaScript error, console error, failed request and 4xx/5xx answer the pages get is collected:
 * `assertNoErrors()` fails on any, except the answers a test declared with `expectFailure()`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server';
import { purgeNamespace } from '../helpers/flow-store';
import { PROJECT_ROOT } from '../helpers/paths';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';
import { CHROMIUM, CHROMIUM_FLAGS } from './web-ui';

export const UI_CREDENTIALS = { username: 'admin@kestra.io', password: 'Admin1234!' };

export interface TflowUi {
  server: RunningServer;
  fixture: TemporalFixture;
  page: Page;
  /** A namespace of this test's own, purged at the end. */
  namespace: string;
  /** `/ui/flows` → `http://127.0.0.1:<port>/ui/flows`. */
  url(path: string): string;
  /** Calls the REST API as the UI's user (setup and checks outside the page). */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Deploys flow YAML through the API (the source's `namespace` should be `this.namespace`). */
  deploy(source: string): Promise<void>;
  /** The source of one of the repository's flows (`flows/01_hello_world.yaml`), moved to `this.namespace`. */
  repositoryFlow(path: string): Promise<string>;
  /** Saves a screenshot of the page as `<name>.png` in TFLOW_SCREENSHOTS_DIR (`npm run screenshots`), or a temporary folder. */
  screenshot(name: string): Promise<string>;
  /**
   * Declares that the page's next `method` request to a URL matching `url` answers `status` (a 422 the
   * page shows next to a field): that one answer, and the console error the browser logs for it, are
   * not errors. assertNoErrors() fails if it never came.
   */
  expectFailure(method: string, url: RegExp, status: number): void;
  /** Fails with the JavaScript errors, console errors, failed requests and unexpected error answers seen so far. */
  assertNoErrors(): void;
  close(): Promise<void>;
}

interface ExpectedFailure {
  method: string;
  url: RegExp;
  status: number;
  seen: boolean;
}

export async function openTflowUi(): Promise<TflowUi> {
  const namespace = `tflow.test.ui${randomBytes(3).toString('hex')}`;
  const fixture = await startTemporalFixture();
  const credentials = `${UI_CREDENTIALS.username}:${UI_CREDENTIALS.password}`;
  const server = await startServer({ ...fixture.config, basicAuth: credentials }, { host: '127.0.0.1', port: 0, worker: true });
  const profile = await mkdtemp(join(tmpdir(), 'tflow-ui-'));
  const screenshotDir = process.env.TFLOW_SCREENSHOTS_DIR ?? join(profile, 'screenshots');
  await mkdir(screenshotDir, { recursive: true });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const context: BrowserContext = await browser.newContext({
    httpCredentials: UI_CREDENTIALS,
    viewport: { width: 1440, height: 900 },
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  const expected: ExpectedFailure[] = [];
  /** `<status> <url>` of each 4xx/5xx answer: the browser's console line for it is the same error, said twice. */
  const answered = new Set<string>();
  const consoleErrors: { text: string; url: string }[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push({ text: message.text(), url: message.location().url }));
  page.on('requestfailed', (request) => !request.failure()?.errorText.includes('ERR_ABORTED') && errors.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    const status = response.status();
    if (status < 400) return;
    const method = response.request().method();
    answered.add(`${status} ${response.url()}`);
    const index = expected.findIndex((e) => !e.seen && e.method === method && e.status === status && e.url.test(response.url()));
    if (index >= 0) expected[index].seen = true;
    else errors.push(`answer ${status} to ${method} ${response.url()}`);
  });
  const authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}/api/v1${path}`, { ...init, headers: { authorization, ...(init.headers as Record<string, string> | undefined) } });
  return {
    server,
    fixture,
    page,
    namespace,
    url: (path) => `${server.url}${path}`,
    api,
    async deploy(source) {
      const form = new FormData();
      form.append('fileUpload', new Blob([source], { type: 'application/x-yaml' }), 'flow.yaml');
      const response = await api('/flows/import', { method: 'POST', body: form });
      assert.equal(response.status, 200, await response.text());
    },
    async repositoryFlow(path) {
      return (await readFile(join(PROJECT_ROOT, path), 'utf8')).replace(/^namespace: .*$/m, `namespace: ${namespace}`);
    },
    async screenshot(name) {
      const path = join(screenshotDir, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    expectFailure(method, url, status) {
      expected.push({ method: method.toUpperCase(), url, status, seen: false });
    },
    assertNoErrors() {
      const answerLine = /^Failed to load resource: the server responded with a status of (\d+)/;
      const logged = consoleErrors
        .filter(({ text, url }) => !answered.has(`${answerLine.exec(text)?.[1]} ${url}`))
        .map(({ text, url }) => `console error: ${text} (${url})`);
      const missing = expected.filter((e) => !e.seen).map((e) => `expected answer ${e.status} to ${e.method} ${e.url} never came`);
      assert.deepEqual([...errors, ...logged, ...missing], [], 'the pages reported errors');
    },
    async close() {
      await browser.close();
      await server.close();
      await fixture.close();
      await purgeNamespace(namespace);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
