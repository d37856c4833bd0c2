/**
 * The log lines a task run sends back to the workflow. They travel in the activity result, so in
 * the workflow history: a script printing a million lines must not blow Temporal's 2 MB payload
 * limit. We keep the first lines and the last lines (each within a byte budget, each line
 * shortened), and say how many were left out. Every line still goes to the worker's own log.
 */
import type { LogLevel } from '../flow/spec';
import type { TaskLogLine } from '../interpreter/flow-run';

const MAX_LINE_CHARS = 4_000;
/** Budgets count each line's message plus its JSON envelope (timestamp, level). */
const LINE_OVERHEAD_CHARS = 64;
const HEAD_BUDGET_CHARS = 128 * 1024;
const TAIL_BUDGET_CHARS = 128 * 1024;

export class TaskLogBuffer {
  private readonly head: TaskLogLine[] = [];
  private headChars = 0;
  private readonly tail: TaskLogLine[] = [];
  private tailChars = 0;
  private omitted = 0;
  private firstOmittedAt?: string;

  add(level: LogLevel, message: string): void {
    const text = message.length > MAX_LINE_CHARS ? `${message.slice(0, MAX_LINE_CHARS)}… [${message.length - MAX_LINE_CHARS} more characters]` : message;
    const line: TaskLogLine = { timestamp: new Date().toISOString(), level, message: text };
    const cost = text.length + LINE_OVERHEAD_CHARS;
    if (this.tail.length === 0 && this.headChars + cost <= HEAD_BUDGET_CHARS) {
      this.head.push(line);
      this.headChars += cost;
      return;
    }
    this.tail.push(line);
    this.tailChars += cost;
    while (this.tailChars > TAIL_BUDGET_CHARS && this.tail.length > 1) {
      const dropped = this.tail.shift()!;
      this.tailChars -= dropped.message.length + LINE_OVERHEAD_CHARS;
      this.omitted++;
      this.firstOmittedAt ??= dropped.timestamp;
    }
  }

  lines(): TaskLogLine[] {
    if (this.omitted === 0) return [...this.head, ...this.tail];
    const note: TaskLogLine = {
      timestamp: this.firstOmittedAt ?? new Date().toISOString(),
      level: 'WARN',
      message: `[${this.omitted} log lines left out of the execution's logs to keep the workflow history small; the worker's log has them all]`,
    };
    return [...this.head, note, ...this.tail];
  }
}
