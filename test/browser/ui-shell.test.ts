/**
 * The UI's frame, served by `tflow server`: `/` leads to it, the flows list shows deployed flows,
 * filters by namespace and text, imports a YAML file, and the tenant paths (`/ui/main/…`) work too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTflowUi, type TflowUi } from './tflow-ui';
import { browserMissing } from './web-ui';

describe('web UI: frame and flows list', { skip: browserMissing() }, () => {
  let ui: TflowUi;
  const flow = (id: string) =>
    `id: ${id}\nnamespace: ${ui.namespace}\nlabels:\n  team: data\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n`;

  before(async () => {
    ui = await openTflowUi();
    await ui.deploy(flow('first_flow'));
    await ui.deploy(flow('second_flow'));
  });
  after(async () => ui?.close());

  it('/ redirects to the UI, which asks for credentials and sends a strict Content-Security-Policy', async () => {
    const root = await fetch(ui.url('/'), { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/ui/');
    const anonymous = await fetch(ui.url('/ui/flows'));
    assert.equal(anonymous.status, 401);
    const page = await ui.page.goto(ui.url('/ui/flows'));
    assert.match(page?.headers()['content-security-policy'] ?? '', /script-src 'self'(;|$)/);
    assert.equal(page?.headers()['cache-control'], 'no-cache');
    ui.assertNoErrors();
  });

  it('lists the flows of a namespace, filters them by text and opens one', async () => {
    await ui.page.goto(ui.url(`/ui/flows?namespace=${ui.namespace}`));
    const rows = ui.page.locator('table.list tbody tr');
    await rows.filter({ hasText: 'second_flow' }).waitFor();
    assert.deepEqual(await rows.locator('td:first-child').allInnerTexts(), ['first_flow', 'second_flow']);
    assert.match(await rows.first().innerText(), /team:data/);
    await ui.page.getByLabel('Search').fill('second');
    await rows.filter({ hasText: 'first_flow' }).waitFor({ state: 'detached' });
    assert.deepEqual(await rows.locator('td:first-child').allInnerTexts(), ['second_flow']);
    await ui.screenshot('ui-flows');
    await rows.getByRole('link', { name: 'second_flow' }).click();
    await ui.page.waitForURL(`**/ui/flows/edit/${ui.namespace}/second_flow/topology`);
    await ui.page.getByRole('heading', { name: `${ui.namespace}.second_flow` }).waitFor();
    ui.assertNoErrors();
  });

  it('imports a YAML file from the Import button, and shows the refusal of a broken one', async () => {
    await ui.page.goto(ui.url(`/ui/main/flows?namespace=${ui.namespace}`));
    await ui.page.locator('table.list tbody tr').first().waitFor();
    await ui.page
      .locator('input[type=file]')
      .setInputFiles({ name: 'third.yaml', mimeType: 'application/x-yaml', buffer: Buffer.from(flow('third_flow')) });
    await ui.page.locator('table.list tbody tr', { hasText: 'third_flow' }).waitFor();
    const broken = `id: broken\nnamespace: ${ui.namespace}\ntasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Nope\n`;
    ui.expectFailure('POST', /\/api\/v1\/flows\/import$/, 422);
    await ui.page.locator('input[type=file]').setInputFiles({ name: 'broken.yaml', mimeType: 'application/x-yaml', buffer: Buffer.from(broken) });
    const alert = ui.page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Nope/);
    ui.assertNoErrors();
  });
});
