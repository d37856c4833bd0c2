/**
 * Subflow plumbing shared by the workflow and the worker. Sandbox-safe.
 */

/** Local activity: loads a deployed flow from the flow store (the workflow itself cannot do I/O). */
export const LOAD_FLOW_ACTIVITY = 'tflow.subflow.loadFlow';

export interface LoadFlowArgs {
  namespace: string;
  flowId: string;
  revision?: number;
}

/** The failure type of a flow that is not in the flow store (not retried). */
export const SUBFLOW_NOT_FOUND = 'TflowSubflowNotFound';
