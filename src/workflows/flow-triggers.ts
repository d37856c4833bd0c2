/**
 * The end of every execution: start the deployed flows whose Flow triggers listen to it. One local
 * activity does the registry lookup and the starts (src/triggers/activities.ts); its result, the
 * executions it started, is recorded in this execution's history.
 *
 * Sandbox code: deterministic, no Node built-ins.
 */
import { ActivityFailure, CancellationScope, log, patched, proxyLocalActivities } from '@temporalio/workflow';
import type { Execution } from '../interpreter/execution';
import { FIRE_FLOW_TRIGGERS_ACTIVITY, type FiredFlowTriggers } from '../triggers/messages';

/** Executions that ended before Flow triggers existed scheduled no activity there: their histories must replay. */
export const FLOW_TRIGGERS_PATCH = 'tflow-flow-triggers';

const plumbing = proxyLocalActivities<{ [FIRE_FLOW_TRIGGERS_ACTIVITY](execution: Execution): Promise<FiredFlowTriggers> }>({
  startToCloseTimeout: '1 minute',
  // Few, quick attempts: with the registry's database down, every execution's end waits for them.
  // NotFoundError: a worker built without the plumbing (some benchmarks) fires nothing, at once.
  retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: ['NotFoundError'] },
});

/**
 * Fires the Flow triggers listening to `execution` (which has just ended). A killed execution fires
 * too (KILLED may be a listened-to state), so this runs outside cancellation. A failure to fire is
 * logged: it never changes how this execution ended.
 */
export async function fireFlowTriggers(execution: Execution): Promise<void> {
  if (!patched(FLOW_TRIGGERS_PATCH)) return;
  try {
    await CancellationScope.nonCancellable(() => plumbing[FIRE_FLOW_TRIGGERS_ACTIVITY](execution));
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.error(`Flow triggers after ${execution.id} could not be fired: ${error.cause?.message ?? error.message}`);
  }
}
