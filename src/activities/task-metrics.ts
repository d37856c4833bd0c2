/**
 * Task runs counted by the activity runtime (runtime.ts), in Prometheus' text exposition format for
 * the worker's ops endpoint (src/worker/ops-endpoint.ts): how many attempts of each task type ended
 * in each state, and how long they took. One set per process, like the activities it counts.
 */

/**
 * How an attempt ended, from the worker's side: the Kestra states a task run ends in, plus
 * INTERRUPTED for a task its worker handed back to Temporal when shutting down (retried elsewhere).
 */
export type TaskRunOutcome = 'SUCCESS' | 'WARNING' | 'FAILED' | 'KILLED' | 'INTERRUPTED';

/** Upper bounds (seconds) of the duration histogram's buckets: from a Return task to a long COPY. */
const DURATION_BUCKETS_SECONDS = [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600];

interface DurationHistogram {
  /** Cumulative counts per bucket of DURATION_BUCKETS_SECONDS (Prometheus' `le` buckets). */
  buckets: number[];
  count: number;
  sum: number;
}

export class TaskMetrics {
  private readonly runs = new Map<string, Map<TaskRunOutcome, number>>();
  private readonly durations = new Map<string, DurationHistogram>();

  /** Counts one finished attempt of a task of `type`. */
  record(type: string, outcome: TaskRunOutcome, seconds: number): void {
    const byOutcome = this.runs.get(type) ?? new Map<TaskRunOutcome, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.runs.set(type, byOutcome);

    const histogram = this.durations.get(type) ?? { buckets: DURATION_BUCKETS_SECONDS.map(() => 0), count: 0, sum: 0 };
    DURATION_BUCKETS_SECONDS.forEach((bound, index) => {
      if (seconds <= bound) histogram.buckets[index] += 1;
    });
    histogram.count += 1;
    histogram.sum += seconds;
    this.durations.set(type, histogram);
  }

  /** The metrics in Prometheus' text exposition format (version 0.0.4). */
  exposition(): string {
    const lines = [
      '# HELP tflow_task_runs_total Task attempts this worker finished, by task type and final state.',
      '# TYPE tflow_task_runs_total counter',
    ];
    for (const [type, byOutcome] of sorted(this.runs)) {
      for (const [outcome, count] of sorted(byOutcome)) lines.push(`tflow_task_runs_total${labels({ type, state: outcome })} ${count}`);
    }
    lines.push(
      '# HELP tflow_task_run_duration_seconds How long the task attempts this worker finished took, by task type.',
      '# TYPE tflow_task_run_duration_seconds histogram',
    );
    for (const [type, histogram] of sorted(this.durations)) {
      DURATION_BUCKETS_SECONDS.forEach((bound, index) => {
        lines.push(`tflow_task_run_duration_seconds_bucket${labels({ type, le: String(bound) })} ${histogram.buckets[index]}`);
      });
      lines.push(`tflow_task_run_duration_seconds_bucket${labels({ type, le: '+Inf' })} ${histogram.count}`);
      lines.push(`tflow_task_run_duration_seconds_sum${labels({ type })} ${histogram.sum}`);
      lines.push(`tflow_task_run_duration_seconds_count${labels({ type })} ${histogram.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** This process's task runs: the activity runtime records into it, the ops endpoint serves it. */
export const taskMetrics = new TaskMetrics();

function sorted<K extends string, V>(map: Map<K, V>): [K, V][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `{name="value",…}` with the format's escapes (backslash, double quote, line feed). */
function labels(values: Record<string, string>): string {
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${Object.entries(values)
    .map(([name, value]) => `${name}="${escape(value)}"`)
    .join(',')}}`;
}
