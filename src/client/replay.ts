/**
 * Replaying a recorded history against today's workflow code (the bundle workers load): the check
 * that a change to the interpreter does not break executions that are running now. Used by
 * `tflow replay` and by the replay tests.
 */
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { ReplayError, type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import { workflowCodeOptions } from '../worker/workflow-bundle';
import { executionHandle } from './execution-handle';

/**
 * A history file as `temporal workflow show --output json` writes it, or as the Web UI downloads it.
 * Errors name the file.
 */
export function readHistoryFile(path: string): History {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not a JSON history file (${(error as Error).message})`);
  }
  const events = (json as { events?: unknown }).events;
  if (!Array.isArray(events) || events.length === 0)
    throw new Error(`${path}: no \`events\` list (expected the JSON of \`temporal workflow show --output json\`)`);
  return historyFromJSON(json);
}

/** The history of an execution so far (a running one's too), from the server. */
export function fetchExecutionHistory(client: Client, executionId: string): Promise<History> {
  return executionHandle(client, executionId).fetchHistory();
}

export interface ReplayOutcome {
  events: number;
  /** Why replay failed, when it did: the determinism error (or other replay failure) message. */
  divergence?: string;
}

/**
 * Replays `history` with the workflow code workers run (or `code`, for tests that swap a module).
 * A history the code cannot reproduce gives `divergence`; anything else (a broken bundle) throws.
 */
export async function replayHistory(history: History, workflowId: string, code: ReplayWorkerOptions = workflowCodeOptions()): Promise<ReplayOutcome> {
  const events = history.events?.length ?? 0;
  try {
    await Worker.runReplayHistory(code, history, workflowId);
    return { events };
  } catch (error) {
    if (error instanceof ReplayError || (error instanceof Error && error.name === 'DeterminismViolationError'))
      return { events, divergence: essence(error.message) };
    throw error;
  }
}

/** The core's own words (`[TMPRL1100] Nondeterminism error: … HistoryEvent(id: 71, TimerStarted)`) out of the SDK's wrapping. */
function essence(message: string): string {
  return /message: "((?:[^"\\]|\\.)*)"/.exec(message)?.[1] ?? message;
}
