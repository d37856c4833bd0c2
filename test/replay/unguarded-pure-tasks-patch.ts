/** Stands in for src/workflow/pure-tasks-patch.ts in the replay test: the guard removed. */
export function pureTasksRunInWorkflow(): boolean {
  return true;
}
