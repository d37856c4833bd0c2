/**
 * Flow `concurrency` ({limit, behavior}): the decisions of the per-flow semaphore, as pure functions.
 *
 * One semaphore workflow per flow (src/workflow/concurrency/concurrency-slot.ts) owns this state; every execution of
 * the flow asks it for a slot when it starts and gives the slot back when it ends. A slot is held
 * from the grant to the end of the execution, so RUNNING and PAUSED executions both count, as in
 * Kestra. Pure and deterministic: the workflow applies these functions to the signals it receives.
 */
import type { ConcurrencySpec } from '../flow/spec';

export interface SlotRequest {
  /** The execution (workflow id) asking for a slot. */
  executionId: string;
  limit: number;
  behavior: ConcurrencySpec['behavior'];
}

/** What the semaphore tells an execution. `running` = executions holding a slot at that moment. */
export type SlotDecision = { status: 'granted' } | { status: 'queued'; running: number } | { status: 'refused'; running: number };

export interface SemaphoreState {
  /** Executions holding a slot, in grant order. */
  holders: string[];
  /** QUEUE requests waiting for a slot, first come first served. */
  queue: SlotRequest[];
}

export interface Delivery {
  executionId: string;
  decision: SlotDecision;
}

export function emptySemaphore(): SemaphoreState {
  return { holders: [], queue: [] };
}

/**
 * Applies a request. Idempotent: a repeated request (a retried start) gets the same answer again.
 * A request is granted only when nobody is queued before it, so QUEUE stays FIFO.
 */
export function requestSlot(state: SemaphoreState, request: SlotRequest): Delivery[] {
  const { executionId } = request;
  if (state.holders.includes(executionId)) return [{ executionId, decision: { status: 'granted' } }];
  if (state.queue.some((q) => q.executionId === executionId)) return [{ executionId, decision: { status: 'queued', running: state.holders.length } }];
  if (state.queue.length === 0 && state.holders.length < request.limit) {
    state.holders.push(executionId);
    return [{ executionId, decision: { status: 'granted' } }];
  }
  if (request.behavior === 'QUEUE') {
    state.queue.push(request);
    return [{ executionId, decision: { status: 'queued', running: state.holders.length } }];
  }
  return [{ executionId, decision: { status: 'refused', running: state.holders.length } }];
}

/** True when `request` would be refused or queued right now (the workflow then checks the holders are alive first). */
export function mustWait(state: SemaphoreState, request: SlotRequest): boolean {
  if (state.holders.includes(request.executionId) || state.queue.some((q) => q.executionId === request.executionId)) return false;
  return state.queue.length > 0 || state.holders.length >= request.limit;
}

/** An execution ended (or left the queue, killed while waiting): frees its slot and grants it to the next in line. */
export function releaseSlot(state: SemaphoreState, executionId: string): Delivery[] {
  state.holders = state.holders.filter((id) => id !== executionId);
  state.queue = state.queue.filter((q) => q.executionId !== executionId);
  return promote(state);
}

/** Grants free slots to queued executions, in order. Each waiter's own limit applies (the latest revision's, usually). */
function promote(state: SemaphoreState): Delivery[] {
  const granted: Delivery[] = [];
  while (state.queue.length > 0 && state.holders.length < state.queue[0].limit) {
    const next = state.queue.shift()!;
    state.holders.push(next.executionId);
    granted.push({ executionId: next.executionId, decision: { status: 'granted' } });
  }
  return granted;
}

export function isIdle(state: SemaphoreState): boolean {
  return state.holders.length === 0 && state.queue.length === 0;
}

/** The semaphore workflow's id: one per flow, readable in the Web UI. */
export function semaphoreWorkflowId(namespace: string, flowId: string): string {
  return `tflow.concurrency.${namespace}.${flowId}`;
}
