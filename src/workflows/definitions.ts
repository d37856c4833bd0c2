/**
 * The messages an execution workflow answers, shared by the workflow and its clients.
 */
import { defineQuery } from '@temporalio/workflow';
import type { Execution, LogEntry } from '../interpreter/execution';

/** The execution as it is now: state, task runs, outputs. */
export const executionQuery = defineQuery<Execution>('tflow.execution');

/** Log lines from an index on; pass back `next` to follow. */
export const logsQuery = defineQuery<{ logs: LogEntry[]; next: number }, [number]>('tflow.logs');

/** Both at once, consistent with each other: what a follower polls. */
export const progressQuery = defineQuery<{ execution: Execution; logs: LogEntry[]; next: number }, [number]>('tflow.progress');

/** `ApplicationFailure.type` of a workflow that ends because its flow FAILED; details[0] is the Execution. */
export const FLOW_FAILED = 'FlowFailed';

/** `ApplicationFailure.type` thrown by task activities; details[0] is `{ attempt, logs }`. */
export const TASK_FAILED = 'TaskFailed';
