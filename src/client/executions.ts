import { connectionOptions } from '../temporal/connection';
/**
 * Starting and following executions from outside the worker (CLI, API, tests).
 */
import { randomBytes } from 'node:crypto';
import {
  ApplicationFailure,
  CancelledFailure,
  Client,
  Connection,
  type WorkflowExecutionDescription,
  WorkflowFailedError,
  type WorkflowHandle,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TflowConfig } from '../config';
import { type Diagnostic, FlowValidationError } from '../compiler/diagnostics';
import type { FlowSpec } from '../workflow/flow/spec';
import { type Execution, isTerminated, type LogEntry, type State, type TaskRun, withCorrelationId } from '../workflow/interpreter/execution';
import { blockedMessage, checkRequest } from '../workflow/interpreter/checks';
import type { FailedCheck, ForEachBatchResult } from '../workflow/interpreter/interpreter-port';
import { resolveInputs } from '../workflow/flow/inputs';
import { isSealedSecret, SECRET_MASK } from '../workflow/flow/sealed-secret';
import { sealSecretInputs } from '../secret-inputs/secret-inputs';
import type { RestartRequest } from '../workflow/interpreter/restart';
import { executionSearchAttributes, FlowStateKey, labelsAttribute } from '../workflow/search-attributes';
import { startWorkflow } from './eager-start';
import { executionSummaryOf } from './execution-list';
import { executionQuery, FLOW_FAILED, progressQuery, RESUME_REFUSED, resumeUpdate } from '../workflow/definitions';

export async function connectClient(config: TflowConfig): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.temporalNamespace });
}

/** A readable, unique execution id; it is also the workflow ID. */
export function newExecutionId(flow: FlowSpec): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  const suffix = [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
  return `${flow.namespace}.${flow.id}-${suffix}`;
}

export interface StartOptions {
  /** Raw input values (strings from the CLI, anything from the API). */
  inputs?: Record<string, unknown>;
  labels?: Record<string, string>;
  executionId?: string;
  /** The `trigger` variables the flow sees (e.g. a webhook's body, headers and parameters). */
  trigger?: Record<string, unknown>;
  /** A restart of a FAILED or KILLED execution (./restart.ts). */
  restart?: RestartRequest;
}

/**
 * Validates the inputs and starts an execution. Invalid inputs throw a FlowValidationError that
 * points at each input's definition, and nothing is started.
 */
export async function startExecution(client: Client, config: TflowConfig, flow: FlowSpec, options: StartOptions = {}): Promise<WorkflowHandle> {
  if (flow.disabled) throw new FlowValidationError([diagnosticAt(flow, undefined, 'Requested Flow is disabled.')]);
  const executionId = options.executionId ?? newExecutionId(flow);
  const resolved = resolveInputs(
    flow.inputs,
    options.inputs ?? {},
    {
      flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision },
      execution: { id: executionId },
      ...(options.trigger ? { trigger: options.trigger } : {}),
    },
    // FILE inputs: files uploaded with this execution (or its own), never `file://` or another namespace's.
    { fileScope: { namespace: flow.namespace, flowId: flow.id, executionId } },
  );
  if (resolved.problems.length > 0) {
    throw new FlowValidationError(resolved.problems.map((p) => diagnosticAt(flow, p.inputId, p.message)));
  }
  const labels = withCorrelationId({ ...flow.labels, ...(options.labels ?? {}) }, executionId);
  // Flow `checks`: a failed BLOCK_EXECUTION check creates nothing; the others travel to the workflow.
  const { request, blocking } = checkRequest({
    executionId,
    flow,
    inputs: resolved.inputs,
    labels: options.labels ?? {},
    ...(options.trigger ? { trigger: options.trigger } : {}),
  });
  if (blocking.length > 0) throw new FlowValidationError(blocking.map((check) => checkDiagnostic(flow, check)));
  // SECRET values go to Temporal sealed (checks above saw them in clear, as Kestra's do).
  const inputs = sealSecretInputs(flow.inputs, request.inputs, config);
  // The worker's dynamic workflow runs every flow; the type name is what the Web UI lists.
  return startWorkflow(client, `${flow.namespace}.${flow.id}`, {
    workflowId: executionId,
    taskQueue: config.taskQueue,
    args: [{ ...request, inputs, ...(options.restart ? { restart: options.restart } : {}) }],
    typedSearchAttributes: [...executionSearchAttributes(flow, labels)],
    staticSummary: staticSummary(flow, inputs),
    staticDetails: staticDetails(flow, inputs, labels),
  });
}

function checkDiagnostic(flow: FlowSpec, check: FailedCheck): Diagnostic {
  return {
    file: flow.source ?? `${flow.namespace}.${flow.id}`,
    ...(check.position ?? { line: 1, col: 1 }),
    path: 'checks',
    message: blockedMessage(check),
  };
}

