/**
 * Workers an operator can run (README "Operating workers"): real `tflow worker` processes on the
 * shared dev server, each test on a task queue of its own. SIGTERM drains a worker without losing
 * a task; the ops endpoint shows readiness and task runs; bad settings are refused by name.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { connectClient, executionResult, startExecution } from '../../src/client/executions';
import { loadConfig, type TflowConfig } from '../../src/config';
import { startDevServer } from '../../src/temporal/dev-server';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { freePort, WorkerProcess } from '../helpers/worker-process';

const SHELL = 'io.kestra.plugin.scripts.shell.Commands';

/**
 * A flow whose one task notes when each attempt starts and ends (milliseconds) in `dir`, sleeping
 * `seconds` in between, or with 'until released' until the test creates `dir/release`.
 */
const sleepyFlow = (dir: string, seconds: number | 'until released') =>
  flow(`
id: sleepy
namespace: tests.worker_ops
tasks:
  - id: nap
    type: ${SHELL}
    commands:
      - date +%s%3N >> ${dir}/started
      - ${seconds === 'until released' ? `until [ -e ${dir}/release ]; do sleep 0.1; done` : `sleep ${seconds}`}
      - date +%s%3N >> ${dir}/finished
      - echo '::{"outputs":{"rested":true}}::'
`);

