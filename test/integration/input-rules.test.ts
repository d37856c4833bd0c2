/**
 * Kestra's input rules, however an execution gets its inputs: DATE/DATETIME/TIME `after`/`before`
 * and DURATION `min`/`max` (a run, a Subflow, a Pause's onResume), SECRET inputs (masked in logs,
 * sealed in Temporal's history, in clear for the script that uses one), a Schedule trigger that
 * gives no value for a required input (deployed; its runs fail naming the input), and a local file
 * given to `tflow run` for a FILE input.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { executionResult, queryExecution, resumeExecution, ResumeRefusedError, startExecution } from '../../src/client/executions';
import { FlowValidationError } from '../../src/compiler/diagnostics';
import { deleteDeployedFlow, deployFlows, loadDeployedFlow, validateForDeploy } from '../../src/flow-store/deploy';
import { FlowStore } from '../../src/flow-store/flow-store';
import { logsQuery } from '../../src/workflow/definitions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { historyWithPayloads } from '../helpers/histories';
import { PROJECT_ROOT } from '../helpers/paths';
import { purgeNamespace } from '../helpers/flow-store';
import { runWithLogs, startTemporalFixture, type TemporalFixture, triggerScheduleRun } from '../helpers/temporal';

const namespace = `tflow.test.inputrules${randomBytes(3).toString('hex')}`;

const rangedFlow = `id: ranged
namespace: ${namespace}
inputs:
  - id: day
    type: DATE
    after: "2024-01-01"
    before: "2024-12-31"
  - id: wait
    type: DURATION
    min: PT1M
    max: PT1H
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.day }} {{ inputs.wait }}"
`;

const secretFlow = `id: with_secret
namespace: ${namespace}
inputs:
  - id: password
    type: SECRET
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "The password is {{ inputs.password }}"
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      PASSWORD: "{{ inputs.password }}"
      NAME: hunter22
    commands:
      - 'if [ "$PASSWORD" = "s3cr3t-$NAME" ]; then echo "the script got it"; fi'
      - echo "and printed $PASSWORD"
`;

/** A required input that the Schedule trigger gives no value for; the cron never comes during the test. */
const scheduledFlow = `id: needs_month
namespace: ${namespace}
inputs:
  - id: month
    type: STRING
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.month }}"
triggers:
  - id: monthly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 1 1 *"
`;

