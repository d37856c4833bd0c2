/**
 * The replay guard of pure tasks run in the workflow, alone in its module so that a test can
 * swap it out and show that without it, histories recorded before the change no longer replay.
 */
import { patched } from '@temporalio/workflow';

/**
 * Executions started before pure tasks ran in the workflow scheduled activities for them: their
 * histories must replay unchanged, so the new path is taken only where this patch marker is (or is
 * now being) recorded.
 */
export const PURE_TASKS_IN_WORKFLOW_PATCH = 'tflow-pure-tasks-in-workflow';

export function pureTasksRunInWorkflow(): boolean {
  return patched(PURE_TASKS_IN_WORKFLOW_PATCH);
}
