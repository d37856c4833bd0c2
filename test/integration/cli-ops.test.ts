/**
 * The operator's commands, run as a user runs them (the real `tflow` binary against the shared dev
 * server): executions list/get, logs [--follow], replay, and kill cascading to a Subflow child.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { executionResult, queryExecution, resumeExecution, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { FlowStore } from '../../src/flow-store/flow-store';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { divergingHistoryJson, HISTORIES } from '../helpers/histories';
import { PROJECT_ROOT, TFLOW_BIN } from '../helpers/paths';
import { purgeNamespace } from '../helpers/flow-store';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const runs = (e: Pick<Execution, 'taskRuns'>) => e.taskRuns.map((r) => `${r.taskId}:${r.state}`);

describe('operating executions from the CLI', { timeout: 300_000 }, () => {
  let fixture: TemporalFixture;
  let flowStore: FlowStore;
  let workDir: string;
  // A namespace of this run's own, so listings see only this test's executions.
  const namespace = `tests.cliops${randomBytes(3).toString('hex')}`;

  before(async () => {
    fixture = await startTemporalFixture();
    flowStore = FlowStore.connect(fixture.config.databaseUrl);
    workDir = mkdtempSync(join(tmpdir(), 'tflow-cli-ops-'));
  });
  after(async () => {
    await flowStore?.close();
    await fixture?.close();
    await purgeNamespace(namespace);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const tflow = (...args: string[]) => runTflow(args, { TFLOW_TASK_QUEUE: fixture.config.taskQueue });

  const greetYaml = `
id: greet
namespace: ${namespace}
labels:
  team: ops
inputs:
  - id: who
    type: STRING
    defaults: Ada
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello, {{ inputs.who }}!"
  - id: answer
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.who | upper }}"
`;

  const gated = flow(`
id: gated
namespace: ${namespace}
tasks:
  - id: before_gate
    type: io.kestra.plugin.core.log.Log
    message: waiting for approval
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: reason
        type: STRING
  - id: after_gate
    type: io.kestra.plugin.core.log.Log
    message: "approved: {{ outputs.gate.onResume.reason }}"
`);

  /** Polls until `check` returns without throwing (visibility and queries catch up asynchronously). */
  async function eventually<T>(what: string, check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await check();
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  const pausedExecution = async (handle: WorkflowHandle) =>
    eventually('the execution pauses', async () => {
      const execution = await queryExecution(handle);
      assert.equal(execution.state, 'PAUSED');
      return execution;
    });

  it('executions list and get: filters by flow and state, the `run --json` shape, a compact table', async () => {
    const file = join(workDir, 'greet.yaml');
    writeFileSync(file, greetYaml);
    const run = await tflow('run', file, '-i', 'who=Grace', '--label', 'ticket=42', '--wait', '--json');
    assert.equal(run.code, 0, run.stderr);
    const finished = JSON.parse(run.stdout) as Execution;
    assert.equal(finished.state, 'SUCCESS');
    const paused = await startExecution(fixture.client, fixture.config, gated);
    await pausedExecution(paused);

    // get: the finished execution exactly as `run --json` printed it; the paused one live, from its workflow.
    const got = await tflow('executions', 'get', finished.id, '--json');
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), finished);
    const live = await tflow('executions', 'get', paused.workflowId, '--json');
    assert.equal(live.code, 0, live.stderr);
    const liveExecution = JSON.parse(live.stdout) as Execution;
    assert.equal(liveExecution.state, 'PAUSED');
    assert.deepEqual(runs(liveExecution), ['before_gate:SUCCESS', 'gate:PAUSED']);

    const human = await tflow('executions', 'get', finished.id);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`Flow: +${namespace.replace(/\./g, '\\.')}\\.greet \\(revision 1\\)`));
    assert.match(human.stdout, /Inputs: +who=Grace/);
    assert.match(human.stdout, /Labels: +system\.correlationId:\S+, team:ops, ticket:42/);
    assert.match(human.stdout, /answer SUCCESS\n\s+value = "GRACE"/);

    // list: by flow, by state, as JSON (full executions) and as a table.
    const listed = await eventually('both executions are listed', async () => {
      const result = await tflow('executions', 'list', '--flow', `${namespace}.greet`, '--json');
      assert.equal(result.code, 0, result.stderr);
      const executions = JSON.parse(result.stdout) as Execution[];
      assert.equal(executions.length, 1);
      return executions;
    });
    assert.deepEqual(listed[0], finished);

    const pausedOnly = await eventually('the paused execution is listed by state', async () => {
      const result = await tflow('executions', 'list', '--flow', `${namespace}/gated`, '--state', 'paused', '--json');
      assert.equal(result.code, 0, result.stderr);
      const executions = JSON.parse(result.stdout) as Execution[];
      assert.equal(executions.length, 1);
      return executions;
    });
    assert.equal(pausedOnly[0].id, paused.workflowId);
    assert.deepEqual(runs(pausedOnly[0]), ['before_gate:SUCCESS', 'gate:PAUSED']);
    const noneSucceeded = await tflow('executions', 'list', '--flow', `${namespace}.gated`, '--state', 'SUCCESS', '--json');
    assert.deepEqual(JSON.parse(noneSucceeded.stdout), []);

    const table = await tflow('executions', 'list', '--flow', `${namespace}.greet`);
    assert.equal(table.code, 0, table.stderr);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    assert.match(header, /^ID +FLOW +STATE +STARTED +DURATION$/);
    assert.match(
      row,
      new RegExp(`^${finished.id} +${namespace.replace(/\./g, '\\.')}\\.greet +SUCCESS +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +[\\d.]+ s$`),
    );
    assert.deepEqual(rest, []);

    const badState = await tflow('executions', 'list', '--state', 'DONE');
    assert.equal(badState.code, 2);
    assert.match(badState.stderr, /unknown state 'DONE'/);
    const unknown = await tflow('executions', 'get', `${namespace}.greet-nosuchexecution`);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no execution 'tests\.cliops\w+\.greet-nosuchexecution'/);

    await resumeExecution(paused, { reason: 'cleanup' });
    assert.equal((await executionResult(paused)).state, 'SUCCESS');
  });

  it("logs prints an execution's lines; --follow keeps printing until it ends", async () => {
    const paused = await startExecution(fixture.client, fixture.config, gated);
    await pausedExecution(paused);

    const now = await tflow('logs', paused.workflowId);
    assert.equal(now.code, 0, now.stderr);
    assert.match(now.stdout, /^\d\d:\d\d:\d\d\.\d{3} INFO +before_gate +waiting for approval$/m);
    assert.doesNotMatch(now.stdout, /approved/);

    // Follow while it is paused, then resume it: the follower prints the new line and exits on its own.
    const follower = spawn(process.execPath, [TFLOW_BIN, 'logs', paused.workflowId, '--follow'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TFLOW_TASK_QUEUE: fixture.config.taskQueue },
    });
    let followed = '';
    let followErrors = '';
    follower.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    follower.stderr.on('data', (chunk: Buffer) => (followErrors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)));
    await eventually('the follower prints the lines so far', async () => assert.match(followed, /waiting for approval/));
    assert.doesNotMatch(followed, /approved/);

    await resumeExecution(paused, { reason: 'ship it' });
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
    if (code === 'hung') follower.kill('SIGKILL');
    assert.equal(code, 0, followErrors);
    const lines = followed.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => line.replace(/^\d\d:\d\d:\d\d\.\d{3} /, '')),
      [
        'INFO  before_gate  waiting for approval',
        `INFO  gate  Paused: resume with \`tflow resume ${paused.workflowId}\``,
        'INFO  after_gate  approved: ship it',
      ],
    );

    // An ended execution's logs come from replaying it on a worker.
    const ended = await tflow('logs', paused.workflowId);
    assert.equal(ended.code, 0, ended.stderr);
    assert.equal(ended.stdout, followed);
  });

  it('without a worker: get shows what the server knows, logs says which worker to start', async () => {
    const idleQueue = `test-no-worker-${randomBytes(4).toString('hex')}`;
    const handle = await startExecution(fixture.client, { ...fixture.config, taskQueue: idleQueue }, gated);
    try {
      const got = await tflow('executions', 'get', handle.workflowId, '--json');
      assert.equal(got.code, 0, got.stderr);
      const execution = JSON.parse(got.stdout) as Execution;
      assert.deepEqual(
        {
          id: execution.id,
          namespace: execution.namespace,
          flowId: execution.flowId,
          revision: execution.revision,
          state: execution.state,
          taskRuns: execution.taskRuns,
        },
        { id: handle.workflowId, namespace, flowId: 'gated', revision: 1, state: 'RUNNING', taskRuns: [] },
      );
      const logs = await tflow('logs', handle.workflowId);
      assert.equal(logs.code, 1);
      assert.match(logs.stderr, new RegExp(`no worker answers for ${handle.workflowId}: .*start a worker on task queue '${idleQueue}'`));
    } finally {
      await handle.terminate('test cleanup');
    }
  });

  it('replay: a real execution and a recorded history replay (exit 0); an altered history diverges (exit 1)', async () => {
    const file = join(workDir, 'greet.yaml');
    writeFileSync(file, greetYaml);
    const run = await tflow('run', file, '--wait', '--json');
    assert.equal(run.code, 0, run.stderr);
    const { id } = JSON.parse(run.stdout) as Execution;
    const history = await fixture.client.workflow.getHandle(id).fetchHistory();

    const replayed = await tflow('replay', id);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stdout, `replayed ${history.events?.length} events: deterministic\n`);

    const recorded = await tflow('replay', '--history', join(HISTORIES, 'flowables.json'));
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.match(recorded.stdout, /^replayed \d+ events: deterministic\n$/);

    const altered = join(workDir, 'altered.json');
    writeFileSync(altered, JSON.stringify(divergingHistoryJson()));
    const diverged = await tflow('replay', '--history', altered);
    assert.equal(diverged.code, 1);
    assert.doesNotMatch(diverged.stdout, /deterministic/);
    assert.match(
      diverged.stderr,
      /^altered\.json: replay of \d+ events diverged from today's workflow code:\n\[TMPRL1100\] Nondeterminism error: .*HistoryEvent\(id: \d+, TimerStarted\)/,
    );

    const usage = await tflow('replay');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /an execution id or --history/);
    const notJson = await tflow('replay', '--history', file);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /greet\.yaml: not a JSON history file/);
  });

  it('tflow kill of a parent kills the Subflow child it waits for', async () => {
    await flowStore.save(
      namespace,
      'slow_child',
      `id: slow_child
namespace: ${namespace}
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1H
`,
    );
    const parent = await startExecution(
      fixture.client,
      fixture.config,
      flow(`
id: parent
namespace: ${namespace}
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: slow_child
  - id: never
    type: io.kestra.plugin.core.debug.Return
    format: not reached
`),
    );
    const child = fixture.client.workflow.getHandle(`${parent.workflowId}.call`);
    await eventually('the child sleeps', async () => assert.deepEqual(runs(await queryExecution(child)), ['nap:RUNNING']));

    const killed = await tflow('kill', parent.workflowId);
    assert.equal(killed.code, 0, killed.stderr);
    assert.match(killed.stdout, /: KILLED$/m);

    const parentExecution = await executionResult(parent);
    assert.equal(parentExecution.state, 'KILLED');
    assert.deepEqual(runs(parentExecution), ['call:KILLED']);
    const childExecution = await executionResult(child);
    assert.equal(childExecution.state, 'KILLED');
    assert.deepEqual(runs(childExecution), ['nap:KILLED']);
    assert.equal((await child.describe()).status.name, 'CANCELLED');

    const shown = await tflow('executions', 'get', child.workflowId, '--json');
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as Execution).state, 'KILLED');
  });
});
