/**
 * The messages an execution workflow answers, shared by the workflow and its clients.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Execution, LogEntry } from './interpreter/execution';

/** The execution as it is now: state, task runs, outputs. */
export const executionQuery = defineQuery<Execution>('tflow.execution');

/** Log lines from an index on; pass back `next` to follow. */
export const logsQuery = defineQuery<{ logs: LogEntry[]; next: number }, [number]>('tflow.logs');

/** Both at once, consistent with each other: what a follower polls. */
export const progressQuery = defineQuery<{ execution: Execution; logs: LogEntry[]; next: number }, [number]>('tflow.progress');

/**
 * Resumes a PAUSED execution with `onResume` inputs (raw values, typed by the Pause's input
 * definitions). Refused, with the reason, when the execution is not paused or an input is invalid.
 * Returns the ids of the resumed Pause tasks.
 */
export const resumeUpdate = defineUpdate<string[], [{ inputs: Record<string, unknown> }]>('tflow.resume');

/** `ApplicationFailure.type` of a refused resume request. */
export const RESUME_REFUSED = 'ResumeRefused';

/** `ApplicationFailure.type` of a workflow that ends because its flow FAILED; details[0] is the Execution. */
export const FLOW_FAILED = 'FlowFailed';

/** `ApplicationFailure.type` thrown by task activities; details[0] is `{ attempt, logs }`. */
export const TASK_FAILED = 'TaskFailed';