function diagnosticAt(flow: FlowSpec, inputId: string | undefined, message: string): Diagnostic {
  const input = flow.inputs.find((i) => i.id === inputId);
  const position = input?.position ?? { line: 1, col: 1 };
  return { file: flow.source ?? `${flow.namespace}.${flow.id}`, ...position, path: inputId ? `inputs.${inputId}` : '', message };
}

/**
 * The Web UI's one-line summary (at most 200 bytes): the flow, its revision and the inputs, e.g.
 * `zoomcamp.02_postgres_taxi rev 1: taxi=green, year=2019, month=01`.
 */
export function staticSummary(flow: FlowSpec, inputs: Record<string, unknown>): string {
  const shown = Object.entries(inputs)
    .map(([k, v]) => [k, shownInput(v)])
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return truncateUtf8(`${flow.namespace}.${flow.id} rev ${flow.revision}${shown.length > 0 ? `: ${shown.join(', ')}` : ''}`, 200);
}

/** A sealed SECRET input is shown as its mask: its ciphertext means nothing to a reader. */
function shownInput(value: unknown): unknown {
  return isSealedSecret(value) ? SECRET_MASK : value;
}

/** Markdown inline code (straight quotes survive the UI's typographer), whatever backticks `text` holds. */
function codeSpan(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${fence} ${text} ${fence}`;
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const chars = [...text];
  while (Buffer.byteLength(chars.join('')) > maxBytes - 3) chars.pop();
  return `${chars.join('')}…`;
}

/**
 * The Web UI's details (markdown): flow and revision, inputs and labels first (the UI shows the
 * details in a box of limited height), then the flow's description.
 */
function staticDetails(flow: FlowSpec, inputs: Record<string, unknown>, labels: Record<string, string>): string {
  const lines = [`**Flow** \`${flow.namespace}.${flow.id}\`, revision ${flow.revision}`];
  const shown = Object.entries(inputs).map(([k, v]) => `\`${k}\`: ${codeSpan(JSON.stringify(shownInput(v)) ?? 'null')}`);
  if (shown.length > 0 && shown.length <= 6 && shown.join(', ').length <= 300) lines.push('', `**Inputs** ${shown.join(', ')}`);
  else if (shown.length > 0) lines.push('', '**Inputs**', '', ...shown.map((s) => `- ${s}`));
  if (Object.keys(labels).length > 0)
    lines.push(
      '',
      '**Labels** ' +
        labelsAttribute(labels)
          .map((l) => `\`${l}\``)
          .join(' '),
    );
  if (flow.description) lines.push('', flow.description.slice(0, 2000));
  return lines.join('\n').slice(0, 20_000);
}

/** The execution as it is now, from the running workflow (needs a worker). */
export async function queryExecution(handle: WorkflowHandle): Promise<Execution> {
  return handle.query(executionQuery);
}

/**
 * The final execution: the workflow's result, or the execution carried by its failure. A large
 * ForEach's batch (for-each-batches.ts) returns only its counts: its task runs are asked of it.
 */
export async function executionResult(handle: WorkflowHandle): Promise<Execution> {
  try {
    const result = (await handle.result()) as Execution | ForEachBatchResult;
    return Array.isArray(result.taskRuns) ? (result as Execution) : await handle.query(executionQuery);
  } catch (error) {
    const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === FLOW_FAILED && cause.details?.[0]) {
      return cause.details[0] as Execution;
    }
    // A killed execution ends its workflow as Canceled, which carries no details: ask the workflow.
    if (cause instanceof CancelledFailure) return killedExecution(handle);
    throw error;
  }
}

async function killedExecution(handle: WorkflowHandle): Promise<Execution> {
  try {
    return await handle.query(executionQuery);
  } catch {
    // Killed before a worker ever ran it (or no worker answers queries now): what the server knows.
    return executionFromDescription(await handle.describe(), 'KILLED');
  }
}

/** How long to wait for a running execution to answer a query before falling back to what the server knows. */
const QUERY_PATIENCE_MS = 10_000;

/**
 * The execution as it is now: its final state once the workflow has closed, else what the running
 * workflow reports (or, when no worker answers, what the server knows: flow, state, start date).
 */
export async function currentExecution(handle: WorkflowHandle): Promise<Execution> {
  const description = await handle.describe();
  switch (description.status.name) {
    case 'RUNNING':
      try {
        if (!(await workerPolls(handle, description.taskQueue))) throw new Error('no worker to ask');
        return await withTimeout(queryExecution(handle), QUERY_PATIENCE_MS);
      } catch {
        return executionFromDescription(description, (description.typedSearchAttributes.get(FlowStateKey) as State | undefined) ?? 'CREATED');
      }
    // Ended from outside tflow (`temporal workflow terminate`, a workflow run timeout): no result to read.
    case 'TERMINATED':
      return executionFromDescription(description, 'KILLED');
    case 'TIMED_OUT':
      return executionFromDescription(description, 'FAILED');
    default:
      return executionResult(handle);
  }
}

