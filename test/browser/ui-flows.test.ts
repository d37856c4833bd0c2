/**
 * The flow pages and the namespace pages, driven in chromium against a real `tflow server`:
 * the taxi flow's topology, the editor's inline diagnostics and Save (a new revision), the
 * Backfill form of a Schedule (built from the flow's inputs), a namespace's KV pairs and its tree of
 * files.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTflowUi, type TflowUi } from './tflow-ui';
import { browserMissing, eventually } from './web-ui';

const LOG_TYPE = 'io.kestra.plugin.core.log.Log';

describe('web UI: flow editor, topology, revisions, triggers, namespaces', { skip: browserMissing() }, () => {
  let ui: TflowUi;
  before(async () => {
    ui = await openTflowUi();
  });
  after(async () => ui?.close());

  /** Replaces the whole text of the CodeMirror editor named `label`, as a paste would. */
  async function replaceEditorText(label: string, text: string) {
    const editor = ui.page.getByRole('textbox', { name: label });
    await editor.click();
    await ui.page.keyboard.press('Control+A');
    await ui.page.keyboard.insertText(text);
  }

  it("imports the course's taxi flow and shows its topology with the If branches' tasks, and a task's YAML on click", async () => {
    const source = await ui.repositoryFlow('flows/02_postgres_taxi.yaml');
    await ui.page.goto(ui.url(`/ui/flows?namespace=${ui.namespace}`));
    await ui.page.locator('input[type=file]').setInputFiles({ name: 'taxi.yaml', mimeType: 'application/x-yaml', buffer: Buffer.from(source) });
    await ui.page.getByRole('link', { name: '02_postgres_taxi' }).click();
    await ui.page.waitForURL(`**/ui/flows/edit/${ui.namespace}/02_postgres_taxi/topology`);
    const graph = ui.page.getByRole('img', { name: 'Flow topology' });
    for (const task of ['extract', 'if_yellow_taxi', 'yellow_create_table', 'yellow_merge_data', 'if_green_taxi', 'green_merge_data', 'purge_files'])
      await graph.getByRole('button', { name: task, exact: true }).waitFor();
    assert.match((await graph.textContent()) ?? '', /if_yellow_taxi · If/);
    assert.match((await graph.textContent()) ?? '', /then/);
    await graph.getByRole('button', { name: 'yellow_copy_in_to_staging_table', exact: true }).click();
    const detail = ui.page.getByRole('complementary', { name: 'Task source' });
    assert.match(await detail.innerText(), /io\.kestra\.plugin\.jdbc\.postgresql\.CopyIn/);
    assert.match(await detail.locator('pre').innerText(), /id: yellow_copy_in_to_staging_table/);
    await ui.screenshot('ui-topology');
    ui.assertNoErrors();
  });

  it('shows a deliberate error at its line as you type, and saves the fix as revision 2', async () => {
    const good = `id: edited\nnamespace: ${ui.namespace}\ntasks:\n  - id: hello\n    type: ${LOG_TYPE}\n    message: hi\n`;
    await ui.deploy(good);
    await ui.page.goto(ui.url(`/ui/flows/edit/${ui.namespace}/edited/editor`));
    await ui.page.getByRole('textbox', { name: 'Flow YAML' }).waitFor();
    await replaceEditorText('Flow YAML', good.replace(LOG_TYPE, 'io.kestra.plugin.core.log.Nope'));
    const underline = ui.page.locator('.cm-lintRange-error').first();
    await underline.waitFor();
    await underline.hover();
    const tooltip = ui.page.locator('.cm-tooltip-lint');
    await tooltip.waitFor();
    assert.match(await tooltip.innerText(), /^line 5:\d+: .*io\.kestra\.plugin\.core\.log\.Nope/);
    await ui.screenshot('ui-editor');
    await ui.page.mouse.move(0, 0); // the tooltip goes away

    await replaceEditorText('Flow YAML', good.replace('message: hi', 'message: hello again'));
    await ui.page.locator('.cm-lintRange-error').waitFor({ state: 'detached' });
    await ui.page.getByRole('button', { name: 'Save' }).click();
    await ui.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const stored = (await (await ui.api(`/flows/${ui.namespace}/edited`)).json()) as { revision: number; source: string };
    assert.equal(stored.revision, 2);
    assert.match(stored.source, /message: hello again/);

    await ui.page.getByRole('link', { name: 'Revisions' }).click();
    await ui.page.getByRole('button', { name: 'View revision 2' }).waitFor();
    assert.deepEqual(await ui.page.locator('.revisions table.list tbody td:first-child').allInnerTexts(), ['2', '1']);
    const diff = ui.page.getByRole('region', { name: 'Diff' }).locator('pre');
    assert.match(await diff.innerText(), /- {5}message: hi\n\+ {5}message: hello again/);
    await ui.page.getByRole('button', { name: 'View revision 1' }).click();
    assert.match(await ui.page.getByRole('region', { name: 'Revision 1' }).innerText(), /message: hi/);
    await ui.screenshot('ui-revisions');
    ui.assertNoErrors();
  });

  it('creates a new flow from the Create button, with completion of its task type and properties, and opens it', async () => {
    await ui.page.goto(ui.url('/ui/flows'));
    await ui.page.getByRole('link', { name: 'Create' }).click();
    await ui.page.waitForURL('**/ui/flows/new');
    await ui.page.getByRole('textbox', { name: 'Flow YAML' }).waitFor();
    await replaceEditorText('Flow YAML', `id: created\nnamespace: ${ui.namespace}\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.`);
    await ui.page.keyboard.type('Lo');
    const completion = ui.page.locator('.cm-tooltip-autocomplete');
    // Options are clicked, not taken with Enter: an Enter that lands before the list has caught up with
    // the last keystroke would insert a newline instead.
    await completion.getByRole('option', { name: LOG_TYPE }).click();
    await ui.page.keyboard.insertText('\n    ');
    await ui.page.keyboard.type('mess');
    await completion.getByRole('option', { name: 'message' }).click();
    await ui.page.keyboard.insertText('new\n');
    await ui.page.getByRole('button', { name: 'Save' }).click();
    await ui.page.waitForURL(`**/ui/flows/edit/${ui.namespace}/created/editor`);
    const created = (await (await ui.api(`/flows/${ui.namespace}/created`)).json()) as { source: string };
    assert.match(created.source, new RegExp(`type: ${LOG_TYPE.replaceAll('.', '\\.')}\\n    message: new`));
    ui.assertNoErrors();
  });

  it("lists a Schedule with its cron, pauses it with the switch, and backfills it from the Backfill form built from the flow's inputs", async () => {
    await ui.deploy(`id: scheduled
namespace: ${ui.namespace}
inputs:
  - id: who
    type: STRING
    defaults: world
  - id: taxi
    type: SELECT
    displayName: Taxi colour
    values: [yellow, green]
    defaults: yellow
  - id: trips
    type: INT
    min: 1
    defaults: 10
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
    timezone: Europe/Paris
tasks:
  - id: hello
    type: ${LOG_TYPE}
    message: "hi {{ inputs.who }} from the {{ inputs.taxi }} taxi"
`);
    await ui.page.goto(ui.url(`/ui/flows/edit/${ui.namespace}/scheduled/triggers`));
    const row = ui.page.locator('.triggers table.list tbody tr', { hasText: 'hourly' });
    await row.waitFor();
    assert.match(await row.innerText(), /Schedule\s+0 \* \* \* \*\s+Europe\/Paris/);
    const enabled = ui.page.getByRole('switch', { name: 'Enable hourly' });
    assert.equal(await enabled.isChecked(), true);
    await enabled.click();
    await eventually('the switch to turn off', async () => ((await enabled.isChecked()) ? undefined : true));
    const search = (await (await ui.api(`/triggers/search?namespace=${ui.namespace}&flowId=scheduled`)).json()) as {
      results: { triggerContext: { disabled: boolean } }[];
    };
    assert.equal(search.results[0].triggerContext.disabled, true);

    await row.getByRole('button', { name: 'Backfill' }).click();
    const form = ui.page.getByRole('form', { name: 'Backfill hourly' });
    await form.getByLabel('Start').fill('2024-01-01T00:00');
    await form.getByLabel('End').fill('2024-01-01T03:00');
    // The flow's inputs, labelled and prefilled with their defaults.
    assert.equal(await form.getByLabel('who', { exact: true }).inputValue(), 'world');
    const taxi = form.getByLabel('Taxi colour', { exact: true });
    assert.equal(await taxi.inputValue(), 'yellow');
    await taxi.selectOption('green');
    await form.getByLabel('Label 1 key').fill('origin');
    await form.getByLabel('Label 1 value').fill('ui');
    await form.getByRole('button', { name: 'Add label' }).click();
    await form.getByLabel('Label 2 key').fill('team');
    await form.getByLabel('Label 2 value').fill('data');
    await ui.screenshot('ui-backfill');
    await form.getByRole('button', { name: 'Start backfill' }).click();
    await ui.page.getByRole('status').filter({ hasText: 'Backfill of hourly started' }).waitFor();
    const executions = await eventually('three backfill executions', async () => {
      const response = await ui.api(`/executions/search?namespace=${ui.namespace}&flowId=scheduled&labels=backfill:true&size=10`);
      const page = (await response.json()) as { total: number; results: { id: string }[] };
      return page.total === 3 ? page.results : undefined;
    });
    for (const { id } of executions) {
      const execution = (await (await ui.api(`/executions/${id}`)).json()) as {
        inputs: Record<string, unknown>;
        labels: { key: string; value: string }[];
      };
      assert.deepEqual(execution.inputs, { who: 'world', taxi: 'green', trips: 10 });
      const labels = Object.fromEntries(execution.labels.map((l) => [l.key, l.value]));
      assert.equal(labels.origin, 'ui');
      assert.equal(labels.team, 'data');
      assert.equal(labels.backfill, 'true');
    }
    await ui.screenshot('ui-triggers');
    ui.assertNoErrors();
  });

  it("shows the API's refusal of a backfill input under its field", async () => {
    await ui.page.goto(ui.url(`/ui/flows/edit/${ui.namespace}/scheduled/triggers`));
    await ui.page.getByRole('button', { name: 'Backfill' }).click();
    const form = ui.page.getByRole('form', { name: 'Backfill hourly' });
    await form.getByLabel('Start').fill('2024-01-01T00:00');
    await form.getByLabel('End').fill('2024-01-01T01:00');
    await form.getByLabel('trips', { exact: true }).fill('0');
    ui.expectFailure('PUT', /\/api\/v1\/triggers$/, 422);
    await form.getByRole('button', { name: 'Start backfill' }).click();
    const message = form.locator('.field', { has: ui.page.getByLabel('trips', { exact: true }) }).getByRole('alert');
    assert.match(await message.innerText(), /^Invalid input for `trips`.*1/);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
    const backfills = (await (await ui.api(`/executions/search?namespace=${ui.namespace}&flowId=scheduled&size=10`)).json()) as { total: number };
    assert.equal(backfills.total, 3, 'the refused backfill started nothing');
    ui.assertNoErrors();
  });

  it("creates, views, edits and deletes a namespace's KV pair", async () => {
    await ui.page.goto(ui.url('/ui/namespaces'));
    await ui.page.getByRole('link', { name: ui.namespace }).click();
    await ui.page.waitForURL(`**/ui/namespaces/edit/${ui.namespace}/flows`);
    await ui.page.getByRole('link', { name: 'scheduled' }).waitFor();
    await ui.page.getByRole('link', { name: 'KV Store' }).click();
    await ui.page.getByRole('button', { name: 'New key' }).click();
    const form = ui.page.getByRole('form', { name: 'New key' });
    await form.getByLabel('Key').fill('greeting');
    await form.getByLabel('Value').fill('hello');
    await form.getByRole('button', { name: 'Save' }).click();
    await ui.page.getByRole('button', { name: 'View greeting' }).click();
    assert.match(await ui.page.getByRole('region', { name: 'Value of greeting' }).innerText(), /greeting STRING\s+hello/);

    await ui.page.getByRole('button', { name: 'Edit greeting' }).click();
    const edit = ui.page.getByRole('form', { name: 'Edit greeting' });
    assert.equal(await edit.getByLabel('Value').inputValue(), 'hello');
    await edit.getByLabel('Value').fill('{"count": 2}');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    assert.deepEqual(await (await ui.api(`/namespaces/${ui.namespace}/kv/greeting`)).json(), { type: 'JSON', value: { count: 2 } });
    await ui.screenshot('ui-kv');

    ui.page.once('dialog', (dialog) => void dialog.accept());
    await ui.page.getByRole('button', { name: 'Delete greeting' }).click();
    await ui.page.getByRole('button', { name: 'View greeting' }).waitFor({ state: 'detached' });
    assert.equal((await ui.api(`/namespaces/${ui.namespace}/kv/greeting`)).status, 404);
    ui.assertNoErrors();
  });

  it('keeps namespace files in a folder tree: creates a folder and a file in it, edits, moves, renames and deletes them', async () => {
    const files = `/namespaces/${ui.namespace}/files`;
    const stored = async () => (await (await ui.api(`${files}/search`)).json()) as string[];
    const tree = ui.page.getByRole('list', { name: 'Files' });
    const entry = (path: string) => tree.getByRole('button', { name: path, exact: true });
    await ui.page.goto(ui.url(`/ui/namespaces/edit/${ui.namespace}/editor`));
    await ui.page.getByText('No file in this namespace.').waitFor();

    await ui.page.getByLabel('New path').fill('queries');
    await ui.page.getByRole('button', { name: 'New folder' }).click();
    assert.equal(await entry('/queries').getAttribute('aria-expanded'), 'true');
    await ui.page.getByText('In /queries').waitFor();
    await ui.page.getByLabel('New path').fill('report.sql');
    await ui.page.getByRole('button', { name: 'New file' }).click();
    await ui.page.getByRole('textbox', { name: 'Content of /queries/report.sql' }).waitFor();
    await replaceEditorText('Content of /queries/report.sql', 'select 1;\n');
    await ui.page.getByRole('region', { name: 'File /queries/report.sql' }).getByRole('button', { name: 'Save' }).click();
    await eventually('the saved file', async () =>
      (await (await ui.api(`${files}?path=/queries/report.sql`)).text()) === 'select 1;\n' ? true : undefined,
    );
    await entry('/').click();
    await ui.page.getByLabel('New path').fill('readme.md');
    await ui.page.getByRole('button', { name: 'New file' }).click();
    await entry('/readme.md').waitFor();

    // After a reload the folders start collapsed.
    await ui.page.reload();
    await entry('/readme.md').waitFor();
    assert.equal(await entry('/queries').getAttribute('aria-expanded'), 'false');
    assert.equal(await entry('/queries/report.sql').count(), 0);
    await entry('/queries').click();
    await entry('/queries/report.sql').click();
    const editor = ui.page.getByRole('textbox', { name: 'Content of /queries/report.sql' });
    await editor.waitFor();
    assert.deepEqual(
      (await editor.locator('.cm-line').allInnerTexts()).map((line) => line.trim()),
      ['select 1;', ''],
    );
    await ui.screenshot('ui-namespace-files');

    // Move the file to another folder, then rename that folder with a bare name.
    await ui.page.getByLabel('Move to').fill('/sql/trips.sql');
    await ui.page.getByRole('button', { name: 'Move' }).click();
    await entry('/sql/trips.sql').waitFor();
    await entry('/queries').waitFor({ state: 'detached' });
    assert.deepEqual(await stored(), ['/readme.md', '/sql/trips.sql']);
    await ui.page.getByRole('region', { name: 'File /sql/trips.sql' }).waitFor();
    await entry('/sql').click();
    await ui.page.getByLabel('Move to').fill('scripts');
    await ui.page.getByRole('button', { name: 'Move' }).click();
    await entry('/scripts').waitFor();
    assert.deepEqual(await stored(), ['/readme.md', '/scripts/trips.sql']);
    assert.equal(await (await ui.api(`${files}?path=/scripts/trips.sql`)).text(), 'select 1;\n');

    // A path that climbs out is refused by the API, and the message shows.
    await entry('/').click();
    await ui.page.getByLabel('New path').fill('../../etc/passwd');
    ui.expectFailure('POST', /\/files\?path=/, 422);
    await ui.page.getByRole('button', { name: 'New file' }).click();
    assert.match(await ui.page.locator('.namespace-files').getByRole('alert').innerText(), /path: Invalid file name "\.\.\/\.\.\/etc\/passwd"/);

    ui.page.once('dialog', (dialog) => void dialog.accept());
    await entry('/scripts').click();
    await ui.page.getByRole('button', { name: 'Delete' }).click();
    await entry('/scripts').waitFor({ state: 'detached' });
    assert.deepEqual(await stored(), ['/readme.md']);
    ui.assertNoErrors();
  });

  it("shows the API's refusal when a broken flow is saved, and keeps the stored revision", async () => {
    await ui.page.goto(ui.url(`/ui/flows/edit/${ui.namespace}/created/editor`));
    await ui.page.getByRole('textbox', { name: 'Flow YAML' }).waitFor();
    await replaceEditorText(
      'Flow YAML',
      `id: created\nnamespace: ${ui.namespace}\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Nope\n`,
    );
    ui.expectFailure('PUT', new RegExp(`/api/v1/flows/${ui.namespace}/created$`), 422);
    await ui.page.getByRole('button', { name: 'Save' }).click();
    assert.match(await ui.page.getByRole('alert').innerText(), /tasks\[0\]\.type: Invalid type: io\.kestra\.plugin\.core\.log\.Nope/);
    const stored = (await (await ui.api(`/flows/${ui.namespace}/created`)).json()) as { revision: number };
    assert.equal(stored.revision, 1);
    ui.assertNoErrors();
  });
});