/** The times (ms) noted in `dir/name`, one per attempt that got there. */
async function noted(dir: string, name: 'started' | 'finished'): Promise<number[]> {
  const text = await readFile(join(dir, name), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** Processes whose command line mentions `dir` (the flow's script, which notes its times there). */
async function scriptProcesses(dir: string): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const commandLines = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')));
  return pids.filter((_, index) => commandLines[index].includes(dir));
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await delay(100);
  }
}

/** Sends SIGTERM and resolves with the exit code and the time it exited. */
async function terminate(worker: WorkerProcess): Promise<{ code: number | null; at: number }> {
  const exited = once(worker.child, 'exit');
  worker.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return { code, at: Date.now() };
}

describe('operating workers', { timeout: 300_000 }, () => {
  let config: TflowConfig;
  let client: Client;
  let dir: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    config = loadConfig();
    await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (line) => console.error(line) });
    client = await connectClient(config);
  });
  after(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await client?.connection.close();
  });

  /** A test's own task queue and folder for its marks. */
  const freshQueue = async () => {
    dir = await mkdtemp(join(tmpdir(), 'tflow-worker-ops-'));
    return { ...config, taskQueue: `test-worker-ops-${randomBytes(4).toString('hex')}` };
  };
  const startWorker = async (queue: TflowConfig, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> => {
    const worker = new WorkerProcess({ TFLOW_TASK_QUEUE: queue.taskQueue, ...env });
    workers.push(worker);
    await worker.polling();
    return worker;
  };

  it('SIGTERM mid-task: the task finishes on the draining worker, which then exits 0; nothing runs twice', async () => {
    const queue = await freshQueue();
    const opsPort = await freePort();
    const draining = await startWorker(queue, { TFLOW_WORKER_SHUTDOWN_GRACE: '60s', TFLOW_WORKER_HTTP_PORT: String(opsPort) });
    const ready = `http://127.0.0.1:${opsPort}/ready`;
    assert.equal((await fetch(ready)).status, 200, 'ready while polling');

    const handle = await startExecution(client, queue, sleepyFlow(dir, 5));
    await until('the task runs', async () => (await noted(dir, 'started')).length === 1);
    const stopped = terminate(draining);
    // Draining: no longer ready for new work, but still alive while its task sleeps.
    await until(
      'the worker says it is not ready',
      async () =>
        (await fetch(ready).then(
          (r) => r.status,
          () => 0,
        )) === 503,
      5_000,
    );
    assert.ok(draining.running, 'the worker exited with its task still running');
    // A rolling deploy: the next worker takes the rest of the execution.
    await startWorker(queue);

    const { code, at } = await stopped;
    assert.equal(code, 0, 'a drained worker exits 0');
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const nap = execution.taskRuns.find((run) => run.taskId === 'nap');
    assert.equal(nap?.attempts, 1, 'the task ran once, on the draining worker');
    assert.deepEqual(nap?.outputs.vars, { rested: true });
    const [finished] = await noted(dir, 'finished');
    assert.ok(at >= finished, `the worker exited (${at}) before its task finished (${finished})`);
    await rm(dir, { recursive: true, force: true });
  });

  it('a task longer than the grace is handed back at once and finishes on another worker', async () => {
    const queue = await freshQueue();
    const first = await startWorker(queue, { TFLOW_WORKER_SHUTDOWN_GRACE: '1s' });
    const handle = await startExecution(client, queue, sleepyFlow(dir, 'until released'));
    await until('the task runs', async () => (await noted(dir, 'started')).length === 1);

    // The next worker is already polling, so the retry's start shows how soon the task came back.
    await startWorker(queue);
    const signalledAt = Date.now();
    const { code, at } = await terminate(first);
    assert.equal(code, 0);
    assert.ok(at - signalledAt < 6_000, `the worker took ${at - signalledAt} ms to stop with a 1s grace`);
    assert.deepEqual(await noted(dir, 'finished'), [], 'the interrupted attempt went on after its worker stopped');

    await writeFile(join(dir, 'release'), '');
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const nap = execution.taskRuns.find((run) => run.taskId === 'nap');
    assert.equal(nap?.attempts, 2, 'one attempt handed back, one that finished');
    assert.deepEqual(nap?.outputs.vars, { rested: true });
    // Handed back, not lost: Temporal retried it without waiting for a heartbeat timeout (20 s).
    const [, retried] = await noted(dir, 'started');
    assert.ok(retried - at < 10_000, `the second attempt started ${retried - at} ms after the first worker stopped`);
    assert.equal((await noted(dir, 'finished')).length, 1);
    await rm(dir, { recursive: true, force: true });
  });

  it('a second SIGTERM exits at once, and the script it ran does not outlive it', async () => {
    const queue = await freshQueue();
    const worker = await startWorker(queue, { TFLOW_WORKER_SHUTDOWN_GRACE: '60s' });
    const handle = await startExecution(client, queue, sleepyFlow(dir, 60));
    await until('the task runs', async () => (await noted(dir, 'started')).length === 1);
    assert.ok((await scriptProcesses(dir)).length > 0, 'no process of the script found');

    const exited = once(worker.child, 'exit');
    worker.child.kill('SIGTERM');
    await delay(1_000);
    assert.ok(worker.running, 'the first SIGTERM did not wait for the running task');
    const signalledAgainAt = Date.now();
    worker.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 143, 'exit status 128 + SIGTERM');
    assert.ok(Date.now() - signalledAgainAt < 5_000, `it took ${Date.now() - signalledAgainAt} ms to exit`);
    await until('the script is gone', async () => (await scriptProcesses(dir)).length === 0, 15_000);

    await handle.terminate('test over');
    await rm(dir, { recursive: true, force: true });
  });

  it('/ready and /metrics show the task runs by type and state; the SDK serves its own metrics', async () => {
    const queue = await freshQueue();
    const [opsPort, sdkPort] = [await freePort(), await freePort()];
    const worker = await startWorker(queue, { TFLOW_WORKER_HTTP_PORT: String(opsPort), TFLOW_WORKER_SDK_METRICS_ADDRESS: `127.0.0.1:${sdkPort}` });
    const ops = `http://127.0.0.1:${opsPort}`;

    const succeeded = await executionResult(
      await startExecution(
        client,
        queue,
        flow(`id: fine\nnamespace: tests.worker_ops\ntasks:\n  - id: hello\n    type: ${SHELL}\n    commands: [echo hello]\n`),
      ),
    );
    assert.equal(succeeded.state, 'SUCCESS', succeeded.error);
    const failed = await executionResult(
      await startExecution(
        client,
        queue,
        flow(`id: broken\nnamespace: tests.worker_ops\ntasks:\n  - id: oops\n    type: ${SHELL}\n    commands: [exit 3]\n`),
      ),
    );
    assert.equal(failed.state, 'FAILED');

    const ready = await fetch(`${ops}/ready`);
    assert.equal(ready.status, 200);
    const metrics = await fetch(`${ops}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    assert.match(text, new RegExp(`^tflow_task_runs_total\\{type="${SHELL}",state="SUCCESS"\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^tflow_task_runs_total\\{type="${SHELL}",state="FAILED"\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^tflow_task_run_duration_seconds_count\\{type="${SHELL}"\\} 2$`, 'm'));
    assert.match(text, new RegExp(`^tflow_task_run_duration_seconds_bucket\\{type="${SHELL}",le="\\+Inf"\\} 2$`, 'm'));
    assert.match(text, /^# TYPE tflow_task_run_duration_seconds histogram$/m);

    // Only what it is for.
    assert.equal((await fetch(`${ops}/`)).status, 404);
    assert.equal((await fetch(`${ops}/ready`, { method: 'POST', body: 'x' })).status, 405);

    const sdk = await fetch(`http://127.0.0.1:${sdkPort}/metrics`);
    assert.equal(sdk.status, 200);
    assert.match(await sdk.text(), /^temporal_\w+/m);

    const { code } = await terminate(worker);
    assert.equal(code, 0);
  });

  it('TFLOW_WORKER_MAX_ACTIVITIES=1 runs parallel tasks one after the other', async () => {
    const queue = await freshQueue();
    await startWorker(queue, { TFLOW_WORKER_MAX_ACTIVITIES: '1' });
    const napper = (id: string) => `
      - id: ${id}
        type: ${SHELL}
        commands:
          - date +%s%3N >> ${dir}/started
          - sleep 2
          - date +%s%3N >> ${dir}/finished`;
    const parallel = flow(`
id: side_by_side
namespace: tests.worker_ops
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:${napper('left')}${napper('right')}
`);
    const execution = await executionResult(await startExecution(client, queue, parallel));
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const [started, finished] = [await noted(dir, 'started'), await noted(dir, 'finished')];
    assert.equal(started.length, 2);
    assert.ok(started[1] >= finished[0], `the second task started (${started[1]}) before the first finished (${finished[0]})`);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a bad TFLOW_WORKER_MAX_ACTIVITIES, naming it', async () => {
    for (const value of ['0', 'ten', '2.5']) {
      const result = await runTflow(['worker'], { TFLOW_WORKER_MAX_ACTIVITIES: value, TFLOW_TASK_QUEUE: `test-worker-ops-bad-${value}` });
      assert.equal(result.code, 1, `TFLOW_WORKER_MAX_ACTIVITIES=${value} was accepted`);
      assert.match(result.stderr, new RegExp(`TFLOW_WORKER_MAX_ACTIVITIES: expected a positive whole number \\(1 or more\\), got "${value}"`));
    }
  });
});
