/**
 * An execution's log lines, live while it runs (polled from `/logs/{id}`), with a level filter (the
 * API's `minLevel`) and a text search; paged so a big execution renders one page of lines at a time.
 */
import { useState } from 'react';
import { query, type LogEntry } from '../api';
import { ErrorMessage, Loading } from '../components';
import { useApi } from '../use-api';
import { Pager, PAGE_ROWS } from './pager';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function ExecutionLogs({ executionId, live }: { executionId: string; live: boolean }) {
  const [minLevel, setMinLevel] = useState('INFO');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState<number>();
  const logs = useApi<LogEntry[]>(`/logs/${encodeURIComponent(executionId)}${query({ minLevel })}`, live ? 1000 : undefined);
  const needle = search.toLowerCase();
  const lines = (logs.data ?? []).filter((line) => !needle || `${line.taskId ?? ''} ${line.message}`.toLowerCase().includes(needle));
  const pages = Math.max(1, Math.ceil(lines.length / PAGE_ROWS));
  // Following the end of a live log unless the user picked a page.
  const current = Math.min(page ?? pages, pages);
  return (
    <div className="logs">
      <div className="filters">
        <label>
          Level{' '}
          <select aria-label="Level" value={minLevel} onChange={(e) => setMinLevel(e.target.value)}>
            {LEVELS.map((level) => (
              <option key={level}>{level}</option>
            ))}
          </select>
        </label>
        <input aria-label="Search logs" placeholder="Search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <ErrorMessage error={logs.error} />
      <Loading when={logs.loading && !logs.data} />
      {logs.data && lines.length === 0 ? <p className="muted">No log line.</p> : null}
      <ol className="log-lines" aria-label="Log lines">
        {lines.slice((current - 1) * PAGE_ROWS, current * PAGE_ROWS).map((line, index) => (
          <li key={`${current}-${index}`} className={`log-${line.level.toLowerCase()}`}>
            <span className="muted">{line.timestamp.replace('T', ' ').replace('Z', '')}</span> <strong>{line.level}</strong>{' '}
            {line.taskId ? <code>{line.taskId}</code> : null} <span className="log-message">{line.message}</span>
          </li>
        ))}
      </ol>
      <Pager page={current} total={lines.length} onPage={setPage} />
    </div>
  );
}
