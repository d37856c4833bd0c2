/**
 * Worker-side plumbing of flow concurrency, run as local activities (fast, no activity-task round
 * trip): starting-or-signalling the flow's semaphore, and checking which slot holders have ended.
 */
import { getClient } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  CLOSED_EXECUTIONS_ACTIVITY,
  REQUEST_SLOT_ACTIVITY,
  type RequestSlotArgs,
  SEMAPHORE_WORKFLOW_TYPE,
  type SemaphoreInput,
  slotRequestSignal,
} from '../workflow/concurrency/messages';
import { semaphoreWorkflowId } from '../workflow/concurrency/semaphore';

/** Workflows cannot signalWithStart: this activity does it for the execution. */
async function requestSlot({ namespace, flowId, taskQueue, request }: RequestSlotArgs): Promise<void> {
  const input: SemaphoreInput = { namespace, flowId };
  await getClient().workflow.signalWithStart(SEMAPHORE_WORKFLOW_TYPE, {
    workflowId: semaphoreWorkflowId(namespace, flowId),
    taskQueue,
    args: [input],
    signal: slotRequestSignal,
    signalArgs: [request],
    staticSummary: `concurrency of ${namespace}.${flowId}`,
  });
}

/**
 * The executions among `executionIds` that are no longer running (ended, terminated, timed out,
 * deleted): their slots leaked if they could not say so themselves, e.g. a `temporal workflow terminate`.
 */
async function closedExecutions(executionIds: string[]): Promise<string[]> {
  const client = getClient();
  const closed: string[] = [];
  await Promise.all(
    executionIds.map(async (id) => {
      try {
        const description = await client.workflow.getHandle(id).describe();
        if (description.status.name !== 'RUNNING') closed.push(id);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) closed.push(id);
        else throw error;
      }
    }),
  );
  return closed;
}

export function createConcurrencyActivities(): Record<string, (...args: never[]) => Promise<unknown>> {
  return { [REQUEST_SLOT_ACTIVITY]: requestSlot, [CLOSED_EXECUTIONS_ACTIVITY]: closedExecutions };
}
