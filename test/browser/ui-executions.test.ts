/**
 * The execution pages of the web UI: Execute from a flow's inputs form (values, a FILE upload, the
 * API's 422 by its field), the execution page (state, Gantt, live logs, outputs with file preview
 * and download, Kill, Resume with onResume inputs) and the executions list's filters.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openTflowUi, type TflowUi } from './tflow-ui';
import { browserMissing } from './web-ui';

describe('web UI: executions', { skip: browserMissing() }, () => {
  let ui: TflowUi;

  before(async () => {
    ui = await openTflowUi();
    await ui.deploy(await ui.repositoryFlow('flows/01_hello_world.yaml'));
  });
  after(async () => ui?.close());

  const waitForState = (state: string) => ui.page.locator('.execution-overview .state', { hasText: state }).waitFor({ timeout: 60_000 });

  /** Starts an execution through the API and opens its page. */
  async function openNewExecution(flowId: string, labels = ''): Promise<string> {
    const response = await ui.api(`/executions/${ui.namespace}/${flowId}${labels}`, { method: 'POST', body: new FormData() });
    const body = await response.text();
    assert.equal(response.status, 200, body);
    const { id } = JSON.parse(body) as { id: string };
    await ui.page.goto(ui.url(`/ui/executions/${ui.namespace}/${flowId}/${id}`));
    return id;
  }

  /** Opens the flow's Execute dialog. */
  async function openExecuteForm(flowId: string) {
    await ui.page.goto(ui.url(`/ui/flows/edit/${ui.namespace}/${flowId}/executions`));
    await ui.page.getByRole('button', { name: 'Execute' }).click();
    return ui.page.getByRole('dialog');
  }

  it('executes hello-world from its form with a typed value, seen in the logs, the Gantt and the outputs', async () => {
    const dialog = await openExecuteForm('01_hello_world');
    const name = dialog.getByLabel('name');
    assert.equal(await name.inputValue(), 'Will', 'prefilled with the default');
    await name.fill('Ada Lovelace');
    await dialog.getByRole('button', { name: 'Execute' }).click();
    await ui.page.waitForURL(`**/ui/executions/${ui.namespace}/01_hello_world/*/gantt`);
    await waitForState('SUCCESS');
    const gantt = ui.page.locator('.gantt tbody tr');
    assert.deepEqual(await gantt.locator('td:first-child').allInnerTexts(), ['hello_message', 'generate_output', 'log_output', 'goodbye_message']);
    assert.match(await ui.page.getByLabel('Inputs').innerText(), /name: Ada Lovelace/);
    await ui.screenshot('ui-execution-gantt');

    await ui.page.getByRole('link', { name: 'Logs' }).click();
    const lines = ui.page.getByLabel('Log lines').locator('li');
    await lines.filter({ hasText: 'Goodbye, Ada Lovelace!' }).waitFor();
    assert.match(await lines.filter({ hasText: 'Hello, Ada Lovelace!' }).innerText(), /INFO hello_message Hello, Ada Lovelace!/);
    await ui.page.getByLabel('Search logs').fill('goodbye');
    await lines.filter({ hasText: 'Hello, Ada' }).waitFor({ state: 'detached' });
    assert.equal(await lines.count(), 1);
    await ui.screenshot('ui-execution-logs');

    await ui.page.getByRole('link', { name: 'Outputs' }).click();
    await ui.page.locator('.outputs', { hasText: 'I was generated during this workflow.' }).waitFor();

    // The Topology tab: the flow's graph, each task with its run's state.
    await ui.page.getByRole('link', { name: 'Topology' }).click();
    const taskBox = (taskId: string) => ui.page.locator(`.flow-graph g.graph-node[aria-label="${taskId}"]`);
    await taskBox('hello_message').waitFor();
    for (const taskId of ['hello_message', 'generate_output', 'log_output', 'goodbye_message']) {
      assert.match((await taskBox(taskId).getAttribute('class')) ?? '', /\bstate-success\b/, taskId);
      assert.match((await taskBox(taskId).textContent()) ?? '', /· SUCCESS/, taskId);
    }
    await ui.screenshot('ui-execution-topology');
    ui.assertNoErrors();
  });

  it('uploads a FILE input from the form; a file a task wrote is previewed, sized and downloaded', async () => {
    await ui.deploy(`id: files
namespace: ${ui.namespace}
inputs:
  - id: data
    type: FILE
    displayName: Data file
tasks:
  - id: extract
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      data.csv: "{{ inputs.data }}"
    outputFiles: ["trips.csv"]
    commands:
      - cp data.csv trips.csv
`);
    const csv = 'id,city\n1,Paris\n2,Lima\n';
    const dialog = await openExecuteForm('files');
    await dialog.getByLabel('Data file').setInputFiles({ name: 'data.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await dialog.getByRole('button', { name: 'Execute' }).click();
    await ui.page.waitForURL('**/files/*/gantt');
    await waitForState('SUCCESS');
    await ui.page.getByRole('link', { name: 'Outputs' }).click();
    const file = ui.page.locator('.outputs .file-output', { hasText: 'trips.csv' });
    await file.getByText(`${Buffer.byteLength(csv)} B`).waitFor();
    await file.getByRole('button', { name: 'Preview trips.csv' }).click();
    const preview = file.getByRole('region', { name: 'Preview of trips.csv' });
    await preview.locator('tbody tr').nth(1).waitFor(); // the preview is fetched after the click
    assert.deepEqual(await preview.locator('tbody tr').allInnerTexts(), ['1\tParis', '2\tLima']);
    await ui.screenshot('ui-execution-outputs');
    const [download] = await Promise.all([ui.page.waitForEvent('download'), file.getByRole('link', { name: 'Download trips.csv' }).click()]);
    assert.equal(download.suggestedFilename(), 'trips.csv');
    assert.equal(await readFile((await download.path())!, 'utf8'), csv);
    ui.assertNoErrors();
  });

  it('kills a running execution, and resumes a paused one with its onResume value', async () => {
    await ui.deploy(`id: sleepy
namespace: ${ui.namespace}
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
`);
    await ui.deploy(`id: approval
namespace: ${ui.namespace}
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: reason
        type: STRING
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "Approved because {{ outputs.approve.onResume.reason }}"
`);
    const sleepyId = await openNewExecution('sleepy', '?labels=team:ui');
    await waitForState('RUNNING');
    const temporalLink = await ui.page.getByRole('link', { name: 'Temporal Web UI' }).getAttribute('href');
    assert.equal(temporalLink, `${ui.fixture.config.webUiUrl}/namespaces/${ui.fixture.config.temporalNamespace}/workflows/${sleepyId}`);
    await ui.page.getByRole('button', { name: 'Kill' }).click();
    await waitForState('KILLED');
    await ui.page.getByRole('button', { name: 'Restart' }).waitFor();

    await openNewExecution('approval');
    await waitForState('PAUSED');
    await ui.page.getByRole('button', { name: 'Resume' }).click();
    const dialog = ui.page.getByRole('dialog', { name: 'Resume' });
    await dialog.getByLabel('reason').fill('looks good');
    await dialog.getByRole('button', { name: 'Resume' }).click();
    await waitForState('SUCCESS');
    await ui.page.getByRole('link', { name: 'Logs' }).click();
    await ui.page.getByLabel('Log lines').getByText('Approved because looks good').waitFor();
    ui.assertNoErrors();
  });

  it('lists executions filtered by state and by label; a row opens its execution', async () => {
    await ui.page.goto(ui.url(`/ui/executions?namespace=${ui.namespace}`));
    const rows = ui.page.locator('table.executions tbody tr');
    await rows.filter({ hasText: 'sleepy' }).waitFor();
    assert.equal(await rows.count(), 4, 'hello, files, sleepy, approval');
    await ui.screenshot('ui-executions');
    await ui.page.getByLabel('State').selectOption('KILLED');
    await rows.filter({ hasText: 'approval' }).waitFor({ state: 'detached' });
    assert.deepEqual(await rows.locator('td:nth-child(5)').allInnerTexts(), ['sleepy']);
    await ui.page.getByLabel('State').selectOption('');
    await ui.page.getByLabel('Label').fill('team:ui');
    await rows.filter({ hasText: 'approval' }).waitFor({ state: 'detached' });
    assert.deepEqual(await rows.locator('td:nth-child(5)').allInnerTexts(), ['sleepy']);
    await rows.first().getByRole('link').click();
    await ui.page.waitForURL(`**/ui/executions/${ui.namespace}/sleepy/*/gantt`);
    await waitForState('KILLED');

    await ui.page.goto(ui.url(`/ui/flows/edit/${ui.namespace}/01_hello_world/logs`));
    await ui.page.getByLabel('Log lines').getByText('Goodbye, Ada Lovelace!').waitFor();
    ui.assertNoErrors();
  });

  it("shows the API's 422 message next to the field it is about", async () => {
    await ui.deploy(`id: bounded
namespace: ${ui.namespace}
inputs:
  - id: count
    type: INT
    min: 10
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.count }}"
`);
    const dialog = await openExecuteForm('bounded');
    await dialog.getByLabel('count').fill('3');
    ui.expectFailure('POST', new RegExp(`/api/v1/executions/${ui.namespace}/bounded$`), 422);
    await dialog.getByRole('button', { name: 'Execute' }).click();
    const message = dialog.locator('.field', { has: ui.page.getByLabel('count') }).getByRole('alert');
    assert.match(await message.innerText(), /Invalid input for `count`.*10/);
    assert.match(ui.page.url(), /\/flows\/edit\//, 'no execution page opened');
    ui.assertNoErrors();
  });
});
