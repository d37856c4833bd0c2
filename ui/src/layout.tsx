import { NavLink, Outlet } from 'react-router';

/** The frame of every page: the menu on the left (Kestra's), the page on the right. */
export function Layout() {
  return (
    <div className="app">
      <nav className="menu" aria-label="Main">
        <div className="brand">tflow</div>
        <NavLink to="/flows">Flows</NavLink>
        <NavLink to="/executions">Executions</NavLink>
        <NavLink to="/namespaces">Namespaces</NavLink>
        <a href="/api/v1/openapi.json">API</a>
      </nav>
      <main className="page">
        <Outlet />
      </main>
    </div>
  );
}
