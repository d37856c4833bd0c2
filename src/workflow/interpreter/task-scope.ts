/**
 * Where a task runs: under which flowable task runs, in which ForEach iterations, in which
 * WorkingDirectory; and what follows from it for a runnable task's activity (its id, its summary,
 * the shared directory it restores).
 */
import type { TaskSpec } from '../flow/spec';
import type { TaskRun } from './execution';
import type { LoopIteration } from './in-workflow-task';
import type { SharedDirectoryInvocation, TaskInvocationOptions } from './task-invocation';

export interface Scope {
  /** Enclosing flowable task runs, nearest first (Kestra's `parents`). */
  parents: TaskRun[];
  /** Enclosing ForEach iterations, outermost first: task runs carry the innermost value, outputs nest under all. */
  loops: LoopIteration[];
  /** Inside a WorkingDirectory: the directory its tasks share. */
  sharedDirectory?: SharedDirectory;
  /** A WaitFor's iteration (1, 2…): its direct children's task runs carry it (Kestra's `iteration`). */
  iteration?: number;
}

/** A WorkingDirectory's directory, as its child tasks run one after another. */
export interface SharedDirectory {
  taskId: string;
  taskRunId: string;
  /** The last child task run that saved the directory. */
  restoreFrom?: string;
  inputFiles?: unknown;
  outputFiles?: string[];
  /** The child that stores `outputFiles` once it ran. */
  lastTaskId?: string;
  /** What it stored. */
  storedOutputFiles?: Record<string, string>;
}

export const ROOT_SCOPE: Scope = { parents: [], loops: [] };

/** Longer loop values are not spelled out in activity ids (Temporal limits ids to 1,000 characters). */
const MAX_VALUE_IN_ACTIVITY_ID = 100;

/** The activity's id and its summary in the Web UI. */
export function activityNames(task: TaskSpec, loops: readonly LoopIteration[]): Pick<TaskInvocationOptions, 'summary' | 'activityId'> {
  // Top-level ids stay the bare task id, as recorded in existing histories; loop values make ids
  // unique among concurrent iterations (a long value is replaced by its position, to keep ids short).
  const loopSuffix = loops.map((l) => (l.value.length <= MAX_VALUE_IN_ACTIVITY_ID ? `[${l.value}]` : `[#${l.iteration}]`)).join('');
  return { summary: loopSuffix ? `${task.id} ${loopSuffix}` : task.id, activityId: task.id + loopSuffix };
}

/** How a WorkingDirectory child finds the directory: restored from the last sibling that saved it, or created with `inputFiles`. */
export function sharedDirectoryInvocation(shared: SharedDirectory, task: TaskSpec): SharedDirectoryInvocation {
  return {
    taskId: shared.taskId,
    taskRunId: shared.taskRunId,
    ...(shared.restoreFrom ? { restoreFrom: shared.restoreFrom } : shared.inputFiles !== undefined ? { inputFiles: shared.inputFiles } : {}),
    ...(shared.outputFiles && task.id === shared.lastTaskId ? { outputFiles: shared.outputFiles } : {}),
  };
}
