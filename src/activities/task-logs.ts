/**
 * The log lines a task run sends back to the workflow. They travel in the activity result, so in
 * the workflow history: a script printing a million lines must not blow Temporal's 2 MB payload
 * limit. We keep the first lines and the last lines (each within a byte budget, each line
 * shortened), and say how many were left out. Every line still goes to the worker's own log.
 */
import type { LogLevel } from '../workflow/flow/spec';
import type { TaskLogLine } from '../workflow/interpreter/task-invocation';
import { utf8Length } from '../workflow/interpreter/payload-size';

const MAX_LINE_CHARS = 4_000;
/**
 * Budgets count each line's message in UTF-8 bytes (as Temporal measures payloads) plus its JSON
 * envelope (timestamp, level). Head and tail together leave room in the 2 MB activity result for
 * the task's outputs (MAX_PAYLOAD_DATA_BYTES, src/workflow/interpreter/payload-size.ts).
 */
const LINE_OVERHEAD_BYTES = 64;
const HEAD_BUDGET_BYTES = 128 * 1024;
const TAIL_BUDGET_BYTES = 128 * 1024;

export class TaskLogBuffer {
  private readonly head: TaskLogLine[] = [];
  private headBytes = 0;
  private readonly tail: TaskLogLine[] = [];
  private tailBytes = 0;
  private omitted = 0;
  private firstOmittedAt?: string;

  add(level: LogLevel, message: string): void {
    const text =
      message.length > MAX_LINE_CHARS ? `${message.slice(0, MAX_LINE_CHARS)}… [${message.length - MAX_LINE_CHARS} more characters]` : message;
    const line: TaskLogLine = { timestamp: new Date().toISOString(), level, message: text };
    const cost = lineCost(text);
    if (this.tail.length === 0 && this.headBytes + cost <= HEAD_BUDGET_BYTES) {
      this.head.push(line);
      this.headBytes += cost;
      return;
    }
    this.tail.push(line);
    this.tailBytes += cost;
    while (this.tailBytes > TAIL_BUDGET_BYTES && this.tail.length > 1) {
      const dropped = this.tail.shift()!;
      this.tailBytes -= lineCost(dropped.message);
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

function lineCost(message: string): number {
  return utf8Length(message) + LINE_OVERHEAD_BYTES;
}
