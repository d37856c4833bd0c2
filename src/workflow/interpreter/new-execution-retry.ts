/**
 * Kestra's retry `behavior: CREATE_NEW_EXECUTION` (flow-level `retry`, or a task's or flowable's):
 * a task that fails does not get a new attempt in the execution. The execution stops starting tasks
 * (no `errors`, `finally` or `afterExecution`; tasks already running elsewhere finish), its failed
 * task run, the flowables around it and the execution end RETRIED, and after the retry's delay a new
 * execution of the same flow revision is created, with the same inputs, trigger and labels (plus
 * Kestra's `system.replay: true`), Kestra's attempt number plus one and the chain's `originalId`.
 * That is until `maxAttempts` executions (counted by attempt number) or `maxDuration` since the first
 * execution started are spent: the last one ends FAILED, as without retry.
 *
 * In Temporal terms the new execution is a new workflow (a new execution id, as in Kestra), started by
 * the RETRIED one as an abandoned child workflow: the Web UI links the two, and the RETRIED one ends.
 * Pure: safe in the workflow sandbox.
 */
import type { LogLevel, RetrySpec } from '../flow/spec';
import { mayRetry, retryDelayMs } from '../retry-delay';
import { NEW_EXECUTION_RETRY_PATCH } from '../patches';
import { formatDuration } from './duration';
import type { Execution, State, TaskRun } from './execution';
import type { ExecutionRequest, InterpreterPort } from './interpreter-port';

/** The decision a failed task made: the execution ends RETRIED, and `request` starts after `delayMs`. */
export interface NextExecution {
  failedTaskRun: TaskRun;
  retry: RetrySpec;
  request: ExecutionRequest;
  delayMs: number;
}

/** What the retry sees of the running execution (FlowRun provides it). */
export interface RetryHost {
  readonly port: InterpreterPort;
  readonly request: ExecutionRequest;
  readonly execution: Execution;
  log(level: LogLevel, message: string): void;
  finish(state: State): void;
  changed(): void;
}

/** Kestra's label on an execution created from another one (its `replay`, which this retry is). */
export const REPLAY_LABEL = 'system.replay';

export class NewExecutionRetry {
  /** Set once a failed task ended the execution's attempts here: no task starts any more. */
  next: NextExecution | undefined;
  /** A ForEach batch (a child workflow of the execution) decides nothing: its failures fail the execution. */
  disabled = false;

  constructor(private readonly host: RetryHost) {}

  /**
   * A task run ended FAILED under `retry` (its effective retry). True when the retry creates a new
   * execution: attempts and `maxDuration` allow one, and this execution is to end RETRIED.
   */
  taskFailed(retry: RetrySpec | undefined, taskRun: TaskRun): boolean {
    if (this.next || this.disabled || retry?.behavior !== 'CREATE_NEW_EXECUTION') return false;
    const { port, request, execution } = this.host;
    // FlowSpecs compiled before this behavior was run never carry it; the guard marks the histories that do.
    if (!(port.patched?.(NEW_EXECUTION_RETRY_PATCH) ?? true)) return false;
    const { flow, retryOf } = request;
    const attemptNumber = retryOf?.attemptNumber ?? 1;
    const delayMs = retryDelayMs(retry, attemptNumber);
    const originalStartDate = retryOf?.originalStartDate ?? execution.startDate;
    if (!mayRetry(retry, attemptNumber, Date.parse(originalStartDate), port.now().getTime() + delayMs)) return false;
    this.next = {
      failedTaskRun: taskRun,
      retry,
      delayMs,
      request: {
        executionId: `${flow.namespace}.${flow.id}-${port.newId().replace(/-/g, '').slice(0, 12)}`,
        flow,
        inputs: request.inputs,
        labels: { ...execution.labels, [REPLAY_LABEL]: 'true' },
        ...(request.trigger ? { trigger: request.trigger } : {}),
        retryOf: { previousId: execution.id, originalId: retryOf?.originalId ?? execution.id, originalStartDate, attemptNumber: attemptNumber + 1 },
      },
    };
    return true;
  }

  /**
   * The failed task run, the flowables around it and the execution end RETRIED; after the retry's
   * delay the next execution is created (a child workflow left to run on its own), its id logged.
   */
  async endRetried(): Promise<Execution> {
    const next = this.next!;
    const { port, execution } = this.host;
    const { executionId } = next.request;
    const attempt = next.request.retryOf!.attemptNumber;
    const byId = new Map(execution.taskRuns.map((run) => [run.id, run]));
    for (let run: TaskRun | undefined = next.failedTaskRun; run; run = run.parentTaskRunId ? byId.get(run.parentTaskRunId) : undefined) {
      run.state = 'RETRIED';
    }
    const delay = formatDuration(next.delayMs);
    this.host.log(
      'WARN',
      `Execution RETRIED: task ${next.failedTaskRun.taskId} failed and its retry creates a new execution (behavior CREATE_NEW_EXECUTION): ` +
        `${executionId}, attempt ${attempt}${next.retry.maxAttempts ? ` of ${next.retry.maxAttempts}` : ''}, in ${delay}`,
    );
    execution.error = `Task ${next.failedTaskRun.taskId} failed: ${next.failedTaskRun.error ?? 'unknown error'} (retried as execution ${executionId})`;
    this.host.finish('RETRIED');
    port.stateChanged?.('RETRIED');
    try {
      await port.sleep(next.delayMs, `retry: execution ${executionId} in ${delay}`);
      if (!port.startSubflow) throw new Error('Creating an execution needs child executions, which this runner has not');
      const summary = `${execution.namespace}.${execution.flowId}: retry of ${execution.id}, attempt ${attempt}`;
      await port.startSubflow({ request: next.request, summary: summary.slice(0, 190), wait: false });
      this.host.log('INFO', `Created execution ${executionId} (attempt ${attempt})`);
    } catch (error) {
      if (!port.isCancellation(error)) throw error;
      this.host.log('WARN', `Killed before the new execution ${executionId} was created: the retries stop here`);
    }
    this.host.changed();
    return execution;
  }
}
