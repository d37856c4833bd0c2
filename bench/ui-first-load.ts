/**
 * The web UI's first load: from navigation start to the flows list's first row on screen, in
 * headless chromium with a cold cache (a fresh browser context each run), against a local
 * `tflow server` holding 20 flows. Baseline in the same run: a minimal hand-written page on the
 * same origin (one inline script, no framework) that makes the same API call and renders the same
 * rows, so the difference is what the app's own code (React, router, the first chunk) costs.
 * Also the JavaScript bytes each page loads: the flows list against the editor page, which shows
 * that CodeMirror and the graph layout are chunks of their own.
 *
 * `node dist/bench/ui-first-load.js [runs]` runs it alone (default 7 runs of each).
 */
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../src/config';
import { startServer } from '../src/server/server';
import { startDevServer } from '../src/temporal/dev-server';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/browser/web-ui';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';

const CREDENTIALS = 'bench:bench';
const FLOWS = 20;
/** The baseline page's path: answered by the browser context itself (page.route), on the server's origin. */
const BASELINE_PATH = '/bench-baseline.html';
/** The baseline page: the flows list's API call (same query) and its rows, in one inline script. */
const baselineHtml = (namespace: string) => `<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head><body>
<table class="list"><tbody></tbody></table>
<script>
fetch('/api/v1/flows/search?namespace=${namespace}&page=1&size=50', { headers: { accept: 'application/json' } })
  .then((response) => response.json())
  .then((page) => {
    const body = document.querySelector('tbody');
    for (const flow of page.results) {
      const row = body.insertRow();
      row.insertCell().textContent = flow.id;
      row.insertCell().textContent = flow.namespace;
    }
  });
</script></body></html>`;

/** What the page functions below use of the browser (the bench compiles without the DOM types). */
interface BrowserGlobals {
  document: { querySelector(selector: string): unknown };
  performance: { getEntriesByType(type: 'resource'): { name: string; decodedBodySize: number }[] };
}

/** Milliseconds from navigation start to the first row of `table.list` on screen (checked every frame). */
async function timeToFirstRow(browser: Browser, url: string, authorization: string, namespace: string): Promise<{ ms: number; jsBytes: number }> {
  // A new context each time: an empty cache, as on a first visit.
  const context = await browser.newContext({ extraHTTPHeaders: { authorization }, viewport: { width: 1440, height: 900 } });
  try {
    await context.route(`**${BASELINE_PATH}`, (route) => route.fulfill({ contentType: 'text/html', body: baselineHtml(namespace) }));
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    // A function, not a string: the UI's CSP forbids eval, which a string predicate needs.
    const shown = await page.waitForFunction(
      () => (globalThis as unknown as BrowserGlobals).document.querySelector('table.list tbody tr') && performance.now(),
      undefined,
      {
        polling: 'raf',
        timeout: 30_000,
      },
    );
    return { ms: (await shown.jsonValue()) as number, jsBytes: await scriptBytes(page) };
  } finally {
    await context.close();
  }
}

/** The JavaScript the page has loaded so far (decoded bytes, from Resource Timing). */
async function scriptBytes(page: Page): Promise<number> {
  return page.evaluate(() =>
    (globalThis as unknown as BrowserGlobals).performance
      .getEntriesByType('resource')
      .filter((entry) => new URL(entry.name).pathname.endsWith('.js'))
      .reduce((bytes, entry) => bytes + entry.decodedBodySize, 0),
  );
}

/** The JavaScript loaded by the editor page once CodeMirror shows the flow. */
async function editorScriptBytes(browser: Browser, url: string, authorization: string): Promise<number> {
  const context = await browser.newContext({ extraHTTPHeaders: { authorization } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('.cm-editor .cm-content').waitFor({ timeout: 30_000 });
    return await scriptBytes(page);
  } finally {
    await context.close();
  }
}

export async function benchUiFirstLoad(runs = 7): Promise<BenchRow[]> {
  const config = { ...loadConfig(), basicAuth: CREDENTIALS };
  await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (l) => console.error(l) });
  const server = await startServer(config, { host: '127.0.0.1', port: 0, worker: false });
  const authorization = `Basic ${Buffer.from(CREDENTIALS).toString('base64')}`;
  const namespace = `tflow.bench.ui${randomBytes(3).toString('hex')}`;
  const ids = Array.from({ length: FLOWS }, (_, n) => `flow_${n}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  try {
    for (const id of ids) {
      const source = `id: ${id}\nnamespace: ${namespace}\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hello\n`;
      const response = await fetch(`${server.url}/api/v1/flows`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-yaml' },
        body: source,
      });
      if (response.status !== 200) throw new Error(`deploy failed: ${response.status} ${await response.text()}`);
    }
    const appUrl = `${server.url}/ui/flows?namespace=${namespace}`;
    const baselineUrl = `${server.url}${BASELINE_PATH}`;
    // One of each first, unmeasured: the server's and the browser's own first-time work.
    await timeToFirstRow(browser, appUrl, authorization, namespace);
    await timeToFirstRow(browser, baselineUrl, authorization, namespace);
    const app: number[] = [];
    const baseline: number[] = [];
    let flowsJs = 0;
    for (let run = 0; run < runs; run++) {
      const measured = await timeToFirstRow(browser, appUrl, authorization, namespace);
      app.push(measured.ms);
      flowsJs = measured.jsBytes;
      baseline.push((await timeToFirstRow(browser, baselineUrl, authorization, namespace)).ms);
    }
    const editorJs = await editorScriptBytes(browser, `${server.url}/ui/flows/edit/${namespace}/${ids[0]}/editor`, authorization);
    const appStats = stats(app);
    const baselineStats = stats(baseline);
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    console.error(
      `UI first load ${formatStats(appStats, 'ms', 0)}; baseline ${formatStats(baselineStats, 'ms', 0)}; JS ${kib(flowsJs)} / editor ${kib(editorJs)}`,
    );
    return [
      {
        benchmark: `web UI first load: /ui/flows to its first row on screen, headless chromium, cold cache, ${FLOWS} flows`,
        tflow: `${formatStats(appStats, 'ms', 0)}; ${kib(flowsJs)} of JavaScript (the editor page: ${kib(editorJs)})`,
        baseline: `a hand-written page on the same origin making the same API call: ${formatStats(baselineStats, 'ms', 0)}`,
        ratio: `${(appStats.median / baselineStats.median).toFixed(2)}× (time)`,
        target: '< 1 s',
        met: appStats.median < 1000,
      },
    ];
  } finally {
    await browser.close();
    for (const id of ids)
      await fetch(`${server.url}/api/v1/flows/${namespace}/${id}`, { method: 'DELETE', headers: { authorization } }).catch(() => undefined);
    await server.close();
  }
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 7);
  benchUiFirstLoad(runs)
    .then((rows) => {
      for (const row of rows) console.log(`${row.benchmark}: ${row.tflow} (baseline ${row.baseline}, ${row.ratio})`);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
