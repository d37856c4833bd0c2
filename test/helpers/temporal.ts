/**
 * Integration-test plumbing: the real Temporal dev server (started once, reused), a real worker on
 * a task queue of the test file's own, and a helper that runs a flow to its end.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type Client, type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, executionResult, killExecution, startExecution, type StartOptions } from '../../src/client/executions';
import { loadConfig, type TflowConfig } from '../../src/config';
import type { FlowSpec } from '../../src/workflow/flow/spec';
import type { Execution, LogEntry, TaskRun } from '../../src/workflow/interpreter/execution';
import { startDevServer } from '../../src/temporal/dev-server';
import { startWorker, type TflowWorker } from '../../src/worker/worker';
import { logsQuery } from '../../src/workflow/definitions';
import { executionHandle } from '../../src/client/execution-handle';
import { scheduledExecutionId } from '../../src/workflow/schedules/scheduled-request';

let runtimeInstalled = false;

export interface TemporalFixture {
  config: TflowConfig;
  client: Client;
  worker: TflowWorker;
  close(): Promise<void>;
}

/** Starts (or reuses) the dev server and a worker on a fresh task queue; `overrides` change the worker's configuration. */
export async function startTemporalFixture(overrides: Partial<TflowConfig> = {}): Promise<TemporalFixture> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const defaults = loadConfig();
  // A test's worker stops at once when the test ends (running tasks are not waited for), and serves no ops endpoint.
  const testWorker = { ...defaults.worker, shutdownGraceMs: 0, httpPort: undefined };
  const config = { ...defaults, taskQueue: `test-${randomBytes(4).toString('hex')}`, worker: testWorker, ...overrides };
  await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: (line) => console.error(line) });
  const worker = await startWorker(config);
  const client = await connectClient(config);
  return {
    config,
    client,
    worker,
    async close() {
      await worker.shutdown();
      await client.connection.close();
    },
  };
}

/** Kills the execution once the workflow `childId` (a child it started) exists, and returns how the execution ended. */
export async function killOnceStarted(client: Client, handle: WorkflowHandle, childId: string): Promise<Execution> {
  const child = client.workflow.getHandle(childId);
  for (
    let i = 0;
    i < 300 &&
    !(await child.describe().then(
      () => true,
      () => false,
    ));
    i++
  )
    await new Promise((r) => setTimeout(r, 100));
  await killExecution(handle);
  return executionResult(handle);
}

/** The status of workflow `workflowId` once it is no longer RUNNING (or after ~10 s). */
export async function statusOnceClosed(client: Client, workflowId: string): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  for (let i = 0; i < 100 && (await handle.describe()).status.name === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 100));
  return (await handle.describe()).status.name;
}

/** Starts an execution of `flow` and waits for its final state. */
export async function runToEnd(fixture: TemporalFixture, flow: FlowSpec, options: StartOptions = {}): Promise<Execution> {
  const handle = await startExecution(fixture.client, fixture.config, flow, options);
  return executionResult(handle);
}

export interface FinishedRun {
  handle: WorkflowHandle;
  execution: Execution;
  /** Every log line of the execution. */
  logs: LogEntry[];
  taskRun(taskId: string): TaskRun | undefined;
  /** A task's outputs; {} when it did not run. */
  output(taskId: string): Record<string, unknown>;
}

/** runToEnd, plus the execution's logs and lookups of its task runs. */
export async function runWithLogs(fixture: TemporalFixture, flow: FlowSpec, options: StartOptions = {}): Promise<FinishedRun> {
  const handle = await startExecution(fixture.client, fixture.config, flow, options);
  const execution = await executionResult(handle);
  const { logs } = await handle.query(logsQuery, 0);
  const taskRun = (taskId: string) => execution.taskRuns.find((r) => r.taskId === taskId);
  return { handle, execution, logs, taskRun, output: (taskId) => taskRun(taskId)?.outputs ?? {} };
}

/** Fails unless the execution ended SUCCESS, naming its error and each task run's. */
export function assertSucceeded(execution: Execution): void {
  assert.equal(execution.state, 'SUCCESS', `${execution.error} ${JSON.stringify(execution.taskRuns.map((r) => [r.taskId, r.error]))}`);
}

/** Fails unless no workflow with this id was ever started (a trigger or a schedule that must not fire). */
export async function assertNeverStarted(client: Client, workflowId: string): Promise<void> {
  await assert.rejects(client.workflow.getHandle(workflowId).describe(), WorkflowNotFoundError);
}

/**
 * The run of `workflowId` other than `notRunId`, once it has ended: for executions that something
 * else starts (a Schedule, a backfill, a restart), waiting up to `timeoutMs` for them to appear.
 */
export async function finishedRun(
  client: Client,
  workflowId: string,
  { notRunId, timeoutMs = 120_000 }: { notRunId?: string; timeoutMs?: number } = {},
): Promise<{ runId: string; execution: Execution }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const description = await client.workflow.getHandle(workflowId).describe();
      if (description.runId !== notRunId) {
        return { runId: description.runId, execution: await executionResult(client.workflow.getHandle(workflowId, description.runId)) };
      }
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no new run of ${workflowId} within ${timeoutMs / 1000} s`);
}

/** Triggers a Temporal Schedule now (as `temporal schedule trigger` does) and returns the run it started, once ended. */
export async function triggerScheduleRun(client: Client, scheduleId: string): Promise<Execution> {
  const schedule = client.schedule.getHandle(scheduleId);
  await schedule.trigger();
  for (let i = 0; i < 300; i++) {
    const [action] = (await schedule.describe()).info.recentActions;
    if (action?.action.type === 'startWorkflow') {
      const { workflowId, firstExecutionRunId } = action.action.workflow;
      return executionResult(executionHandle(client, scheduledExecutionId(workflowId, firstExecutionRunId)));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Schedule ${scheduleId} started nothing`);
}
