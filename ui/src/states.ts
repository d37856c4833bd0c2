/** Kestra's execution and task-run states that are final: nothing will change them any more. */
const ENDED = new Set(['SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED', 'SKIPPED', 'RETRIED']);

export function isEnded(state: string): boolean {
  return ENDED.has(state);
}
