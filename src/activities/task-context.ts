/**
 * What a runnable task sees while it runs inside an activity. Kept apart from task-definition.ts,
 * which is bundled into the workflow sandbox: this side may use Node types (streams, AbortSignal).
 */
import type { Readable } from 'node:stream';
import type { TflowConfig } from '../config';
import type { LogLevel } from '../workflow/flow/spec';
import type { InternalStorage, StoredFile } from '../storage/internal-storage';

/** What a runnable task sees of its execution while it runs (inside an activity). */
export interface TaskContext {
  executionId: string;
  namespace: string;
  flowId: string;
  taskId: string;
  taskRunId: string;
  /** 1 on the first attempt. */
  attempt: number;
  log(level: LogLevel, message: string): void;
  /** Aborted when Temporal cancels the activity (kill, timeout, worker shutdown). */
  signal: AbortSignal;
  /** Internal storage: read any `kestra:///…` file, write this task run's files. */
  storage: InternalStorage;
  /** Stores a file this task run produced, under its own folder; returns the `kestra:///…` URI. */
  putFile(fileName: string, content: Readable): Promise<StoredFile>;
  /** putFile() for a finished file of the working directory: moved into storage when the backend can (no copy). */
  putLocalFile(fileName: string, path: string): Promise<StoredFile>;
  /** This attempt's private working directory: created on first call, deleted when the task ends. */
  workingDirectory(): Promise<string>;
  /**
   * Ends the task run WARNING instead of SUCCESS when it returns (Kestra's task-specific final
   * state, e.g. a script that wrote on stderr); `reason` is logged at WARN.
   */
  endInWarning(reason: string): void;
  /** Reports progress to Temporal (shown in the Web UI's pending activity); also proves liveness. */
  heartbeat(progress?: unknown): void;
  /** The worker's configuration (host aliases for connection URLs, …). */
  config: TflowConfig;
}

/** What every task run of this worker shares: the configuration and the internal storage. */
export interface TaskServices {
  config: TflowConfig;
  storage: InternalStorage;
}
