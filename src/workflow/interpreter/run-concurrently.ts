import type { State } from './execution';

/**
 * Runs jobs at most `limit` at a time (0 = all at once), starting them in order; after a FAILED or
 * KILLED one, starts no more. Waits for every started job (so none is left running unobserved),
 * then rethrows the first error, if any (a kill). Deterministic: the order only depends on when
 * jobs end, which the workflow history fixes.
 */
export async function runConcurrently(jobs: readonly (() => Promise<State>)[], limit: number): Promise<State[]> {
  const states: State[] = [];
  let next = 0;
  let stopped = false;
  let thrown: { error: unknown } | undefined;
  const worker = async () => {
    while (!stopped && next < jobs.length) {
      const job = jobs[next++];
      try {
        const state = await job();
        states.push(state);
        if (state === 'FAILED' || state === 'KILLED') stopped = true;
      } catch (error) {
        thrown ??= { error };
        stopped = true;
      }
    }
  };
  const width = limit > 0 ? Math.min(limit, jobs.length) : jobs.length;
  await Promise.all(Array.from({ length: width }, worker));
  if (thrown) throw thrown.error;
  return states;
}
