/**
 * The execution page of a ForEach over 5,000 values (its iterations run in batch child workflows):
 * followed live over server-sent events rather than polled, then usable: the Gantt and the logs
 * render one page of rows (the DOM stays small), the last page and a search find iteration 4999,
 * and the tabs switch. No timing is asserted: speed figures live in bench/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTflowUi, type TflowUi } from './tflow-ui';
import { browserMissing } from './web-ui';

const ITERATIONS = 5000;

describe('web UI: a 5,000-iteration ForEach execution', { skip: browserMissing(), timeout: 600_000 }, () => {
  let ui: TflowUi;

  before(async () => {
    ui = await openTflowUi();
    await ui.deploy(`id: five_thousand
namespace: ${ui.namespace}
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: '${JSON.stringify(Array.from({ length: ITERATIONS }, (_, n) => n))}'
    concurrencyLimit: 50
    tasks:
      - id: log
        type: io.kestra.plugin.core.log.Log
        message: "iteration {{ taskrun.value }}"
`);
  });
  after(async () => ui?.close());

  /** At most this many elements on the page: one page of rows, not 5,000. */
  const BOUNDED_DOM = 3000;
  const domSize = () => ui.page.locator('*').count();

  it('follows the execution live, then pages and searches its 5,001 task runs and 5,000 log lines', async () => {
    const response = await ui.api(`/executions/${ui.namespace}/five_thousand`, { method: 'POST', body: new FormData() });
    assert.equal(response.status, 200, await response.clone().text());
    const { id } = (await response.json()) as { id: string };
    const documentLoads: string[] = [];
    const streams: string[] = [];
    const taskRunPages: string[] = [];
    const batchLoads: string[] = [];
    ui.page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path === `/api/v1/executions/${id}`) documentLoads.push(path);
      if (path === `/api/v1/executions/${id}/taskruns`) taskRunPages.push(path);
      if (path.startsWith(`/api/v1/executions/${id}.`)) batchLoads.push(path);
      if (path.endsWith('/follow')) streams.push(path);
    });
    await ui.page.goto(ui.url(`/ui/executions/${ui.namespace}/five_thousand/${id}`));
    await ui.page.locator('.execution-overview .state', { hasText: 'SUCCESS' }).waitFor({ timeout: 300_000 });
    // Live over the stream: the execution was loaded when the page opened and once more when it ended, never polled.
    assert.ok(streams.includes(`/api/v1/executions/${id}/follow`), 'the page followed the execution stream');
    assert.ok(documentLoads.length <= 2, `the execution was loaded ${documentLoads.length} times`);

    // Gantt: the ForEach and its 5,000 iterations from the batches, 100 rows a page.
    const rows = ui.page.locator('.gantt tbody tr');
    const pager = ui.page.locator('.gantt .pager');
    await pager.getByText(`Page 1 of 51 (${ITERATIONS + 1} rows)`).waitFor({ timeout: 60_000 });
    assert.equal(await rows.count(), 100);
    assert.ok((await domSize()) < BOUNDED_DOM, `${await domSize()} elements`);
    await pager.getByRole('button', { name: 'Last' }).click();
    await pager.getByText('Page 51 of 51').waitFor();
    assert.equal(await rows.count(), 1);
    // The rows come from the API's pages of task runs (the server reads the batches), not from each batch.
    assert.ok(taskRunPages.length > 0, 'the Gantt read GET /executions/{id}/taskruns');
    assert.deepEqual(batchLoads, [], 'the Gantt asked no batch for its task runs itself');
    await ui.page.getByLabel('Search task runs').fill('4999');
    await pager.waitFor({ state: 'detached' });
    assert.deepEqual(await rows.allInnerTexts(), [await rows.first().innerText()]);
    assert.match(await rows.first().innerText(), /^log\s*4999\s+SUCCESS\s+1\s/);
    await ui.screenshot('ui-execution-5000-gantt');

    // Logs: the batches' 5,000 lines after the ForEach's own, 100 a page.
    await ui.page.getByRole('link', { name: 'Logs' }).click();
    const lines = ui.page.getByLabel('Log lines').locator('li');
    const logPager = ui.page.locator('.logs .pager');
    await logPager.getByText(/Page 51 of 51 \(5\d{3} rows\)/).waitFor({ timeout: 60_000 });
    assert.ok((await lines.count()) <= 100);
    assert.ok((await domSize()) < BOUNDED_DOM, `${await domSize()} elements`);
    await logPager.getByRole('button', { name: 'First' }).click();
    await logPager.getByText(/Page 1 of 51/).waitFor();
    assert.equal(await lines.count(), 100);
    await ui.page.getByLabel('Search logs').fill('iteration 4999');
    await logPager.waitFor({ state: 'detached' });
    assert.equal(await lines.count(), 1);
    assert.match(await lines.first().innerText(), /INFO log iteration 4999$/);

    // The other tabs still switch.
    await ui.page.getByRole('link', { name: 'Outputs' }).click();
    await ui.page.locator('.outputs', { hasText: 'SUCCESS: 5000' }).waitFor();
    await ui.page.getByRole('link', { name: 'Topology' }).click();
    await ui.page.locator('.flow-graph g.graph-node[aria-label="each"]').waitFor();
    await ui.page.getByRole('link', { name: 'Gantt' }).click();
    await ui.page.getByLabel('Search task runs').waitFor();
    ui.assertNoErrors();
  });
});
