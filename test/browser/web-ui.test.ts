/**
 * What a user sees of tflow runs in the Temporal Web UI, checked in a real browser (Debian's
 * chromium through playwright-core) against the dev server's UI on :8233.
 *
 * Runs: the course taxi flow (two green months and a yellow one, generated data, throwaway
 * database, as in test/integration/taxi-flow.test.ts) and test/flows/browser/web_ui_tour.yaml
 * (Parallel, ForEach, a Pause the test resumes, a failing task). Screenshots go to
 * TFLOW_SCREENSHOTS_DIR when set (`npm run screenshots` writes docs/screenshots for the README).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { executionResult, queryExecution, resumeExecution, startExecution } from '../../src/client/executions';
import { compileFlowFile } from '../../src/compiler/compile';
import type { FlowSpec, TaskSpec } from '../../src/workflow/flow/spec';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { FIXTURES, PROJECT_ROOT } from '../helpers/paths';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';
import { generateTaxiFile, startTaxiDataServer, writeWgetShim, type TaxiDataServer } from '../../src/demo/taxi-data';
import {
  browserMissing,
  eventually,
  executionUrl,
  listRows,
  mainText,
  open,
  openWebUi,
  userMetadata,
  workflowsUrl,
  type ListRow,
  type WebUi,
} from './web-ui';

const TAXI_TYPE = 'zoomcamp.02_postgres_taxi';
const TOUR_TYPE = 'tflow.browser.web_ui_tour';
const TOUR_ERROR =
  'Task publish_report failed: Command failed with exit code 3; last lines of stderr: s3://reports/quarterly is not writable: access denied';

/** The runnable tasks (activities) of a flow, by id, with their types. */
function runnableTasks(tasks: TaskSpec[], found = new Map<string, string>()): Map<string, string> {
  for (const task of tasks) {
    if (task.kind === 'runnable') found.set(task.id, task.type);
    for (const children of Object.values(task.children ?? {})) runnableTasks(children, found);
  }
  return found;
}

const compile = (file: string): FlowSpec => {
  const { spec, diagnostics } = compileFlowFile(file);
  assert.ok(spec, JSON.stringify(diagnostics));
  return spec;
};

