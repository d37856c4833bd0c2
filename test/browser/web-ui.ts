/**
 * Browser plumbing for the Web UI tests: Debian's chromium driven by playwright-core (no browser
 * download), headless, with a fresh profile, against the dev server's Temporal Web UI.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.TFLOW_CHROMIUM ?? '/usr/bin/chromium';
/** Flags that work without network access, as root, in CI containers. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no browser at ${CHROMIUM} (apt-get install chromium, or set TFLOW_CHROMIUM)`;
}

/**
 * Columns of the workflow list, as a user sets them with the table's gear button: the flow's type,
 * its tflow state and labels next to Temporal's status. The UI keeps them in localStorage.
 */
export const LIST_COLUMNS = ['Status', 'Workflow ID', 'Type', 'FlowState', 'Labels', 'FlowRevision', 'Start', 'End'];

export interface WebUi {
  page: Page;
  baseUrl: string;
  namespace: string;
  /** Where screenshots go: TFLOW_SCREENSHOTS_DIR (`npm run screenshots`) or a temporary folder. */
  screenshotDir: string;
  close(): Promise<void>;
}

export async function openWebUi(baseUrl: string, namespace: string): Promise<WebUi> {
  const profile = await mkdtemp(join(tmpdir(), 'tflow-chromium-'));
  const screenshotDir = process.env.TFLOW_SCREENSHOTS_DIR ?? join(profile, 'screenshots');
  await mkdir(screenshotDir, { recursive: true });
  const context: BrowserContext = await chromium.launchPersistentContext(join(profile, 'user-data'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1440, height: 900 },
    timezoneId: 'UTC',
  });
  const columns = LIST_COLUMNS.map((label, i) => ({ label, pinned: i < 2 }));
  await context.addInitScript({
    content: `localStorage.setItem('namespace-workflow-table-columns', ${JSON.stringify(JSON.stringify({ [namespace]: columns }))});`,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  return {
    page,
    baseUrl: baseUrl.replace(/\/$/, ''),
    namespace,
    screenshotDir,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export function workflowsUrl(ui: WebUi, query?: string): string {
  const base = `${ui.baseUrl}/namespaces/${encodeURIComponent(ui.namespace)}/workflows`;
  return query ? `${base}?query=${encodeURIComponent(query)}` : base;
}

export function executionUrl(ui: WebUi, workflowId: string, runId: string, tab: 'history' | 'user-metadata' = 'history'): string {
  return `${workflowsUrl(ui)}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/${tab}`;
}

/** One row of the workflow list, cell texts by column header. */
export type ListRow = Record<string, string>;

/** The rows the workflow list shows now, keyed by the table's own headers. */
export async function listRows(page: Page): Promise<ListRow[]> {
  // Runs in the page (a string: this project compiles without DOM types).
  return page.evaluate<ListRow[]>(`(() => {
    const prefix = 'workflows-summary-table-header-cell-';
    const headers = [...document.querySelectorAll('[data-testid^="' + prefix + '"]')].map((h) => h.getAttribute('data-testid').slice(prefix.length));
    return [...document.querySelectorAll('[data-testid="workflows-summary-configurable-table-row"]')].map((row) => {
      const cells = [...row.querySelectorAll('[data-testid="workflows-summary-table-body-cell"]')].map((c) => c.innerText.trim());
      const offset = cells.length - headers.length;
      return Object.fromEntries(headers.map((h, i) => [h, cells[i + offset] ?? '']));
    });
  })()`);
}

/**
 * Retries `attempt` until it returns a value (not undefined) or `timeoutMs` elapses: visibility is
 * eventually consistent, so a fresh run may take a moment to show up in lists and filters.
 */
export async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 30_000, pauseMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not seen within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** Loads `url` and waits until `ready` is visible. */
export async function open(page: Page, url: string, ready: Locator): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await ready.first().waitFor({ state: 'visible' });
}

/** The visible text of the page's main area (for assertions and for reading failures). */
export async function mainText(page: Page): Promise<string> {
  return page.locator('main').first().innerText();
}

/**
 * The User Metadata tab renders the summary, the details and the current details as markdown in
 * iframes (`title="output"`), in that order: their texts, once the last (a live query) has content.
 */
export async function userMetadata(page: Page): Promise<{ summary: string; details: string; currentDetails: string }> {
  // The current details arrive with a query to the workflow, after the page has rendered.
  // (A function, not a string: the UI's Content Security Policy forbids eval. No DOM types here.)
  await page.waitForFunction(
    () => {
      const frame = (globalThis as any).document.querySelectorAll('iframe[title="output"]')[2];
      return !!frame && !/[?&]content=(&|$)/.test(frame.getAttribute('src') ?? '');
    },
    undefined,
    { timeout: 10_000, polling: 200 },
  );
  const text = (i: number) => page.frameLocator('iframe[title="output"]').nth(i).locator('body').innerText();
  const [summary, details, currentDetails] = await Promise.all([text(0), text(1), text(2)]);
  return { summary: summary.trim(), details: details.trim(), currentDetails: currentDetails.trim() };
}