describe('input rules', { timeout: 240_000 }, () => {
  let fixture: TemporalFixture;
  let flowStore: FlowStore;

  before(async () => {
    fixture = await startTemporalFixture();
    flowStore = FlowStore.connect(fixture.config.databaseUrl);
  });
  after(async () => {
    if (flowStore) {
      for (const flowId of ['needs_month', 'ranged'])
        await deleteDeployedFlow({ flowStore, client: fixture.client }, `${namespace}/${flowId}`).catch(() => undefined);
      await flowStore.close();
    }
    await purgeNamespace(namespace);
    await fixture?.close();
  });

  it("DATE `after`/`before` and DURATION `min`/`max`: an out-of-range run is refused with Kestra's message at the input; one in range runs", async () => {
    await assert.rejects(
      startExecution(fixture.client, fixture.config, flow(rangedFlow), { inputs: { day: '2023-12-31', wait: 'PT2H' } }),
      (error) => {
        assert.ok(error instanceof FlowValidationError);
        assert.deepEqual(
          error.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`),
          [
            '4:5 Invalid input for `day`, it must be after `2024-01-01`, but received `2023-12-31`',
            '8:5 Invalid input for `wait`, It must be less than `PT1H`, but received `PT2H`',
          ],
        );
        return true;
      },
    );
    const run = await runWithLogs(fixture, flow(rangedFlow), { inputs: { day: '2024-12-31', wait: 'PT1M' } });
    assert.equal(run.execution.state, 'SUCCESS', run.execution.error);
    assert.deepEqual(run.output('show'), { value: '2024-12-31 PT1M' });
  });

  it('a Subflow giving its child an out-of-range value fails, naming the input; no child starts', async () => {
    const { flows, diagnostics } = validateForDeploy([{ file: 'ranged.yaml', source: rangedFlow }]);
    assert.deepEqual(diagnostics, []);
    await deployFlows({ flowStore, client: fixture.client, config: fixture.config }, flows);
    const parent = flow(`id: parent
namespace: ${namespace}
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: ranged
    inputs:
      day: "2024-06-01"
      wait: PT10S
`);
    const run = await runWithLogs(fixture, parent);
    assert.equal(run.execution.state, 'FAILED');
    assert.equal(run.execution.taskRuns.length, 1);
    assert.equal(run.taskRun('call')?.state, 'FAILED');
    assert.equal(run.taskRun('call')?.attempts, 1);
    assert.equal(run.taskRun('call')?.error, 'Invalid input for `wait`, It must be more than `PT1M`, but received `PT10S`');
  });

  it("a Pause's TIME onResume input outside `after`/`before` is refused; a value in range resumes it", async () => {
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`id: approve_at
namespace: ${namespace}
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: at
        type: TIME
        after: "09:00"
        before: "17:00"
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.approve.onResume.at }}"
`),
    );
    for (let i = 0; i < 200 && (await queryExecution(handle).catch(() => undefined))?.state !== 'PAUSED'; i++) await sleep(100);
    await assert.rejects(resumeExecution(handle, { at: '08:30' }), (error) => {
      assert.ok(error instanceof ResumeRefusedError);
      assert.equal(error.message, 'Invalid input for `at`, it must be after `09:00`, but received `08:30`');
      return true;
    });
    await resumeExecution(handle, { at: '10:15' });
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(execution.taskRuns[1].outputs, { value: '10:15' });
  });

  it('a SECRET input is masked as ******** in logs, in clear for the script that uses it, and nowhere in clear in the history', async () => {
    const password = 's3cr3t-hunter22';
    const run = await runWithLogs(fixture, flow(secretFlow), { inputs: { password } });
    assert.equal(run.execution.state, 'SUCCESS', run.execution.error);
    assert.deepEqual(
      run.execution.taskRuns.map((r) => [r.taskId, r.state, r.attempts]),
      [
        ['log', 'SUCCESS', 1],
        ['script', 'SUCCESS', 1],
      ],
    );
    const lines = run.logs.map((entry) => entry.message);
    assert.ok(lines.includes('The password is ********'), lines.join('\n'));
    assert.ok(lines.includes('the script got it'), lines.join('\n'));
    assert.ok(lines.includes('and printed ********'), lines.join('\n'));
    // Kestra's encrypted-string shape, as its API shows SECRET inputs.
    assert.equal((run.execution.inputs.password as { type: string }).type, 'io.kestra.datatype:aes_encrypted');

    const history = await historyWithPayloads(run.handle);
    assert.ok(history.includes('The password is ********'), 'the history was decoded');
    assert.ok(!history.includes(password), 'the clear value is in the history');
  });

  it("a Pause's SECRET onResume value given to `tflow resume` is checked, sealed in the history, masked in logs and clear for the script", async () => {
    const token = 'tok-s3cr3t-resumed';
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`id: resume_with_secret
namespace: ${namespace}
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: token
        type: SECRET
        validator: "tok-[a-z0-9-]+"
  - id: use
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      TOKEN: "{{ outputs.approve.onResume.token }}"
      WHO: resumed
    commands:
      - 'if [ "$TOKEN" = "tok-s3cr3t-$WHO" ]; then echo "the script got the token"; fi'
      - echo "and printed $TOKEN"
`),
    );
    for (let i = 0; i < 200 && (await queryExecution(handle).catch(() => undefined))?.state !== 'PAUSED'; i++) await sleep(100);
    const env = { TFLOW_TASK_QUEUE: fixture.config.taskQueue };
    const refused = await runTflow(['resume', handle.workflowId, '-i', 'token=wrong-secret-value'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Invalid input for `token`, it must match the pattern `tok-\[a-z0-9-\]\+`, but received `\*{8}`/);
    assert.doesNotMatch(refused.stderr, /wrong-secret-value/);

    const resumed = await runTflow(['resume', handle.workflowId, '-i', `token=${token}`], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const { logs } = await handle.query(logsQuery, 0);
    const lines = logs.map((entry) => entry.message);
    assert.ok(lines.includes('the script got the token'), lines.join('\n'));
    assert.ok(lines.includes('and printed ********'), lines.join('\n'));
    const history = await historyWithPayloads(handle);
    assert.ok(history.includes('io.kestra.datatype:aes_encrypted'), 'the sealed value is in the history');
    assert.ok(!history.includes(token), 'the clear value is in the history');
  });

  it('a flow whose Schedule gives no value for a required input deploys; its run ends FAILED naming the input, before any task', async () => {
    const { flows, diagnostics } = validateForDeploy([{ file: 'needs_month.yaml', source: scheduledFlow }]);
    assert.deepEqual(diagnostics, []);
    await deployFlows({ flowStore, client: fixture.client, config: fixture.config }, flows);
    assert.equal((await loadDeployedFlow(flowStore, `${namespace}/needs_month`)).revision, 1);

    const execution = await triggerScheduleRun(fixture.client, `${namespace}.needs_month.monthly`);
    assert.equal(execution.state, 'FAILED');
    assert.equal(execution.error, 'Invalid input for `month`, missing required input, but received `null`');
    assert.deepEqual(execution.taskRuns, []);
  });

  it('`tflow run -i data=./local.csv` uploads the local file for a FILE input; the script reads it (`@path` too)', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'tflow-file-input-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const flowFile = join(dir, 'count.yaml');
    await writeFile(
      flowFile,
      `id: count_rows
namespace: ${namespace}
inputs:
  - id: data
    type: FILE
tasks:
  - id: rows
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      data.csv: "{{ inputs.data }}"
    commands:
      - cat data.csv
`,
    );
    await writeFile(join(dir, 'taxis.csv'), 'vendor,fare\ngreen,12.5\n');
    const env = { TFLOW_TASK_QUEUE: fixture.config.taskQueue };
    const csv = join(dir, 'taxis.csv');
    // A plain path, relative to where tflow runs (the project root here), as Kestra's CLI takes it; and `@path`.
    for (const value of [relative(PROJECT_ROOT, csv), `@${csv}`]) {
      const result = await runTflow(['run', flowFile, '-i', `data=${value}`, '--wait', '--json'], env);
      assert.equal(result.code, 0, result.stderr);
      const execution = JSON.parse(result.stdout) as Execution;
      assert.equal(execution.state, 'SUCCESS', execution.error);
      assert.equal(execution.taskRuns.length, 1);
      assert.match(String(execution.inputs.data), /^kestra:\/\/\/.*\/inputs\/data\/taxis\.csv$/);
      assert.match(result.stderr, /vendor,fare/);
      assert.match(result.stderr, /green,12\.5/);
    }
    const missing = await runTflow(['run', flowFile, '-i', `data=${join(dir, 'nope.csv')}`], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Input `data`: .*nope\.csv is not a readable file/);
  });
});
