/**
 * Scripts and the processes they start (SECURITY.md: clean environment, nothing outlives its task, bounded worker loss), with a real dev server and real
 * `tflow worker` processes (SIGKILL is a real crash: no shutdown code runs):
 * - a script gets a clean environment: none of the worker's tflow settings or SECRET_* values, only
 *   the allowlist, the variables TFLOW_SCRIPT_ENV names and the task's own `env`;
 * - nothing a script starts outlives its task: killed, ended, or its worker SIGKILLed;
 * - a task whose worker is lost at every attempt fails after TFLOW_WORKER_LOSS_RETRIES retries,
 *   saying so where a user looks (`tflow executions get`).
 * Leftover processes are found by a unique marker in their command line (/proc/<pid>/cmdline).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { scriptEnvironment } from '../../src/plugins/scripts/script-environment';
import { connectClient, executionResult, startExecution } from '../../src/client/executions';
import { loadConfig, type TflowConfig } from '../../src/config';
import { compileFlow } from '../../src/compiler/compile';
import type { FlowSpec } from '../../src/workflow/flow/spec';
import { startDevServer } from '../../src/temporal/dev-server';
import { logsQuery } from '../../src/workflow/definitions';
import { runTflow } from '../helpers/cli';
import { WorkerProcess } from '../helpers/worker-process';

const DB_PASSWORD = `db-pw-${randomBytes(6).toString('hex')}`;
const BASIC_AUTH_PASSWORD = `basic-pw-${randomBytes(6).toString('hex')}`;
const SECRET_VALUE = `secret-value-${randomBytes(6).toString('hex')}`;
const SECRET_ENCODED = Buffer.from(SECRET_VALUE).toString('base64');
const PASSED_VALUE = `passed-${randomBytes(6).toString('hex')}`;
const UNLISTED_VALUE = `unlisted-${randomBytes(6).toString('hex')}`;

/** The worker's environment: tflow settings with credentials, a secret, and two operator variables. */
const WORKER_ENV = {
  TFLOW_DATABASE_URL: `postgres://root:${DB_PASSWORD}@127.0.0.1:5432/root`,
  TFLOW_BASIC_AUTH: `admin:${BASIC_AUTH_PASSWORD}`,
  SECRET_FOO: SECRET_ENCODED,
  OPERATOR_PASSED: PASSED_VALUE,
  OPERATOR_UNLISTED: UNLISTED_VALUE,
  TFLOW_SCRIPT_ENV: 'OPERATOR_PASSED',
};

function flow(yaml: string): FlowSpec {
  const compiled = compileFlow(yaml);
  assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
  return compiled.spec;
}

/** A number that only this test's processes have in their command line (as a `sleep` duration). */
const newMarker = () => `600.${randomInt(1e8, 1e9)}`;

/** Processes (other than this one) whose command line contains `marker`. */
async function processesWith(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(`${pid}: ${cmdline.split('\0').join(' ').trim()}`);
  }
  return found;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `${what}: not within ${timeoutMs / 1000} s`);
    await delay(250);
  }
}

/** Waits until `count` processes carry the marker (the script runs): returns them. */
const scriptRunning = (marker: string, count: number, timeoutMs = 60_000) =>
  waitFor(`${count} processes with ${marker}`, timeoutMs, async () => {
    const found = await processesWith(marker);
    return found.length >= count ? found : undefined;
  });

/** Asserts that within `withinMs` no process with the marker is left. */
async function assertAllGone(marker: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  let left = await processesWith(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await delay(250);
    left = await processesWith(marker);
  }
  assert.deepEqual(left, [], `processes left ${withinMs / 1000} s later`);
}

/** A script leaving a child that ignores SIGTERM in the background, then sleeping (or not). */
const leftoverScript = (id: string, marker: string, then: string) => `
id: ${id}
namespace: tflow.security
tasks:
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - (trap '' TERM; sleep ${marker}; echo never) &
      - ${then}
`;

