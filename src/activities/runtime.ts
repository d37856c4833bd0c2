/**
 * Turns each runnable task type into a Temporal activity: validates the rendered properties, gives
 * the task a context (logs, cancellation, internal storage, a working directory), heartbeats while
 * it runs, and reports failures in a shape the workflow understands (TaskFailed with the attempt
 * and the task's logs).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { activityInfo, ApplicationFailure, CancelledFailure, Context, type Info } from '@temporalio/activity';
import { loadConfig } from '../config';
import type { LogLevel } from '../workflow/flow/spec';
import type { TaskResult } from '../workflow/interpreter/task-invocation';
import { scopedStorage, storageFromConfig, storeLocalFile, taskRunFileUri } from '../storage';
import { runnableTaskTypes } from '../plugins/registry';
import type { RunnableTaskDefinition } from '../workflow/plugins/task-definition';
import type { TaskContext, TaskServices } from './task-context';
import { HEARTBEAT_TIMEOUT, type TaskActivityInput } from '../workflow/activity-options';
import { retryDelayMs } from '../workflow/retry-delay';
import { TASK_FAILED } from '../workflow/definitions';
import { logsAtLevel, messageOf, outputsTooLarge, parseProperties, taskRunIdentity } from '../workflow/task-kernel';
import { maskSecrets, renderDeferredProperties } from './io-rendering';
import { TaskLogBuffer } from './task-logs';
import { taskMetrics, type TaskRunOutcome } from './task-metrics';
import { mentionsWorkingDir, openSharedDirectory, saveSharedDirectory, type SharedInvocation, withWorkingDir } from './working-directory';

/**
 * Liveness heartbeats while a task runs: a dead worker is noticed after HEARTBEAT_TIMEOUT
 * (activity-options.ts), and a kill reaches the task with the next heartbeat's answer.
 */
const HEARTBEAT_EVERY_MS = 2_000;
/** A failure's message travels in the history too: a huge one (a command echoing its input) is cut. */
const MAX_ERROR_MESSAGE_CHARS = 20_000;

/** The failure type of a task its worker handed back when shutting down (retried like a lost worker). */
const WORKER_SHUTDOWN_FAILURE = 'WorkerShutdown';

export type TaskActivities = Record<string, (invocation: TaskActivityInput) => Promise<TaskResult>>;

let defaultServices: TaskServices | undefined;
function servicesFromEnvironment(): TaskServices {
  if (!defaultServices) {
    const config = loadConfig();
    defaultServices = { config, storage: storageFromConfig(config) };
  }
  return defaultServices;
}

/** One activity per runnable task type, keyed by the Kestra type name. */
export function createTaskActivities(definitions: readonly RunnableTaskDefinition[] = runnableTaskTypes(), services?: TaskServices): TaskActivities {
  return Object.fromEntries(
    definitions.map((definition) => [
      definition.type,
      (invocation: TaskActivityInput) => countedRun(definition.type, () => runTask(definition, invocation, services ?? servicesFromEnvironment())),
    ]),
  );
}

/** Runs one attempt and counts how it ended, and how long it took, in the worker's metrics (task-metrics.ts). */
async function countedRun(type: string, run: () => Promise<TaskResult>): Promise<TaskResult> {
  const started = performance.now();
  let outcome: TaskRunOutcome = 'FAILED';
  try {
    const result = await run();
    outcome = result.state === 'WARNING' ? 'WARNING' : 'SUCCESS';
    return result;
  } catch (error) {
    const cancellation = Context.current().cancellationSignal;
    if (cancellation.aborted) outcome = isWorkerShutdown(cancellation) ? 'INTERRUPTED' : 'KILLED';
    throw error;
  } finally {
    taskMetrics.record(type, outcome, (performance.now() - started) / 1000);
  }
}

/** The SDK cancels the tasks still running when its worker's shutdown grace runs out, with this reason. */
function isWorkerShutdown(cancellation: AbortSignal): boolean {
  return cancellation.reason instanceof CancelledFailure && cancellation.reason.message === 'WORKER_SHUTDOWN';
}

