import { lazy, Suspense } from 'react';
import { Navigate, useParams } from 'react-router';
import type { Flow } from '../api';
import { ErrorMessage, Loading, PageHeader, Tabs } from '../components';
import { useApi } from '../use-api';
import { ExecuteButton } from './execute-form';
import { FlowExecutions } from './flow-executions';
import { FlowLogs } from './flow-logs';
import { FlowRevisions } from './flow-revisions';
import { FlowTriggers } from './flow-triggers';

// The editor (CodeMirror) and the graph library are large: loaded only when their tab opens.
const FlowEditor = lazy(() => import('./flow-editor').then((module) => ({ default: module.FlowEditor })));
const FlowTopology = lazy(() => import('./flow-topology').then((module) => ({ default: module.FlowTopology })));

const TABS = [
  { id: 'topology', label: 'Topology' },
  { id: 'executions', label: 'Executions' },
  { id: 'editor', label: 'Editor' },
  { id: 'revisions', label: 'Revisions' },
  { id: 'triggers', label: 'Triggers' },
  { id: 'logs', label: 'Logs' },
];

/** `/ui/flows/edit/{namespace}/{id}/{tab}`. */
export function FlowPage() {
  const { namespace, id, tab } = useParams();
  const flow = useApi<Flow>(`/flows/${namespace}/${id}`);
  if (!tab) return <Navigate to="topology" replace />;
  const base = `/flows/edit/${namespace}/${id}`;
  const props = flow.data ? { flow: flow.data, reload: flow.reload } : undefined;
  return (
    <section>
      <PageHeader title={`${namespace}.${id}`}>{flow.data ? <ExecuteButton flow={flow.data} /> : null}</PageHeader>
      <Tabs base={base} tabs={TABS} />
      <ErrorMessage error={flow.error} />
      <Loading when={flow.loading && !flow.data} />
      {props ? (
        <Suspense fallback={<Loading when />}>
          {tab === 'topology' ? <FlowTopology {...props} /> : null}
          {tab === 'executions' ? <FlowExecutions {...props} /> : null}
          {tab === 'editor' ? <FlowEditor {...props} /> : null}
          {tab === 'revisions' ? <FlowRevisions {...props} /> : null}
          {tab === 'triggers' ? <FlowTriggers {...props} /> : null}
          {tab === 'logs' ? <FlowLogs {...props} /> : null}
        </Suspense>
      ) : null}
    </section>
  );
}