describe('scripts and their processes', { timeout: 300_000 }, () => {
  let config: TflowConfig;
  let client: Client;
  let storageDir: string;
  const workers: WorkerProcess[] = [];
  const started: WorkflowHandle[] = [];

  /** A real worker on `taskQueue`, with the credentials-laden environment and `env` over it. */
  const startWorker = async (taskQueue: string, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> => {
    const worker = new WorkerProcess({ ...WORKER_ENV, TFLOW_TASK_QUEUE: taskQueue, TFLOW_STORAGE: storageDir, ...env });
    workers.push(worker);
    await worker.polling();
    return worker;
  };
  const start = async (spec: FlowSpec, taskQueue = config.taskQueue): Promise<WorkflowHandle> => {
    const handle = await startExecution(client, { ...config, taskQueue }, spec);
    started.push(handle);
    return handle;
  };

  before(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'tflow-processes-'));
    config = { ...loadConfig(), taskQueue: `test-processes-${randomBytes(4).toString('hex')}` };
    await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (line) => console.error(line) });
    client = await connectClient(config);
    await startWorker(config.taskQueue);
  });
  after(async () => {
    for (const handle of started) await handle.terminate('test cleanup').catch(() => undefined);
    for (const worker of workers) await worker.stop('SIGKILL');
    await client?.connection.close();
    await rm(storageDir, { recursive: true, force: true });
  });

  it("gives scripts none of the worker's tflow settings or secrets: only the allowlist, TFLOW_SCRIPT_ENV and the task's env", async () => {
    const handle = await start(
      flow(`
id: script_env
namespace: tflow.security
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      FROM_SECRET: "{{ secret('FOO') }}"
    commands:
      - env
      - '[ "$FROM_SECRET" = "${SECRET_VALUE}" ] && echo "the task env carried the secret"'
      - echo "names seen by the shell $(env | cut -d= -f1 | sort | tr '\\n' ' ')"
  - id: python
    type: io.kestra.plugin.scripts.python.Script
    script: |
      import os
      print("names seen by python " + " ".join(sorted(os.environ)))
`),
    );
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const { logs } = await handle.query(logsQuery, 0);
    const seen = JSON.stringify({ logs, outputs: execution.taskRuns.map((r) => r.outputs) });
    for (const value of [DB_PASSWORD, BASIC_AUTH_PASSWORD, SECRET_ENCODED, SECRET_VALUE, UNLISTED_VALUE]) {
      assert.ok(!seen.includes(value), `${value} reached the logs or outputs`);
    }
    const messages = logs.map((l) => l.message);
    assert.ok(messages.includes(`OPERATOR_PASSED=${PASSED_VALUE}`), 'the variable TFLOW_SCRIPT_ENV names was not passed');
    assert.ok(messages.includes('the task env carried the secret'), messages.join('\n'));
    assert.ok(messages.includes('FROM_SECRET=********'), 'the secret is masked in the logs');

    const namesSeenBy = (who: string) => {
      const prefix = `names seen by ${who} `;
      return (messages.find((m) => m.startsWith(prefix)) ?? '').slice(prefix.length).split(' ').filter(Boolean);
    };
    const shellNames = namesSeenBy('the shell');
    const pythonNames = namesSeenBy('python');
    for (const names of [shellNames, pythonNames]) {
      assert.deepEqual(
        names.filter((n) => /^(TFLOW_|SECRET_|TEMPORAL_)/.test(n) || n === 'OPERATOR_UNLISTED'),
        [],
        names.join(' '),
      );
      assert.ok(names.includes('PATH') && names.includes('WORKING_DIR'), names.join(' '));
    }
    assert.ok(pythonNames.includes('PYTHONUNBUFFERED'));
    console.error(`shell saw: ${shellNames.join(' ')}`);
  });

  it('refuses TFLOW_SCRIPT_ENV naming a tflow setting or a secret', () => {
    for (const name of ['TFLOW_DATABASE_URL', 'SECRET_FOO', 'secret_foo']) {
      assert.throws(
        () => loadConfig({ TFLOW_SCRIPT_ENV: `AWS_PROFILE,${name}` }),
        new RegExp(`TFLOW_SCRIPT_ENV: ${name} is never passed to scripts.*secret\\('NAME'\\)`),
      );
    }
    assert.deepEqual(loadConfig({ TFLOW_SCRIPT_ENV: ' AWS_PROFILE , GOOGLE_APPLICATION_CREDENTIALS' }).scriptEnv, [
      'AWS_PROFILE',
      'GOOGLE_APPLICATION_CREDENTIALS',
    ]);
  });

  it("builds a script's environment from the allowlist, the named variables, tflow's and the task's, never a tflow setting or secret", () => {
    const env = scriptEnvironment({
      worker: {
        PATH: '/usr/bin',
        HOME: '/home/w',
        LC_ALL: 'C.UTF-8',
        https_proxy: 'http://proxy:3128',
        NO_PROXY: 'localhost',
        AWS_PROFILE: 'etl',
        TFLOW_DATABASE_URL: 'postgres://u:pw@db/x',
        SECRET_FOO: 'c2VjcmV0',
        USER: 'worker',
        SSH_AUTH_SOCK: '/tmp/agent',
      },
      // A configuration built by hand (not loadConfig) naming a secret: still never passed.
      passThrough: ['AWS_PROFILE', 'SECRET_FOO'],
      tflow: { WORKING_DIR: '/tmp/w' },
      task: { TOKEN: 'abc', EMPTY: null, PATH: '/opt/bin:/usr/bin' },
    });
    assert.deepEqual(env, {
      PATH: '/opt/bin:/usr/bin',
      HOME: '/home/w',
      LC_ALL: 'C.UTF-8',
      https_proxy: 'http://proxy:3128',
      NO_PROXY: 'localhost',
      AWS_PROFILE: 'etl',
      WORKING_DIR: '/tmp/w',
      TOKEN: 'abc',
      EMPTY: '',
    });
  });

  it('ends every process of a killed execution, a background child that ignores SIGTERM included', async () => {
    const marker = newMarker();
    const handle = await start(flow(leftoverScript('killed_script', marker, `sleep ${marker}`)));
    // The supervisor and its watcher, the script, its background subshell and the two sleeps.
    console.error((await scriptRunning(marker, 6)).join('\n'));
    await handle.cancel();
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'KILLED');
    await assertAllGone(marker, 15_000);
  });

  it('ends the background children of a script that succeeded when its task ends', async () => {
    const marker = newMarker();
    const handle = await start(flow(leftoverScript('leftover_after_success', marker, 'sleep 1; echo "main part done"')));
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(await processesWith(marker), [], 'processes left once the task ended');
  });

  it('ends a task whose script left a process outside its group (setsid) holding its output, with a WARN', async () => {
    const marker = newMarker();
    // `sleep 1`: the script must not end before setsid has moved the sleep out of the group.
    const handle = await start(flow(leftoverScript('escaped_group', marker, `setsid sleep ${marker} & sleep 1`)));
    try {
      const execution = await executionResult(handle);
      assert.equal(execution.state, 'SUCCESS', execution.error);
      const { logs } = await handle.query(logsQuery, 0);
      assert.ok(
        logs.some((l) => l.level === 'WARN' && l.message.includes('moved out of its process group (setsid?) still holds its output')),
        JSON.stringify(logs),
      );
      // Out of tflow's reach, as docs/kestra-compatibility.md says: only the setsid one is left.
      assert.deepEqual(
        (await processesWith(marker)).map((p) => p.split(': ')[1]),
        [`sleep ${marker}`],
      );
    } finally {
      for (const found of await processesWith(marker)) process.kill(Number(found.split(':')[0]), 'SIGKILL');
    }
  });

  it('ends the script of a worker killed with SIGKILL', async () => {
    const marker = newMarker();
    const taskQueue = `test-processes-crash-${randomBytes(4).toString('hex')}`;
    const worker = await startWorker(taskQueue);
    const handle = await start(flow(leftoverScript('worker_crash', marker, `sleep ${marker}`)), taskQueue);
    await scriptRunning(marker, 6);
    await worker.stop('SIGKILL');
    await assertAllGone(marker, 15_000);
    await handle.terminate('test done');
  });

  it('fails a task whose worker is lost at every attempt after TFLOW_WORKER_LOSS_RETRIES retries, saying so', async () => {
    const marker = newMarker();
    const taskQueue = `test-processes-loss-${randomBytes(4).toString('hex')}`;
    const settings = { TFLOW_WORKER_LOSS_RETRIES: '1' };
    const handle = await start(flow(leftoverScript('worker_loss', marker, `sleep ${marker}`)), taskQueue);
    // Attempt 1 and its retry each take a worker down (the next attempt starts once the heartbeat
    // times out, 20 s after the crash); attempt 3 finds the bound used up.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const worker = await startWorker(taskQueue, settings);
      await scriptRunning(marker, 6, 60_000);
      await worker.stop('SIGKILL');
    }
    await startWorker(taskQueue, settings);
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'FAILED');
    const expected = /Not retried again: the worker running this task was lost 2 times .*TFLOW_WORKER_LOSS_RETRIES=1 allows 1 retry/;
    assert.match(execution.taskRuns.find((r) => r.taskId === 'script')?.error ?? '', expected);
    assert.match(execution.error ?? '', expected);
    const shown = await runTflow(['executions', 'get', execution.id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /script FAILED after 3 attempts: Not retried again: the worker running this task was lost 2 times/);
    console.error(`tflow executions get:\n${shown.stdout}`);
  });
});
