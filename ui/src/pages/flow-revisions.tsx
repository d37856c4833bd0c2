/** The flow's revisions tab: every revision (number, date), one revision's source, a diff of two. */
import { useEffect, useState } from 'react';
import type { Flow } from '../api';
import { ErrorMessage, Loading } from '../components';
import { lineDiff } from '../line-diff';
import { useApi } from '../use-api';
import type { FlowTabProps } from './flow-tab';

const MARK = { same: ' ', added: '+', removed: '-' } as const;

function RevisionSelect({ label, revisions, value, onChange }: { label: string; revisions: Flow[]; value: number; onChange(n: number): void }) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {revisions.map((r) => (
          <option key={r.revision} value={r.revision}>
            {r.revision}
          </option>
        ))}
      </select>
    </label>
  );
}

export function FlowRevisions({ flow }: FlowTabProps) {
  const revisions = useApi<Flow[]>(`/flows/${flow.namespace}/${flow.id}/revisions`);
  const { reload } = revisions;
  useEffect(reload, [flow.revision, reload]); // a save elsewhere made a new revision
  const [viewed, setViewed] = useState<number>();
  const [compared, setCompared] = useState<[number, number]>();
  const list = revisions.data ?? [];
  const byNumber = (n: number | undefined) => list.find((r) => r.revision === n);
  const newest = list.at(-1)?.revision ?? 1;
  const [left, right] = compared ?? [Math.max(1, newest - 1), newest];

  return (
    <div className="revisions">
      <ErrorMessage error={revisions.error} />
      <Loading when={revisions.loading && !revisions.data} />
      <table className="list">
        <thead>
          <tr>
            <th>Revision</th>
            <th>Date</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...list].reverse().map((r) => (
            <tr key={r.revision}>
              <td>{r.revision}</td>
              <td>{new Date(r.updated).toLocaleString()}</td>
              <td>
                <button onClick={() => setViewed(r.revision)} aria-label={`View revision ${r.revision}`}>
                  View
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {byNumber(viewed) ? (
        <section aria-label={`Revision ${viewed}`}>
          <h2>Revision {viewed}</h2>
          <pre className="source">{byNumber(viewed)!.source}</pre>
        </section>
      ) : null}
      {list.length > 1 ? (
        <section aria-label="Diff">
          <h2>Compare</h2>
          <div className="filters">
            <RevisionSelect label="From" revisions={list} value={left} onChange={(n) => setCompared([n, right])} />
            <RevisionSelect label="To" revisions={list} value={right} onChange={(n) => setCompared([left, n])} />
          </div>
          <pre className="diff">
            {lineDiff(byNumber(left)?.source ?? '', byNumber(right)?.source ?? '').map((line, index) => (
              <div key={index} className={`diff-${line.kind}`}>
                {MARK[line.kind]} {line.text}
              </div>
            ))}
          </pre>
        </section>
      ) : null}
    </div>
  );
}
