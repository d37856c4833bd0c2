/**
 * The Subflow task's side of the port: the child flow is loaded by a local activity (a recorded
 * result, so replays see the same FlowSpec) and runs as a child workflow of the generic workflow,
 * its type `<namespace>.<flowId>`, its id the deterministic execution id FlowRun chose.
 *
 * Sandbox code: deterministic, no Node built-ins.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  proxyLocalActivities,
  startChild,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { FlowSpec } from '../flow/spec';
import type { Execution } from '../interpreter/execution';
import type { InterpreterPort, SubflowEnd } from '../interpreter/interpreter-port';
import { LOAD_FLOW_ACTIVITY, type LoadFlowArgs } from './messages';
import { executionSearchAttributes } from '../search-attributes';
import { FLOW_FAILED } from '../definitions';

const plumbing = proxyLocalActivities<{ [LOAD_FLOW_ACTIVITY](args: LoadFlowArgs): Promise<FlowSpec> }>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export const subflowPort: Required<Pick<InterpreterPort, 'loadFlow' | 'startSubflow'>> = {
  async loadFlow(namespace, flowId, revision) {
    try {
      return await plumbing[LOAD_FLOW_ACTIVITY]({ namespace, flowId, ...(revision !== undefined ? { revision } : {}) });
    } catch (error) {
      // The task fails with the reason (flow not found…), not "Activity task failed".
      if (error instanceof ActivityFailure && !(error.cause instanceof CancelledFailure)) throw new Error(error.cause?.message ?? error.message);
      throw error;
    }
  },

  async startSubflow({ request, summary, wait }) {
    const { flow } = request;
    const labels = { ...flow.labels, ...request.labels };
    const child = await startChild(`${flow.namespace}.${flow.id}`, {
      workflowId: request.executionId,
      args: [request],
      // Killing the parent kills a child it waits for (Kestra cascades kills); a fire-and-forget child lives on.
      parentClosePolicy: wait ? ParentClosePolicy.REQUEST_CANCEL : ParentClosePolicy.ABANDON,
      typedSearchAttributes: [...executionSearchAttributes(flow, labels)],
      staticSummary: summary,
    });
    if (!wait) return undefined;
    try {
      const execution = (await child.result()) as Execution;
      return { state: execution.state, outputs: execution.outputs, ...extracted(execution) };
    } catch (error) {
      return childEnd(error);
    }
  },
};

/** The parent task's `outputs` the child rendered, when it was asked to (absent otherwise, as in histories recorded before). */
function extracted(execution: Execution | undefined): Pick<SubflowEnd, 'extractedOutputs'> {
  return execution?.extractedOutputs ? { extractedOutputs: execution.extractedOutputs } : {};
}

/** How a child that did not end SUCCESS/WARNING ended; rethrows when the parent itself is being killed. */
function childEnd(error: unknown): SubflowEnd {
  if (!(error instanceof ChildWorkflowFailure)) throw error;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type === FLOW_FAILED) {
    const execution = cause.details?.[0] as Execution | undefined;
    return { state: execution?.state ?? 'FAILED', outputs: execution?.outputs ?? {}, error: cause.message, ...extracted(execution) };
  }
  if (cause instanceof CancelledFailure) {
    if (CancellationScope.current().consideredCancelled) throw error;
    return { state: 'KILLED', outputs: {}, error: 'The subflow execution was killed' };
  }
  if (cause instanceof TerminatedFailure) return { state: 'KILLED', outputs: {}, error: 'The subflow execution was terminated' };
  if (cause instanceof TimeoutFailure) return { state: 'FAILED', outputs: {}, error: 'The subflow execution timed out' };
  return { state: 'FAILED', outputs: {}, error: cause?.message ?? error.message };
}
