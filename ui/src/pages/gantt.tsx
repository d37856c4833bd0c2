/**
 * The execution's task runs as a Gantt: one row per task run (with its iteration value and attempts),
 * a bar from its start to its end on the execution's time axis; a large ForEach's rows include its
 * batches' iterations. Searchable by task id or value, and paged, so a 5,000-iteration ForEach
 * renders only one page of rows.
 */
import { useState } from 'react';
import { apiJson, query, type Execution, type TaskRun } from '../api';
import { ErrorMessage, StateBadge } from '../components';
import { useLoaded } from '../use-api';
import { Pager, PAGE_ROWS } from './pager';

/** Task runs per request when the API's pages are read (its largest page). */
const TASK_RUN_PAGE_SIZE = 1000;

/**
 * Every task run of an execution whose JSON embeds only some of them (a large ForEach's iterations,
 * which live in its batches): read through `GET /executions/{id}/taskruns`, which pages them in
 * `taskRunList` order (src/client/task-run-pages.ts). Read again when their count or the state changes.
 */
function usePagedTaskRuns(execution: Execution) {
  const truncated = execution.taskRunListTruncated;
  const key = truncated ? `${execution.id} ${truncated.total} ${execution.state.current}` : undefined;
  return useLoaded(key, async () => {
    const runs: TaskRun[] = [];
    for (let page = 1; ; page++) {
      const path = `/executions/${encodeURIComponent(execution.id)}/taskruns${query({ page, size: TASK_RUN_PAGE_SIZE })}`;
      const { results, total } = await apiJson<{ results: TaskRun[]; total: number }>(path);
      runs.push(...results);
      if (results.length < TASK_RUN_PAGE_SIZE || runs.length >= total) return runs;
    }
  });
}

function millis(date: string | undefined, fallback: number): number {
  const value = date ? Date.parse(date) : NaN;
  return Number.isNaN(value) ? fallback : value;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m ${Math.round(seconds % 60)}s` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

export function Gantt({ execution }: { execution: Execution }) {
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const pagedRuns = usePagedTaskRuns(execution);
  const allRuns = (execution.taskRunListTruncated && pagedRuns.data) || execution.taskRunList;
  const needle = search.trim().toLowerCase();
  const runs = needle ? allRuns.filter((run) => run.taskId.toLowerCase().includes(needle) || run.value?.toLowerCase().includes(needle)) : allRuns;
  const now = Date.now();
  const start = millis(execution.state.startDate, now);
  const end = Math.max(millis(execution.state.endDate, now), start + 1);
  const span = end - start;
  if (allRuns.length === 0) return <p className="muted">No task run yet.</p>;
  const current = Math.min(page, Math.max(1, Math.ceil(runs.length / PAGE_ROWS)));
  const shown = runs.slice((current - 1) * PAGE_ROWS, current * PAGE_ROWS);
  const bar = (run: TaskRun) => {
    const from = millis(run.state.startDate, now);
    const to = millis(run.state.endDate, now);
    return { left: `${((from - start) / span) * 100}%`, width: `${Math.max(((to - from) / span) * 100, 0.3)}%`, duration: to - from };
  };
  return (
    <div className="gantt" aria-label="Gantt">
      <div className="filters">
        <input
          aria-label="Search task runs"
          placeholder="Task or value"
          type="search"
          value={search}
          onChange={(e) => (setSearch(e.target.value), setPage(1))}
        />
      </div>
      <ErrorMessage error={pagedRuns.error} />
      <table className="list">
        <thead>
          <tr>
            <th>Task</th>
            <th>State</th>
            <th>Attempts</th>
            <th>Duration</th>
            <th className="gantt-axis">{formatDuration(span)}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((run) => {
            const { left, width, duration } = bar(run);
            return (
              <tr key={run.id} title={run.error}>
                <td>
                  <code>{run.taskId}</code>
                  {run.value !== undefined ? <span className="label">{run.value}</span> : null}
                </td>
                <td>
                  <StateBadge state={run.state.current} />
                </td>
                <td>{run.attempts.length}</td>
                <td>{formatDuration(duration)}</td>
                <td className="gantt-axis">
                  <div className={`gantt-bar state-${run.state.current.toLowerCase()}`} style={{ left, width }} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {runs.length === 0 ? <p className="muted">No task run matches.</p> : null}
      <Pager page={current} total={runs.length} onPage={setPage} />
    </div>
  );
}
