/**
 * The replay guard of pure tasks run in the workflow, alone in its module so that a test can
 * swap it out and show that without it, histories recorded before the change no longer replay.
 */
import { patched } from '@temporalio/workflow';
import { PURE_TASKS_IN_WORKFLOW_PATCH } from './patches';

export function pureTasksRunInWorkflow(): boolean {
  return patched(PURE_TASKS_IN_WORKFLOW_PATCH);
}