async function runTask(definition: RunnableTaskDefinition, invocation: TaskActivityInput, services: TaskServices): Promise<TaskResult> {
  const activity = Context.current();
  // The task's attempt, counting those the workflow made before scheduling this activity (failed renders).
  const attempt = (invocation.earlierAttempts ?? 0) + activityInfo().attempt;
  const logs = new TaskLogBuffer();
  const logged = logsAtLevel(invocation.logLevel);
  // Secret values the properties resolved: masked in everything that goes back to Temporal.
  let secrets: string[] = [];
  const log = (level: LogLevel, text: string) => {
    if (!logged(level)) return;
    const message = maskSecrets(text, secrets);
    logs.add(level, message);
    activity.log[levelMethod(level)](message, { taskId: invocation.taskId, executionId: invocation.executionId });
  };
  const fail = (message: string, nonRetryable = false) =>
    ApplicationFailure.create({
      type: TASK_FAILED,
      message: shortened(maskSecrets(message, secrets)),
      nonRetryable,
      details: [{ attempt, logs: logs.lines() }],
      // Kestra's delay before the next attempt (Temporal's policy would back off geometrically). At
      // least 1 ms: Temporal does not retry a failure whose nextRetryDelay is 0.
      ...(invocation.retry && !nonRetryable ? { nextRetryDelay: Math.max(1, retryDelayMs(invocation.retry, attempt)) } : {}),
    });

  // What this execution may read and write in internal storage (src/workflow/storage/storage-scope.ts).
  const storage = scopedStorage(services.storage, {
    namespace: invocation.namespace,
    flowId: invocation.flowId,
    executionId: invocation.executionId,
    ...(invocation.parentExecution ? { parent: invocation.parentExecution } : {}),
  });

  const lostWorkers = lostWorkerCount(activityInfo());
  if (lostWorkers > services.config.workerLossRetries) {
    const retries = services.config.workerLossRetries;
    const message =
      `Not retried again: the worker running this task was lost ${lostWorkers} times (it died or froze: no heartbeat for ${HEARTBEAT_TIMEOUT}; ` +
      `TFLOW_WORKER_LOSS_RETRIES=${retries} allows ${retries} ${retries === 1 ? 'retry' : 'retries'}). Look for the cause in the workers' and the host's logs (out of memory?)`;
    log('ERROR', message);
    throw fail(message, true);
  }

  // Properties that call kv()/secret()/read() or read taskrun.attemptsCount arrive unrendered (src/workflow/interpreter/io-functions.ts).
  let properties = invocation.properties;
  if (invocation.deferred) {
    try {
      // The deferred variables' taskrun.attemptsCount already counts the attempts the workflow made: add this activity's.
      const target = { type: invocation.type, namespace: invocation.namespace, attempt: activityInfo().attempt };
      const rendered = await renderDeferredProperties(target, invocation.deferred, { config: services.config, storage });
      secrets = withSecretLines(rendered.secrets);
      properties = { ...invocation.properties, ...rendered.properties };
    } catch (error) {
      // A failed attempt like any other, as in Kestra: a task with `retry` renders again on its next
      // attempt (an undefined variable on the first attempts); one without fails (TASK_FAILED is not retried).
      throw fail(messageOf(error));
    }
  }

  const parsed = parseProperties(definition, invocation.taskId, properties);
  if (parsed.problem !== undefined) throw fail(parsed.problem, true);

  let workingDirectory: Promise<string> | undefined;
  // A WorkingDirectory child restores the directory its siblings share (./working-directory.ts).
  const shared: SharedInvocation | undefined = invocation.workingDirectory
    ? { ...invocation, workingDirectory: invocation.workingDirectory }
    : undefined;
  const openWorkingDirectory = () =>
    (workingDirectory ??= shared ? openSharedDirectory(shared, storage) : createWorkingDirectory(invocation, attempt));
  let lastProgress: unknown;
  let warning = false;
  const context: TaskContext = {
    ...taskRunIdentity(invocation, attempt),
    log,
    signal: activity.cancellationSignal,
    storage,
    config: services.config,
    putFile: (fileName: string, content: Readable) => storage.put(taskRunFileUri(invocation, fileName), content),
    // Files of a WorkingDirectory's shared folder stay for the next child: copied, never moved.
    putLocalFile: (fileName: string, path: string) =>
      shared
        ? storage.put(taskRunFileUri(invocation, fileName), createReadStream(path))
        : storeLocalFile(storage, taskRunFileUri(invocation, fileName), path),
    workingDirectory: openWorkingDirectory,
    endInWarning: (reason: string) => {
      warning = true;
      log('WARN', reason);
    },
    heartbeat: (progress?: unknown) => {
      lastProgress = maskSecrets(progress, secrets);
      activity.heartbeat(lastProgress);
    },
  };
  const heartbeat = setInterval(() => activity.heartbeat(lastProgress), HEARTBEAT_EVERY_MS);
  try {
    // `{{ workingDir }}` was rendered in the workflow as a placeholder: the directory is only known here.
    const props = mentionsWorkingDir(parsed.properties) ? withWorkingDir(parsed.properties, await openWorkingDirectory()) : parsed.properties;
    const outputs = maskSecrets(await definition.run(props, context), secrets);
    // Outputs travel in the workflow history (the activity's result): Temporal refuses payloads over 2 MB.
    const tooLarge = outputsTooLarge(invocation.taskId, outputs);
    if (tooLarge) throw new Error(tooLarge);
    const savedDirectory = shared ? await saveSharedDirectory(shared, await openWorkingDirectory(), storage) : undefined;
    return {
      outputs,
      logs: logs.lines(),
      attempts: attempt,
      ...(warning ? { state: 'WARNING' as const } : {}),
      ...(savedDirectory ? { workingDirectory: savedDirectory } : {}),
    };
  } catch (error) {
    if (activity.cancellationSignal.aborted) {
      // Not the task's failure: its worker is stopping. A retryable failure hands it back to Temporal
      // at once (a cancellation nobody asked for would be refused, and wait for the heartbeat timeout).
      if (isWorkerShutdown(activity.cancellationSignal)) {
        log('WARN', `The worker running this task shut down before it finished (TFLOW_WORKER_SHUTDOWN_GRACE): it is retried on another worker`);
        throw ApplicationFailure.retryable('the worker running this task shut down before it finished', WORKER_SHUTDOWN_FAILURE);
      }
      if (error instanceof Error && secrets.length > 0) {
        error.message = maskSecrets(error.message, secrets);
        error.stack = maskSecrets(error.stack, secrets);
      }
      throw error;
    }
    const message = maskSecrets(messageOf(error), secrets);
    activity.log.error(message, { taskId: invocation.taskId, executionId: invocation.executionId });
    throw fail(message);
  } finally {
    clearInterval(heartbeat);
    if (workingDirectory) await workingDirectory.then((dir) => rm(dir, { recursive: true, force: true })).catch(() => undefined);
  }
}

