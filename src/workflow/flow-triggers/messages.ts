/**
 * Flow-trigger plumbing shared by the workflow and the worker. Sandbox-safe.
 */

/** Local activity run when an execution ends: starts the deployed flows whose Flow triggers listen to it. */
export const FIRE_FLOW_TRIGGERS_ACTIVITY = 'tflow.triggers.fireFlowTriggers';

/** What it started (recorded in the ended execution's history) and what it refused, with why. */
export interface FiredFlowTriggers {
  started: { executionId: string; namespace: string; flowId: string; triggerId: string }[];
  refused: { namespace: string; flowId: string; triggerId: string; reason: string }[];
}