describe('the Temporal Web UI shows tflow runs as flows', { timeout: 180_000, skip: browserMissing() }, () => {
  let fixture: TemporalFixture;
  let ui: WebUi;
  let db: TestDatabase;
  let server: TaxiDataServer;
  let workDir: string;
  let taxiSpec: FlowSpec;
  let tourSpec: FlowSpec;
  const taxi: Record<string, { handle: WorkflowHandle; execution: Execution }> = {};
  let tour: WorkflowHandle;
  /** Restricts lists to this test's runs (the dev server keeps every other test's too). */
  let ownRuns: string;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'tflow-web-ui-'));
    const dataDir = join(workDir, 'data');
    await generateTaxiFile({ taxi: 'green', year: 2019, month: 1, rows: 800, dir: dataDir });
    await generateTaxiFile({ taxi: 'green', year: 2019, month: 2, rows: 600, dir: dataDir });
    await generateTaxiFile({ taxi: 'yellow', year: 2019, month: 1, rows: 600, dir: dataDir });
    server = await startTaxiDataServer(dataDir);
    const shimDir = join(workDir, 'bin');
    await writeWgetShim(shimDir, server.baseUrl);
    db = await createTestDatabase('tflow_web_ui');
    process.env.PATH = `${shimDir}:${process.env.PATH}`;
    process.env.TFLOW_STORAGE = join(workDir, 'storage');
    process.env.TFLOW_JDBC_URL_ALIASES = JSON.stringify({ 'jdbc:postgresql://pgdatabase:5432/ny_taxi': db.jdbcUrl });
    taxiSpec = compile(join(PROJECT_ROOT, 'flows', '02_postgres_taxi.yaml'));
    tourSpec = compile(join(FIXTURES, 'browser', 'web_ui_tour.yaml'));
    fixture = await startTemporalFixture();
    ownRuns = `TaskQueue = '${fixture.config.taskQueue}'`;
    ui = await openWebUi(fixture.config.webUiUrl, fixture.config.temporalNamespace);

    // The tour runs up to its Pause while the taxi months load one after the other.
    tour = await startExecution(fixture.client, fixture.config, tourSpec, { inputs: { report: 'quarterly' } });
    for (const [key, inputs] of Object.entries({
      green01: { taxi: 'green', year: '2019', month: '01' },
      green02: { taxi: 'green', year: '2019', month: '02' },
      yellow01: { taxi: 'yellow', year: '2019', month: '01' },
    })) {
      const handle = await startExecution(fixture.client, fixture.config, taxiSpec, { inputs });
      const execution = await executionResult(handle);
      assert.equal(execution.state, 'SUCCESS', execution.error);
      taxi[key] = { handle, execution };
    }
    await eventually('the tour paused', async () => ((await queryExecution(tour)).state === 'PAUSED' ? true : undefined));
    console.error(`web UI screenshots: ${ui.screenshotDir}`);
  });
  after(async () => {
    await ui?.close();
    // Leaves no execution waiting when a test failed half-way.
    await tour?.cancel().catch(() => undefined);
    await fixture?.close();
    await server?.close();
    await db?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  /** Reloads a list until `ready` accepts its rows (visibility catches up within seconds). */
  async function listUntil(query: string, ready: (rows: ListRow[]) => boolean): Promise<ListRow[]> {
    return eventually(`workflow list for ${query}`, async () => {
      await open(ui.page, workflowsUrl(ui, query), ui.page.getByTestId('workflows-summary-table-header-cell-FlowState'));
      await ui.page
        .getByTestId('workflows-summary-configurable-table-row')
        .first()
        .waitFor({ state: 'visible', timeout: 5_000 })
        .catch(() => undefined);
      const rows = await listRows(ui.page);
      return ready(rows) ? rows : undefined;
    });
  }

  const rowOf = (rows: ListRow[], id: string) => rows.find((r) => r['Workflow ID'] === id);

  /** Opens a run's page and waits for `text` to show (histories of running flows grow). */
  async function openRun(handle: WorkflowHandle, tab: 'history' | 'user-metadata', text: string | RegExp): Promise<string> {
    return eventually(`${text} on ${handle.workflowId}/${tab}`, async () => {
      await open(
        ui.page,
        executionUrl(ui, handle.workflowId, (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId, tab),
        ui.page.getByTestId('workflow-id-heading'),
      );
      await ui.page.getByText(text).first().waitFor({ state: 'visible', timeout: 5_000 });
      return mainText(ui.page);
    });
  }

  /** The run's User Metadata tab, once its current details (a live query) say `ready`. */
  async function metadataOf(handle: WorkflowHandle, ready: RegExp): Promise<{ summary: string; details: string; currentDetails: string }> {
    return eventually(`user metadata of ${handle.workflowId}`, async () => {
      await openRun(handle, 'user-metadata', 'Current Details');
      const metadata = await userMetadata(ui.page);
      return ready.test(metadata.currentDetails) ? metadata : undefined;
    });
  }

  it('lists every run under its flow, with its tflow state, revision and labels beside Temporal status', async () => {
    const rows = await listUntil(ownRuns, (rows) => rows.length === 4 && rowOf(rows, tour.workflowId)?.FlowState === 'PAUSED');
    for (const { handle, execution } of Object.values(taxi)) {
      const row = rowOf(rows, handle.workflowId);
      assert.ok(row, `${handle.workflowId} in ${JSON.stringify(rows)}`);
      assert.equal(row.Type, TAXI_TYPE);
      assert.equal(row.Status, 'Completed');
      assert.equal(row.FlowState, 'SUCCESS');
      assert.equal(row.FlowRevision, '1');
      assert.deepEqual(row.Labels.split(',').sort(), [
        `file:${execution.labels.file}`,
        `system.correlationId:${execution.id}`,
        `taxi:${execution.labels.taxi}`,
      ]);
    }
    // Paused is a tflow state Temporal has not: the workflow is Running, FlowState says why it waits.
    assert.deepEqual(
      { ...rowOf(rows, tour.workflowId), Start: undefined, End: undefined },
      {
        'Workflow ID': tour.workflowId,
        Type: TOUR_TYPE,
        Status: 'Running',
        FlowState: 'PAUSED',
        Labels: `system.correlationId:${tour.workflowId},team:data`,
        FlowRevision: '1',
        Start: undefined,
        End: undefined,
      },
    );
    await ui.page.screenshot({ path: join(ui.screenshotDir, 'workflow-list.png') });
  });

  it("finds the green runs by label: Labels = 'taxi:green' in the query box, and as the URL's query parameter", async () => {
    const greenIds = [taxi.green01.handle.workflowId, taxi.green02.handle.workflowId].sort();
    const query = `Labels = 'taxi:green' AND ${ownRuns}`;
    await open(ui.page, workflowsUrl(ui), ui.page.getByTestId('toggle-manual-query'));
    // The raw query box opens with the </> button (it may already be open).
    const queryBox = ui.page.getByTestId('manual-search-input');
    if (!(await queryBox.isVisible())) await ui.page.getByTestId('toggle-manual-query').click();
    await queryBox.fill(query);
    await ui.page.getByTestId('manual-search-button').click();
    await ui.page.waitForURL((url) => url.searchParams.get('query')?.includes("Labels = 'taxi:green'") ?? false);
    const typed = await eventually(
      'rows of the typed query',
      async () => {
        const rows = await listRows(ui.page);
        return rows.length === 2 ? rows : undefined;
      },
      10_000,
    ).catch(() => listUntil(query, (rows) => rows.length === 2));
    assert.deepEqual(typed.map((r) => r['Workflow ID']).sort(), greenIds);
    await ui.page.screenshot({ path: join(ui.screenshotDir, 'label-filter.png') });

    const yellow = await listUntil(`Labels = 'taxi:yellow' AND ${ownRuns}`, (rows) => rows.length === 1);
    assert.equal(yellow[0]['Workflow ID'], taxi.yellow01.handle.workflowId);
  });

  it("names the flow, its revision and inputs in the run's summary and details", async () => {
    const { handle } = taxi.green01;
    const { summary, details, currentDetails } = await metadataOf(handle, /SUCCESS/);
    assert.equal(summary, 'zoomcamp.02_postgres_taxi rev 1: taxi=green, year=2019, month=01');
    assert.match(details, /^Flow zoomcamp\.02_postgres_taxi, revision 1\n/);
    assert.match(details, /^Inputs taxi: "green", year: "2019", month: "01"$/m);
    // Current details come from the live workflow (a worker answers): the final state and task runs.
    assert.match(currentDetails, /^zoomcamp\.02_postgres_taxi — SUCCESS\n/);
    assert.match(currentDetails, /green_copy_in_to_staging_table\s+SUCCESS\s+1/);
    await ui.page.screenshot({ path: join(ui.screenshotDir, 'summary-and-details.png') });
  });

  it('shows each activity in the event history and the timeline under its task id', async () => {
    const { handle, execution } = taxi.green01;
    const activities = runnableTasks(taxiSpec.tasks);
    const ran = execution.taskRuns.filter((r) => activities.has(r.taskId)).map((r) => r.taskId);
    assert.deepEqual(ran, [
      'extract',
      'green_create_table',
      'green_create_staging_table',
      'green_truncate_staging_table',
      'green_copy_in_to_staging_table',
      'green_add_unique_id_and_filename',
      'green_merge_data',
      'purge_files',
    ]);
    const text = await openRun(handle, 'history', 'Workflow Execution Completed');
    for (const taskId of ran) {
      // Timeline: "<task type> • <task id>"; event history: the Activity Task Scheduled event's summary.
      assert.ok(text.includes(`${activities.get(taskId)} • ${taskId}\n`), `timeline shows ${taskId}`);
      assert.match(
        text,
        new RegExp(`Activity Type\\s+${activities.get(taskId)!.replace(/\./g, '\\.')}\\s+Summary\\s+${taskId}\\s`),
        `history shows ${taskId}`,
      );
    }
    const timeline = ui.page.locator('svg').filter({ hasText: 'green_merge_data' }).first();
    await timeline.screenshot({ path: join(ui.screenshotDir, 'taxi-timeline.png') });
  });

  it('shows the Pause as a wait named after the task while the run is paused, and says how to resume it', async () => {
    const text = await openRun(tour, 'history', /^approve_publish$/);
    for (const taskId of ['fetch_green', 'fetch_yellow', 'load_month [01]', 'load_month [02]', 'load_month [03]']) {
      assert.ok(text.includes(`io.kestra.plugin.scripts.shell.Commands • ${taskId}\n`), `timeline shows ${taskId}`);
    }
    assert.match(text, /Timer Started\s+Start To Fire Timeout\s+[^\n]+\s+Summary\s+approve_publish\s/);
    await ui.page.screenshot({ path: join(ui.screenshotDir, 'paused-timeline.png') });

    const { currentDetails } = await metadataOf(tour, /PAUSED/);
    assert.match(currentDetails, /^tflow\.browser\.web_ui_tour — PAUSED\n/);
    assert.ok(currentDetails.includes(`⏸ approve_publish is paused: resume it with tflow resume ${tour.workflowId}`), currentDetails);
  });

  it('shows the failed task and its error message in words once the run is resumed and fails', async () => {
    assert.deepEqual(await resumeExecution(tour), ['approve_publish']);
    const execution = await executionResult(tour);
    assert.equal(execution.state, 'FAILED');
    const text = await openRun(tour, 'history', 'Workflow Execution Failed');
    assert.ok(text.includes(`Failure Message\n${TOUR_ERROR}`) || text.includes(TOUR_ERROR), text.slice(0, 4000));
    assert.ok(text.includes('io.kestra.plugin.scripts.shell.Commands • publish_report\n'), 'timeline shows publish_report');
    assert.match(
      await ui.page
        .getByTestId('workflow-status')
        .first()
        .innerText()
        .catch(() => text),
      /Failed/,
    );
    await ui.page.screenshot({ path: join(ui.screenshotDir, 'failure.png') });

    const rows = await listUntil(ownRuns, (rows) => rowOf(rows, tour.workflowId)?.FlowState === 'FAILED');
    assert.equal(rowOf(rows, tour.workflowId)?.Status, 'Failed');
    const { currentDetails } = await metadataOf(tour, /FAILED/);
    assert.ok(
      currentDetails.includes(
        '✖ publish_report failed: Command failed with exit code 3; last lines of stderr: s3://reports/quarterly is not writable: access denied',
      ),
      currentDetails,
    );
  });
});
