/**
 * The log lines of an execution, as the workflow keeps them in memory for the logs query: the most
 * recent MAX_KEPT_LOGS, with a count of the older ones dropped, so that readers can page through
 * by absolute index (0 = the first line ever logged).
 */
import type { LogEntry } from './execution';

/** The most log lines kept in workflow state (older ones are dropped, their count kept). */
const MAX_KEPT_LOGS = 1000;

export class ExecutionLogs {
  readonly entries: LogEntry[] = [];
  /** How many lines were dropped from the front. */
  dropped = 0;

  push(entry: LogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_KEPT_LOGS) {
      this.entries.shift();
      this.dropped++;
    }
  }

  /** Log lines from absolute index `from`, and the index to ask for next. */
  since(from: number): { logs: LogEntry[]; next: number } {
    const start = Math.max(0, from - this.dropped);
    return { logs: this.entries.slice(start), next: this.dropped + this.entries.length };
  }
}
