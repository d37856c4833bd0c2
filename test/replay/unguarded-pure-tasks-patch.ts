/** Stands in for src/workflow/pure-tasks-patch.ts in the replay test: the guard removed. */
export const PURE_TASKS_IN_WORKFLOW_PATCH = 'tflow-pure-tasks-in-workflow';

export function pureTasksRunInWorkflow(): boolean {
  return true;
}
