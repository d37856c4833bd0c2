/**
 * tflow's web UI: Kestra's page routes (so links and habits carry over), each also under the tenant
 * segment `/ui/main/…`. Pages that need the editor or the graph load them on demand.
 */
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider, type RouteObject } from 'react-router';
import { Layout } from './layout';
import { FlowsList } from './pages/flows-list';
import { FlowPage } from './pages/flow';
import { ExecutionsList } from './pages/executions-list';
import { ExecutionPage } from './pages/execution';
import { NamespacesList } from './pages/namespaces';
import { NamespacePage } from './pages/namespace';
import './styles.css';

// The editor (CodeMirror) is a chunk of its own, loaded when a page needs it.
const NewFlowPage = lazy(() => import('./pages/flow-editor').then((module) => ({ default: module.NewFlowPage })));

const pages: RouteObject[] = [
  { index: true, element: <Navigate to="flows" replace /> },
  { path: 'flows', element: <FlowsList /> },
  {
    path: 'flows/new',
    element: (
      <Suspense>
        <NewFlowPage />
      </Suspense>
    ),
  },
  { path: 'flows/edit/:namespace/:id/:tab?', element: <FlowPage /> },
  { path: 'executions', element: <ExecutionsList /> },
  { path: 'executions/:namespace/:flowId/:executionId/:tab?', element: <ExecutionPage /> },
  { path: 'namespaces', element: <NamespacesList /> },
  { path: 'namespaces/edit/:namespace/:tab?', element: <NamespacePage /> },
];

const router = createBrowserRouter(
  [
    {
      element: <Layout />,
      children: [...pages, { path: 'main', children: pages }, { path: '*', element: <p className="error">No page here.</p> }],
    },
  ],
  { basename: '/ui' },
);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
