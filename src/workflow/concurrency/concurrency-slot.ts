/**
 * Flow `concurrency` on Temporal: one semaphore workflow per flow, and the execution's side of it.
 *
 * Protocol (ids and signals in src/workflow/concurrency/messages.ts):
 * 1. An execution of a flow with `concurrency` sends `request` to the flow's semaphore with
 *    signalWithStart (from a local activity: workflows cannot signalWithStart), which starts the
 *    semaphore if none runs.
 * 2. The semaphore answers with a `decision` signal: granted, queued (QUEUE; granted later, FIFO)
 *    or refused (CANCEL/FAIL).
 * 3. The execution holds its slot until it ends — RUNNING or PAUSED alike, as Kestra counts — and
 *    then sends `release`, also when killed (a non-cancellable scope) or killed while queued.
 * Nothing leaks when an execution cannot say goodbye (terminated, timed out): before making anyone
 * wait, and every LIVENESS_CHECK_INTERVAL while someone waits, the semaphore asks the server which
 * holders are closed and frees their slots. A crashed worker leaks nothing either: its executions
 * go on on another worker, still holding their slots, and release them when they end.
 *
 * Sandbox code: deterministic, no Node built-ins.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConcurrencySpec } from '../flow/spec';
import {
  CLOSED_EXECUTIONS_ACTIVITY,
  REQUEST_SLOT_ACTIVITY,
  type RequestSlotArgs,
  type SemaphoreInput,
  slotDecisionSignal,
  slotReleaseSignal,
  slotRequestSignal,
} from './messages';
import {
  type Delivery,
  emptySemaphore,
  isIdle,
  mustWait,
  releaseSlot,
  requestSlot,
  semaphoreWorkflowId,
  type SlotDecision,
  type SlotRequest,
} from './semaphore';
import { CONCURRENCY_PATCH } from '../patches';

/** How often a semaphore with waiters checks that its holders still run (a terminated one cannot release). */
const LIVENESS_CHECK_INTERVAL = '30 seconds';
/** An idle semaphore lingers this long (a burst of executions reuses it), then completes. */
const IDLE_LINGER = '1 minute';
/** Continue-as-new well before Temporal's own suggestion, to keep each run's history short to replay. */
const MAX_HISTORY_EVENTS = 5_000;

const plumbing = proxyLocalActivities<{
  [REQUEST_SLOT_ACTIVITY](args: RequestSlotArgs): Promise<void>;
  [CLOSED_EXECUTIONS_ACTIVITY](executionIds: string[]): Promise<string[]>;
}>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 5 } });

// -----------------------------------------------------------------------------------------------
// The execution's side

export interface ConcurrencySlot {
  /**
   * Waits for a slot: true once granted, false when refused (CANCEL/FAIL). `onQueued` runs when
   * the execution has to wait (QUEUE), with the number of executions holding a slot.
   */
  acquire(concurrency: ConcurrencySpec, onQueued: (running: number) => void): Promise<boolean>;
  /** Gives the slot back (or leaves the queue). Safe to call when nothing was requested; never cancelled. */
  release(): Promise<void>;
}

export function concurrencySlot(namespace: string, flowId: string, executionId: string): ConcurrencySlot {
  let requested = false;
  return {
    async acquire(concurrency, onQueued) {
      if (!patched(CONCURRENCY_PATCH)) return true;
      let decision: SlotDecision | undefined;
      // A late `queued` must not undo a grant (the semaphore sends them in order; this is a guard).
      setHandler(slotDecisionSignal, (received) => void (decision?.status === 'granted' ? undefined : (decision = received)));
      const request: SlotRequest = { executionId, limit: concurrency.limit, behavior: concurrency.behavior };
      requested = true;
      await plumbing[REQUEST_SLOT_ACTIVITY]({ namespace, flowId, taskQueue: workflowInfo().taskQueue, request });
      await condition(() => decision !== undefined);
      if (decision!.status === 'queued') {
        onQueued(decision!.running);
        await condition(() => decision!.status !== 'queued');
      }
      return decision!.status === 'granted';
    },
    async release() {
      if (!requested) return;
      requested = false;
      await CancellationScope.nonCancellable(async () => {
        try {
          await getExternalWorkflowHandle(semaphoreWorkflowId(namespace, flowId)).signal(slotReleaseSignal, { executionId });
        } catch {
          // No semaphore runs: it already freed this slot (it saw this execution closed) and went idle.
        }
      });
    },
  };
}

// -----------------------------------------------------------------------------------------------
// The semaphore workflow

type Message = { kind: 'request'; request: SlotRequest } | { kind: 'release'; executionId: string };

/** One per flow, id `tflow.concurrency.<namespace>.<flowId>`; its state is the holders and the queue. */
export async function tflowConcurrencySemaphore(input: SemaphoreInput): Promise<void> {
  const state = input.state ?? emptySemaphore();
  const inbox: Message[] = [];
  setHandler(slotRequestSignal, (request) => void inbox.push({ kind: 'request', request }));
  setHandler(slotReleaseSignal, ({ executionId }) => void inbox.push({ kind: 'release', executionId }));

  /** Signals each decision; an execution that is gone (killed while queued, say) gives its slot back at once. */
  const deliver = async (deliveries: Delivery[]): Promise<void> => {
    const gone: string[] = [];
    await Promise.all(
      deliveries.map(async ({ executionId, decision }) => {
        try {
          await getExternalWorkflowHandle(executionId).signal(slotDecisionSignal, decision);
        } catch {
          if (decision.status !== 'refused') gone.push(executionId);
        }
      }),
    );
    for (const executionId of gone) await deliver(releaseSlot(state, executionId));
  };
  const freeClosedHolders = async (): Promise<Delivery[]> => {
    if (state.holders.length === 0) return [];
    const closed = await plumbing[CLOSED_EXECUTIONS_ACTIVITY]([...state.holders]);
    return closed.flatMap((executionId) => releaseSlot(state, executionId));
  };
  const showState = () =>
    setCurrentDetails(
      `**Concurrency of ${input.namespace}.${input.flowId}**\n\nRunning: ${state.holders.map((id) => `\`${id}\``).join(', ') || '–'}\n\n` +
        `Queued: ${state.queue.map((q) => `\`${q.executionId}\``).join(', ') || '–'}`,
    );

  for (;;) {
    while (inbox.length > 0) {
      const message = inbox.shift()!;
      if (message.kind === 'release') {
        await deliver(releaseSlot(state, message.executionId));
        continue;
      }
      // Before making an execution wait (or refusing it), make sure no slot is held by a dead one.
      if (mustWait(state, message.request)) await deliver(await freeClosedHolders());
      await deliver(requestSlot(state, message.request));
    }
    showState();

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS) {
      await condition(allHandlersFinished);
      if (inbox.length === 0) await continueAsNew<typeof tflowConcurrencySemaphore>({ ...input, state });
      continue;
    }
    if (isIdle(state)) {
      const woke = await condition(() => inbox.length > 0, IDLE_LINGER);
      if (!woke && inbox.length === 0 && isIdle(state)) {
        await condition(allHandlersFinished);
        return;
      }
      continue;
    }
    if (state.queue.length === 0) {
      await condition(() => inbox.length > 0);
      continue;
    }
    const woke = await condition(() => inbox.length > 0, LIVENESS_CHECK_INTERVAL);
    if (!woke) await deliver(await freeClosedHolders());
  }
}
