/**
 * Worker-side plumbing of the Subflow task, run as a local activity: loading the child flow's
 * FlowSpec from the flow store, so the workflow gets it as a recorded result and stays deterministic.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { FlowSpec } from '../workflow/flow/spec';
import { loadDeployedFlow } from '../flow-store/deploy';
import { FlowNotFoundError, FlowStore } from '../flow-store/flow-store';
import { LOAD_FLOW_ACTIVITY, type LoadFlowArgs, SUBFLOW_NOT_FOUND } from '../workflow/subflow/messages';

export interface SubflowActivities {
  activities: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Closes the flow store connection pool (when the worker stops). */
  close(): Promise<void>;
}

export function createSubflowActivities(databaseUrl: string): SubflowActivities {
  let flowStore: FlowStore | undefined;
  async function loadFlow({ namespace, flowId, revision }: LoadFlowArgs): Promise<FlowSpec> {
    flowStore ??= FlowStore.connect(databaseUrl);
    try {
      return await loadDeployedFlow(flowStore, `${namespace}/${flowId}`, revision);
    } catch (error) {
      if (error instanceof FlowNotFoundError) {
        const which = revision === undefined ? '' : ` with revision '${revision}'`;
        throw ApplicationFailure.create({
          type: SUBFLOW_NOT_FOUND,
          nonRetryable: true,
          message: `Unable to find flow '${namespace}'.'${flowId}'${which}`,
        });
      }
      throw error;
    }
  }
  return {
    activities: { [LOAD_FLOW_ACTIVITY]: loadFlow },
    close: async () => {
      await flowStore?.close();
    },
  };
}