/** True when a worker polls the task queue (recently), so a query to the execution's workflow gets an answer. */
export async function workerPolls(handle: WorkflowHandle, taskQueue: string): Promise<boolean> {
  const response = await handle.client.workflowService.describeTaskQueue({
    namespace: handle.client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (response.pollers ?? []).length > 0;
}

/** What the server alone knows of an execution (no worker needed): its flow, dates and the given state. */
function executionFromDescription(description: WorkflowExecutionDescription, state: State): Execution {
  return { ...executionSummaryOf(description), state, inputs: {}, outputs: {}, taskRuns: [] };
}

/** `promise`, or a rejection once `ms` have passed without its answer. */
/**
 * The ended execution, or undefined when it has not ended within `waitMs` (a `wait` of the API).
 * The wait is cancelled, not left polling Temporal in the background, when the bound passes.
 */
export async function executionResultWithin(handle: WorkflowHandle, waitMs: number): Promise<Execution | undefined> {
  const bound = AbortSignal.timeout(waitMs);
  try {
    return await handle.client.withAbortSignal(bound, () => executionResult(handle));
  } catch (error) {
    if (bound.aborted) return undefined;
    throw error;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Kills an execution: Temporal cancels the workflow, its running tasks are cancelled and end KILLED,
 * and so does the execution. Returns once the request is accepted.
 */
export async function killExecution(handle: WorkflowHandle): Promise<void> {
  await handle.cancel();
}

/**
 * Resumes a PAUSED execution with `onResume` inputs (raw values; the Pause's input definitions type
 * and validate them). Throws ResumeRefusedError with the workflow's reason when it is refused.
 * Returns the ids of the resumed Pause tasks.
 */
export async function resumeExecution(handle: WorkflowHandle, inputs: Record<string, unknown> = {}): Promise<string[]> {
  try {
    return await handle.executeUpdate(resumeUpdate, { args: [{ inputs }] });
  } catch (error) {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === RESUME_REFUSED) throw new ResumeRefusedError(cause.message);
    throw error;
  }
}

export class ResumeRefusedError extends Error {
  override name = 'ResumeRefusedError';
}

export interface ProgressEvents {
  onLog?(entry: LogEntry): void;
  onTaskRun?(taskRun: TaskRun): void;
}

/**
 * Waits for the execution to end, reporting new log lines and task-run state changes as they happen.
 * Returns the final execution.
 */
export async function followExecution(handle: WorkflowHandle, progress: ProgressEvents = {}, pollMs = 250): Promise<Execution> {
  let nextLog = 0;
  const seenStates = new Map<string, string>();
  let done = false;
  const report = async () => {
    try {
      const { execution, logs, next } = await handle.query(progressQuery, nextLog);
      nextLog = next;
      // Each task run's lines between its start and its end, in task-run order.
      const logsByTaskRun = new Map<string | undefined, LogEntry[]>();
      for (const entry of logs) logsByTaskRun.set(entry.taskRunId, [...(logsByTaskRun.get(entry.taskRunId) ?? []), entry]);
      const emitLogs = (taskRunId: string | undefined) => {
        for (const entry of logsByTaskRun.get(taskRunId) ?? []) progress.onLog?.(entry);
        logsByTaskRun.delete(taskRunId);
      };
      for (const taskRun of execution.taskRuns) {
        const changed = seenStates.get(taskRun.id) !== taskRun.state;
        seenStates.set(taskRun.id, taskRun.state);
        if (changed && !isTerminated(taskRun.state)) progress.onTaskRun?.(taskRun);
        emitLogs(taskRun.id);
        if (changed && isTerminated(taskRun.state)) progress.onTaskRun?.(taskRun);
      }
      for (const taskRunId of [...logsByTaskRun.keys()]) emitLogs(taskRunId);
    } catch {
      // No worker has picked the execution up yet, or it just closed: try again on the next tick.
    }
  };
  const result = executionResult(handle).finally(() => (done = true));
  const resultOrTick = () => Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
  // The first query waits for a tick: asked at once, it reaches the workflow while its first workflow
  // task runs and waits for it (and, if that task ends the execution, for a replay of it on a worker),
  // so a short flow paid for two queries instead of the final one (docs/performance.md, cold start).
  await resultOrTick();
  while (!done) {
    await report();
    await resultOrTick();
  }
  const execution = await result;
  await report();
  return execution;
}
