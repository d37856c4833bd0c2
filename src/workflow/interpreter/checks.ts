/**
 * Flow `checks` (Kestra 1.x): conditions on the inputs, evaluated before an execution is created.
 * A false condition (or one that cannot be rendered) acts by its `behavior`: BLOCK_EXECUTION
 * creates nothing, FAIL_EXECUTION creates an execution that is FAILED at once, CREATE_EXECUTION
 * creates it normally (the message is logged). Pure: every way an execution starts goes through
 * `checkRequest` (the client, hence the API and webhooks; scheduled runs in the workflow; Flow
 * triggers), the Subflow task through `failedChecks`.
 */
import type { FlowSpec, LogLevel } from '../flow/spec';
import type { ExecutionRequest, FailedCheck } from './interpreter-port';
import { type Context, isTruthy, render, renderTyped } from '../expression';
import { messageOf } from '../error-message';

/** The checks of `flow` that fail for these (resolved) inputs, in declaration order. */
export function failedChecks(flow: FlowSpec, inputs: Record<string, unknown>, extra: Context = {}): FailedCheck[] {
  if (!flow.checks?.length) return [];
  const context: Context = { flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision }, inputs, labels: flow.labels, ...extra };
  const failed: FailedCheck[] = [];
  for (const check of flow.checks) {
    let holds: boolean;
    let reason = '';
    try {
      holds = isTruthy(renderTyped(check.condition, context));
    } catch (error) {
      holds = false;
      reason = ` (the condition could not be evaluated: ${messageOf(error)})`;
    }
    if (holds) continue;
    let message: string;
    try {
      message = render(check.message, context);
    } catch {
      message = check.message;
    }
    failed.push({ message: message + reason, style: check.style, behavior: check.behavior, ...(check.position ? { position: check.position } : {}) });
  }
  return failed;
}

/** A failed check's `style` as a log level. */
const CHECK_LOG_LEVELS: Record<FailedCheck['style'], LogLevel> = { ERROR: 'ERROR', WARNING: 'WARN', SUCCESS: 'INFO', INFO: 'INFO' };

/** The level a failed check is logged at in its execution. */
export function checkLogLevel(check: FailedCheck): LogLevel {
  return CHECK_LOG_LEVELS[check.style];
}

/** The execution's error when failed checks end it at once: a FAIL_EXECUTION one (or a BLOCK_EXECUTION one its creator did not enforce). */
export function checksFailureMessage(failed: readonly FailedCheck[]): string | undefined {
  const failing = failed.filter((check) => check.behavior !== 'CREATE_EXECUTION');
  return failing.length > 0 ? `Execution failed by a flow check: ${failing.map((check) => check.message).join('; ')}` : undefined;
}

/** Kestra's words for a blocked execution. */
export function blockedMessage(check: FailedCheck): string {
  return `Execution blocked by a flow check: ${check.message}`;
}

/** A request about to start, once its flow's checks are evaluated. */
export interface CheckedRequest {
  /** The request, carrying the checks that failed (the workflow logs them and fails by FAIL_EXECUTION ones). */
  request: ExecutionRequest;
  /** The failed BLOCK_EXECUTION checks: when there are any, no execution may be created. */
  blocking: FailedCheck[];
}

/**
 * Evaluates the flow's checks for an execution about to start, whoever starts it (CLI and API, webhooks,
 * Schedules, Flow triggers): conditions see `flow`, `inputs`, `labels`, `execution.id` and `trigger`.
 */
export function checkRequest(request: ExecutionRequest): CheckedRequest {
  const { flow } = request;
  const failed = failedChecks(flow, request.inputs, {
    labels: { ...flow.labels, ...request.labels },
    execution: { id: request.executionId },
    ...(request.trigger ? { trigger: request.trigger } : {}),
  });
  const { failedChecks: _previous, ...rest } = request;
  return {
    request: failed.length > 0 ? { ...rest, failedChecks: failed } : rest,
    blocking: failed.filter((check) => check.behavior === 'BLOCK_EXECUTION'),
  };
}
