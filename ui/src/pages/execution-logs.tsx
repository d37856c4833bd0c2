/**
 * An execution's log lines, followed live over server-sent events (`/logs/{id}/follow`: every line
 * so far, then new ones as they come, until the execution ends), with a level filter (the API's
 * `minLevel`) and a text search; a large ForEach's batches add their lines once it ended. Paged, so a
 * big execution renders one page of lines at a time.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { query, type LogEntry } from '../api';
import { ErrorMessage, Loading } from '../components';
import { useEventStream } from '../use-event-stream';
import { useBatchLogs } from './for-each-batches';
import { Pager, PAGE_ROWS } from './pager';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
/** Lines that arrive together are shown together: one render per this many ms, not one per line. */
const FLUSH_MS = 200;

/** The lines of `/logs/{executionId}/follow?minLevel=…` so far; `streaming` until the stream's end. */
function useFollowedLogs(executionId: string, minLevel: string) {
  const path = `/logs/${encodeURIComponent(executionId)}/follow${query({ minLevel })}`;
  const [lines, setLines] = useState<LogEntry[]>([]);
  const [loading, setLoading] = useState(true);
  const [streaming, setStreaming] = useState(true);
  const [error, setError] = useState<Error>();
  // Lines received since the last render; `restart` when the stream (re)started and sends every line again.
  const pending = useRef({ lines: [] as LogEntry[], restart: true });
  // At the stream's end (`final`) every line has been received: what is pending is the whole rest.
  const flush = useCallback((final = false) => {
    const { lines: received, restart } = pending.current;
    if (received.length === 0 && !final) return;
    pending.current = { lines: [], restart: false };
    setLines((shown) => (restart ? received : [...shown, ...received]));
    setLoading(false);
  }, []);
  useEffect(() => {
    pending.current = { lines: [], restart: true };
    setLoading(true);
    setStreaming(true);
    const timer = setInterval(() => flush(), FLUSH_MS);
    return () => clearInterval(timer);
  }, [path, flush]);
  useEventStream(path, ['message'], {
    onOpen: () => (pending.current = { lines: [], restart: true }),
    onEvent: (_event, line) => pending.current.lines.push(line as LogEntry),
    onEnd: () => (flush(true), setStreaming(false)),
    onError: (reason) => (setError(reason), setLoading(false)),
  });
  return { lines, loading, streaming, error };
}

export function ExecutionLogs({ executionId, batchIds = [] }: { executionId: string; batchIds?: readonly string[] }) {
  const [minLevel, setMinLevel] = useState('INFO');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState<number>();
  const followed = useFollowedLogs(executionId, minLevel);
  const batchLogs = useBatchLogs(batchIds, minLevel);
  // The execution's lines and its batches' lines, in time order (the sort keeps arrival order for equal times).
  const all = useMemo(
    () => (batchLogs.data ? [...followed.lines, ...batchLogs.data].sort((a, b) => a.timestamp.localeCompare(b.timestamp)) : followed.lines),
    [followed.lines, batchLogs.data],
  );
  const needle = search.toLowerCase();
  const lines = needle ? all.filter((line) => `${line.taskId ?? ''} ${line.message}`.toLowerCase().includes(needle)) : all;
  const pages = Math.max(1, Math.ceil(lines.length / PAGE_ROWS));
  // Following the end of a live log unless the user picked a page.
  const current = Math.min(page ?? pages, pages);
  const loading = followed.loading || batchLogs.loading;
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
        {followed.streaming && !followed.loading ? <span className="muted">following…</span> : null}
      </div>
      <ErrorMessage error={followed.error ?? batchLogs.error} />
      <Loading when={loading && all.length === 0} />
      {!loading && lines.length === 0 ? <p className="muted">No log line.</p> : null}
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
