/**
 * Signals between executions and their flow's concurrency semaphore (shared by the workflows and
 * the activity that starts the semaphore). Sandbox-safe.
 */
import { defineSignal } from '@temporalio/workflow';
import type { SlotDecision, SlotRequest } from './semaphore';

/** Execution → semaphore: "I want a slot" (sent with signalWithStart, so it starts the semaphore if needed). */
export const slotRequestSignal = defineSignal<[SlotRequest]>('tflow.concurrency.request');
/** Execution → semaphore: "I ended" (or "I no longer wait": killed while queued). */
export const slotReleaseSignal = defineSignal<[{ executionId: string }]>('tflow.concurrency.release');
/** Semaphore → execution: granted, queued (with the number running) or refused. */
export const slotDecisionSignal = defineSignal<[SlotDecision]>('tflow.concurrency.decision');

/** The semaphore's workflow type (a named workflow; executions use the dynamic default one). */
export const SEMAPHORE_WORKFLOW_TYPE = 'tflowConcurrencySemaphore';

export interface SemaphoreInput {
  namespace: string;
  flowId: string;
  /** Carried over by continue-as-new. */
  state?: import('./semaphore').SemaphoreState;
}

/** Activity types of the semaphore plumbing (worker-side, registered with the task activities). */
export const REQUEST_SLOT_ACTIVITY = 'tflow.concurrency.requestSlot';
export const CLOSED_EXECUTIONS_ACTIVITY = 'tflow.concurrency.closedExecutions';

export interface RequestSlotArgs {
  namespace: string;
  flowId: string;
  taskQueue: string;
  request: SlotRequest;
}
