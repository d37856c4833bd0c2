/**
 * `/ui/namespaces`: the namespaces that hold flows (tflow has no namespace registry: a namespace
 * exists by its flows, KV pairs and files), derived from GET /flows/search.
 */
import { Link } from 'react-router';
import type { FlowSummary, Page } from '../api';
import { ErrorMessage, Loading, PageHeader } from '../components';
import { useApi } from '../use-api';

export function NamespacesList() {
  const flows = useApi<Page<FlowSummary>>('/flows/search?size=1000');
  const counts = new Map<string, number>();
  for (const flow of flows.data?.results ?? []) counts.set(flow.namespace, (counts.get(flow.namespace) ?? 0) + 1);
  const namespaces = [...counts].sort(([a], [b]) => a.localeCompare(b));
  return (
    <section>
      <PageHeader title="Namespaces" />
      <ErrorMessage error={flows.error} />
      <Loading when={flows.loading && !flows.data} />
      <table className="list">
        <thead>
          <tr>
            <th>Namespace</th>
            <th>Flows</th>
          </tr>
        </thead>
        <tbody>
          {namespaces.map(([namespace, count]) => (
            <tr key={namespace}>
              <td>
                <Link to={`/namespaces/edit/${namespace}/flows`}>{namespace}</Link>
              </td>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {flows.data && flows.data.total > flows.data.results.length ? (
        <p className="muted">
          Namespaces of the first {flows.data.results.length} flows of {flows.data.total}.
        </p>
      ) : null}
    </section>
  );
}
