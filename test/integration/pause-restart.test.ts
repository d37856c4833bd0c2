/**
 * A flow paused at a Pause task survives a restart of the Temporal dev server and of the worker,
 * then `tflow resume` resumes it and it finishes SUCCESS.
 *
 * Other tests share the dev server on :7233, so this one starts a dev server of its own (another
 * port, its own database in a temporary folder) and stops and restarts only that one. The workers
 * are real `tflow worker` processes, killed with SIGKILL: no shutdown code runs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, executionResult, queryExecution, startExecution } from '../../src/client/executions';
import { loadConfig, type TflowConfig } from '../../src/config';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { isTemporalUp, startDevServer, stopDevServer } from '../../src/temporal/dev-server';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { freePort, WorkerProcess } from '../helpers/worker-process';

const runs = (e: Execution) => e.taskRuns.map((r) => `${r.taskId}:${r.state}`);

/** Waits until a worker answers that the execution is PAUSED. */
async function untilPaused(client: Client, executionId: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const state = await queryExecution(client.workflow.getHandle(executionId)).then(
      (e) => e.state,
      () => 'no answer',
    );
    if (state === 'PAUSED') return;
    assert.ok(Date.now() < deadline, `the execution is not PAUSED (${state})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a paused execution survives a restart of the dev server and of the worker', { timeout: 420_000 }, () => {
  let stateDir: string;
  let config: TflowConfig;
  let client: Client | undefined;
  const workers: WorkerProcess[] = [];

  const startServer = () => startDevServer({ stateDir, address: config.temporalAddress, headless: true, report: (line) => console.error(line) });
  const env = () => ({ TEMPORAL_ADDRESS: config.temporalAddress, TFLOW_TASK_QUEUE: config.taskQueue });

  /** A real `tflow worker` process talking to this test's server. */
  const startWorkerProcess = (): WorkerProcess => {
    const worker = new WorkerProcess(env());
    workers.push(worker);
    return worker;
  };

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'tflow-pause-restart-'));
    config = { ...loadConfig(), temporalAddress: `127.0.0.1:${await freePort()}`, taskQueue: `test-pause-restart-${randomBytes(4).toString('hex')}` };
    const started = await startServer();
    assert.equal(started.started, true, 'this test runs its own dev server');
  });
  after(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await client?.connection.close();
    if (stateDir) {
      await stopDevServer(stateDir);
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('stays PAUSED across the restarts, then `tflow resume` finishes it SUCCESS', async () => {
    const firstWorker = startWorkerProcess();
    client = await connectClient(config);
    const handle = await startExecution(
      client,
      config,
      flow(`
id: approval_across_restarts
namespace: tests.pause_restart
tasks:
  - id: before_gate
    type: io.kestra.plugin.core.debug.Return
    format: prepared
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: reason
        type: STRING
  - id: after_gate
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.before_gate.value }} and {{ outputs.gate.onResume.reason }}"
`),
    );
    const executionId = handle.workflowId;
    await untilPaused(client, executionId);

    // Everything goes down: the worker crashes, the server stops.
    await firstWorker.stop('SIGKILL');
    await client.connection.close();
    client = undefined;
    assert.equal(await stopDevServer(stateDir), true);
    assert.equal(await isTemporalUp(config.temporalAddress), false, 'the dev server is down');

    // …and comes back on the same database, with a new worker process.
    assert.equal((await startServer()).started, true);
    startWorkerProcess();

    // Still paused, as the CLI shows it (the new worker rebuilds the state by replaying the history).
    client = await connectClient(config);
    await untilPaused(client, executionId);
    const shown = await runTflow(['executions', 'get', executionId, '--json'], env());
    assert.equal(shown.code, 0, shown.stderr);
    const paused = JSON.parse(shown.stdout) as Execution;
    assert.equal(paused.state, 'PAUSED');
    assert.deepEqual(runs(paused), ['before_gate:SUCCESS', 'gate:PAUSED']);

    const resumed = await runTflow(['resume', executionId, '-i', 'reason=restarted'], env());
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /resumed \(gate\)/);

    const execution = await executionResult(client.workflow.getHandle(executionId));
    assert.equal(execution.state, 'SUCCESS');
    assert.deepEqual(runs(execution), ['before_gate:SUCCESS', 'gate:SUCCESS', 'after_gate:SUCCESS']);
    assert.deepEqual(execution.taskRuns.find((r) => r.taskId === 'after_gate')?.outputs, { value: 'prepared and restarted' });

    const replayed = await runTflow(['replay', executionId], env());
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /: deterministic$/m);
  });
});
