/** Small pieces every page uses: errors, loading, tab bars, state badges. */
import type { ReactNode } from 'react';
import { NavLink } from 'react-router';

export function ErrorMessage({ error }: { error: Error | undefined }) {
  return error ? (
    <p className="error" role="alert">
      {error.message}
    </p>
  ) : null;
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p className="muted">Loading…</p> : null;
}

/** Tabs as links, so each tab has its own URL (`…/{tab}`), as in Kestra. */
export function Tabs({ base, tabs }: { base: string; tabs: { id: string; label: string }[] }) {
  return (
    <nav className="tabs" aria-label="Tabs">
      {tabs.map((tab) => (
        <NavLink key={tab.id} to={`${base}/${tab.id}`}>
          {tab.label}
        </NavLink>
      ))}
    </nav>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`state state-${state.toLowerCase()}`}>{state}</span>;
}

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      <div className="actions">{children}</div>
    </header>
  );
}
