/**
 * A runnable task's contract between the workflow and the activity that runs it: what the
 * interpreter sends (the invocation), what comes back (outputs, logs, attempts), and how a failure
 * after the last attempt reads. The workflow (src/workflow/index.ts, src/workflow/pure-tasks.ts)
 * and the activity runtime (src/activities/runtime.ts) both speak it.
 */
import type { LogLevel, RetrySpec } from '../flow/spec';
import type { DeferredProperties } from './io-functions';

/** What the workflow asks the outside world to do for a runnable task. */
export interface TaskInvocation {
  executionId: string;
  namespace: string;
  flowId: string;
  taskRunId: string;
  taskId: string;
  type: string;
  /** Rendered properties. */
  properties: Record<string, unknown>;
  /** Properties calling kv()/secret()/read(): rendered by the activity (./io-functions.ts). */
  deferred?: DeferredProperties;
  logLevel?: LogLevel;
  /** A task of a WorkingDirectory: the directory it shares with its siblings. */
  workingDirectory?: SharedDirectoryInvocation;
  /** The execution that started this one (Subflow parent, Flow trigger source): its files are readable too. */
  parentExecution?: { namespace: string; flowId: string; executionId: string };
}

/** How a WorkingDirectory child finds its directory (src/activities/working-directory.ts keeps it between tasks). */
export interface SharedDirectoryInvocation {
  /** The WorkingDirectory task run owning the directory. */
  taskId: string;
  taskRunId: string;
  /** The sibling task run that saved the directory as it is now; none before the first. */
  restoreFrom?: string;
  /** Written into the directory before the task runs (only while there is nothing to restore). */
  inputFiles?: unknown;
  /** Globs of files to store once the task ran (the last task only). */
  outputFiles?: string[];
}

export interface TaskInvocationOptions {
  /** Shown in the Web UI as the activity's summary. */
  summary: string;
  /** Deterministic and readable: the task id (plus the loop values inside ForEach). */
  activityId: string;
  retry?: RetrySpec;
  timeout?: string;
  /** Attempts of the task that failed before this invocation (its render, in the workflow: ./render-retries.ts). */
  earlier?: EarlierAttempts;
}

/**
 * The attempts a task made in the workflow before its activity was scheduled: renders of its
 * properties that failed. The activity numbers its attempts after them, and `retry` bounds them all.
 */
export interface EarlierAttempts {
  attempts: number;
  /** From the start of the first attempt to the successful render, counted in `maxDuration`. */
  elapsedMs: number;
}

export interface TaskLogLine {
  timestamp: string;
  level: LogLevel;
  message: string;
}

export interface TaskResult {
  outputs: Record<string, unknown>;
  /** A WorkingDirectory child saved the directory (the next child restores it), and stored its `outputFiles`. */
  workingDirectory?: { saved: true; outputFiles?: Record<string, string> };
  logs: TaskLogLine[];
  attempts: number;
  /** Set when the task itself ended WARNING (a script that wrote on stderr); absent means SUCCESS. */
  state?: 'WARNING';
}

/** A runnable task that failed after its last attempt. */
export class TaskFailure extends Error {
  override name = 'TaskFailure';
  constructor(
    message: string,
    readonly attempts: number,
    readonly logs: TaskLogLine[] = [],
  ) {
    super(message);
  }
}