/** Lines of a multi-line secret shorter than this (`{`, `}`) are too common to mask. */
const MIN_MASKED_SECRET_LINE = 4;

/**
 * The texts to mask for `secrets`: each secret, and each line of a multi-line one (a PEM key, a JSON
 * key file), since a script printing it (`echo "$KEY"`, `set -x`) is logged line by line.
 */
function withSecretLines(secrets: readonly string[]): string[] {
  const lines = secrets.flatMap((secret) => secret.split(/\r?\n/).map((line) => line.trim()));
  return [...new Set([...secrets, ...lines.filter((line) => line.length >= MIN_MASKED_SECRET_LINE)])];
}

/**
 * How many earlier attempts of this task lost their worker. A task without a user `retry` has its
 * own failures marked non-retryable (activity-options.ts), so its attempt N follows N - 1 lost
 * workers; runTask bounds them with TFLOW_WORKER_LOSS_RETRIES, on the worker, without workflow
 * changes. With a user `retry`, its `maxAttempts` or `maxDuration` bounds every attempt: 0 here
 * (and also when the server does not send the retry policy, as older servers do not).
 */
function lostWorkerCount(info: Info): number {
  const ownFailuresRetried = !info.retryPolicy?.nonRetryableErrorTypes?.includes(TASK_FAILED);
  return ownFailuresRetried ? 0 : info.attempt - 1;
}

async function createWorkingDirectory(invocation: TaskActivityInput, attempt: number): Promise<string> {
  const parent = join(tmpdir(), 'tflow-work');
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, `${safe(invocation.taskId)}-${attempt}-`));
}

function shortened(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE_CHARS
    ? message
    : `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}… [${message.length - MAX_ERROR_MESSAGE_CHARS} more characters]`;
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
}

function levelMethod(level: LogLevel): 'trace' | 'debug' | 'info' | 'warn' | 'error' {
  return level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
}
