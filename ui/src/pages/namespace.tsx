/** `/ui/namespaces/edit/{namespace}/{flows,kv,editor}`: a namespace's flows, KV pairs and files. */
import { lazy, Suspense } from 'react';
import { Link, Navigate, useParams } from 'react-router';
import { query, type FlowSummary, type Page } from '../api';
import { ErrorMessage, Loading, PageHeader, Tabs } from '../components';
import { useApi } from '../use-api';
import { NamespaceKv } from './namespace-kv';

// The file editor is CodeMirror: its own chunk.
const NamespaceFiles = lazy(() => import('./namespace-files').then((module) => ({ default: module.NamespaceFiles })));

const TABS = [
  { id: 'flows', label: 'Flows' },
  { id: 'kv', label: 'KV Store' },
  { id: 'editor', label: 'Files' },
];

function NamespaceFlows({ namespace }: { namespace: string }) {
  const flows = useApi<Page<FlowSummary>>(`/flows/search${query({ namespace, size: 1000 })}`);
  const own = (flows.data?.results ?? []).filter((flow) => flow.namespace === namespace);
  return (
    <>
      <ErrorMessage error={flows.error} />
      <Loading when={flows.loading && !flows.data} />
      <table className="list">
        <thead>
          <tr>
            <th>Id</th>
            <th>Revision</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {own.map((flow) => (
            <tr key={flow.id}>
              <td>
                <Link to={`/flows/edit/${namespace}/${flow.id}`}>{flow.id}</Link>
              </td>
              <td>{flow.revision}</td>
              <td>{new Date(flow.updated).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {flows.data && own.length === 0 ? <p className="muted">No flow in this namespace.</p> : null}
    </>
  );
}

export function NamespacePage() {
  const { namespace, tab } = useParams();
  if (!namespace) return null;
  if (!tab) return <Navigate to="flows" replace />;
  return (
    <section>
      <PageHeader title={namespace} />
      <Tabs base={`/namespaces/edit/${namespace}`} tabs={TABS} />
      {tab === 'flows' ? <NamespaceFlows namespace={namespace} /> : null}
      {tab === 'kv' ? <NamespaceKv key={namespace} namespace={namespace} /> : null}
      {tab === 'editor' ? (
        <Suspense fallback={<Loading when />}>
          <NamespaceFiles key={namespace} namespace={namespace} />
        </Suspense>
      ) : null}
    </section>
  );
}
