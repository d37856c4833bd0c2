/**
 * The end of every execution: start the deployed flows whose Flow triggers listen to it. One local
 * activity does the flow store lookup and the starts (src/activities/flow-triggers.ts); its result, the
 * executions it started, is recorded in this execution's history.
 *
 * When that quick path fails (the flow store's database is down), the firing is handed to a child
 * workflow of its own, `tflowFlowTriggerRetry`, which keeps retrying with backoff for days and
 * outlives this execution: a Flow trigger is never silently dropped, and this execution still ends
 * now. Firing is idempotent (the started executions' ids derive from this one), so a retry that
 * overlaps an earlier partial success starts nothing twice.
 *
 * Sandbox code: deterministic, no Node built-ins.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Execution } from '../interpreter/execution';
import { FIRE_FLOW_TRIGGERS_ACTIVITY, type FiredFlowTriggers } from './messages';
import { DURABLE_FLOW_TRIGGERS_PATCH, FLOW_TRIGGERS_PATCH } from '../patches';

type FireFlowTriggers = { [FIRE_FLOW_TRIGGERS_ACTIVITY](execution: Execution): Promise<FiredFlowTriggers> };

const quickly = proxyLocalActivities<FireFlowTriggers>({
  startToCloseTimeout: '1 minute',
  // Few, quick attempts: with the flow store's database down, every execution's end waits for them.
  // NotFoundError: a worker built without the plumbing (some benchmarks) fires nothing, at once.
  retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: ['NotFoundError'] },
});

/** The durable path: a week of retries, at most ten minutes apart, then the failure is final and visible. */
const durably = proxyActivities<FireFlowTriggers>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['NotFoundError'] },
});

/**
 * Fires the Flow triggers listening to `execution` (which has just ended). A killed execution fires
 * too (KILLED may be a listened-to state), so this runs outside cancellation. A failure to fire
 * never changes how this execution ended.
 */
export async function fireFlowTriggers(execution: Execution): Promise<void> {
  if (!patched(FLOW_TRIGGERS_PATCH)) return;
  try {
    await CancellationScope.nonCancellable(() => quickly[FIRE_FLOW_TRIGGERS_ACTIVITY](execution));
  } catch (error) {
    if (!patched(DURABLE_FLOW_TRIGGERS_PATCH)) {
      // Before the durable retry: a local activity's failure arrives as its ApplicationFailure, not
      // an ActivityFailure, so a database that was down failed the execution itself.
      if (!(error instanceof ActivityFailure)) throw error;
      log.error(`Flow triggers after ${execution.id} could not be fired: ${error.cause?.message ?? error.message}`);
      return;
    }
    if (!(error instanceof ActivityFailure || error instanceof ApplicationFailure)) throw error;
    // A worker built without the plumbing (some benchmarks) has nothing to fire.
    if (error instanceof ApplicationFailure && error.type === 'NotFoundError') return;
    const reason = error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : error.message;
    await CancellationScope.nonCancellable(() => handOverFiring(execution, reason));
  }
}

/** The workflow id of the durable retry for `executionId`'s Flow triggers. */
export function flowTriggerRetryId(executionId: string): string {
  return `${executionId}-flow-triggers`;
}

async function handOverFiring(execution: Execution, reason: string): Promise<void> {
  const workflowId = flowTriggerRetryId(execution.id);
  try {
    await startChild(tflowFlowTriggerRetry, { workflowId, args: [execution], parentClosePolicy: ParentClosePolicy.ABANDON });
    log.warn(`Flow triggers after ${execution.id} could not be fired yet (${reason}): workflow ${workflowId} keeps retrying`);
  } catch (error) {
    // A restarted execution that ended again while its earlier retry still runs: that one fires.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    log.warn(`Flow triggers after ${execution.id} could not be fired yet (${reason}): workflow ${workflowId} is already retrying`);
  }
}

/** The durable retry of one ended execution's Flow triggers (a workflow type of its own). */
export async function tflowFlowTriggerRetry(execution: Execution): Promise<FiredFlowTriggers> {
  return durably[FIRE_FLOW_TRIGGERS_ACTIVITY](execution);
}
