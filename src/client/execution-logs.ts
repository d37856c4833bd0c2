/**
 * An execution's log lines, from the workflow itself (the `tflow.logs` query): a worker answers,
 * replaying the history when the execution has already ended.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { LogEntry } from '../workflow/interpreter/execution';
import { logsQuery } from '../workflow/definitions';

/** Log lines from index `from` on, and the index to ask from next time. */
export function executionLogs(handle: WorkflowHandle, from = 0): Promise<{ logs: LogEntry[]; next: number }> {
  return handle.query(logsQuery, from);
}

/**
 * Reports every log line, then new ones as they come, until the execution ends (its last lines
 * included). A query that fails while the execution runs (no worker has picked it up yet) is
 * tried again; once it has ended, a failing query is an error.
 */
export async function followLogs(handle: WorkflowHandle, onLog: (entry: LogEntry) => void, pollMs = 500): Promise<void> {
  let ended = false;
  const end = handle.result().then(
    () => (ended = true),
    () => (ended = true),
  );
  let next = 0;
  for (;;) {
    const endedBefore = ended;
    try {
      const page = await executionLogs(handle, next);
      for (const entry of page.logs) onLog(entry);
      next = page.next;
    } catch (error) {
      if (endedBefore) throw error;
    }
    if (endedBefore) return;
    await Promise.race([end, new Promise((resolve) => setTimeout(resolve, pollMs))]);
  }
}
