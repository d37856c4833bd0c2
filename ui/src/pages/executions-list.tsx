/**
 * `/ui/executions` (and a flow's Executions tab, fixed to that flow): executions newest first,
 * filtered by namespace, flow, state, label `key:value` and time range, polled every few seconds.
 * Filters live in the URL so a filtered list can be linked.
 */
import { Link, useSearchParams } from 'react-router';
import { query, type Execution, type Page } from '../api';
import { ErrorMessage, Loading, PageHeader, StateBadge } from '../components';
import { useApi } from '../use-api';
import { formatDuration } from './gantt';
import { Pager } from './pager';

const PAGE_SIZE = 25;
const STATES = ['CREATED', 'RUNNING', 'PAUSED', 'RESTARTED', 'KILLING', 'SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED', 'QUEUED', 'RETRIED'];
const TIME_RANGES = [
  { value: '', label: 'Any time' },
  { value: 'PT1H', label: 'Last hour' },
  { value: 'P1D', label: 'Last day' },
  { value: 'P7D', label: 'Last 7 days' },
  { value: 'P30D', label: 'Last 30 days' },
];

function duration(execution: Execution): string {
  const { startDate, endDate } = execution.state;
  if (!startDate) return '—';
  return formatDuration((endDate ? Date.parse(endDate) : Date.now()) - Date.parse(startDate));
}

export function ExecutionsTable({ flow }: { flow?: { namespace: string; id: string } }) {
  const [params, setParams] = useSearchParams();
  const get = (key: string) => params.get(key) ?? '';
  const page = Number(params.get('page') ?? '1');
  const filters = {
    namespace: flow?.namespace ?? get('namespace'),
    flowId: flow?.id ?? get('flowId'),
    state: get('state'),
    labels: get('labels'),
    timeRange: get('timeRange'),
  };
  const executions = useApi<Page<Execution>>(`/executions/search${query({ ...filters, page, size: PAGE_SIZE })}`, 3000);
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('page');
    setParams(next, { replace: true });
  };
  const setPage = (value: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(value));
    setParams(next, { replace: true });
  };
  return (
    <div>
      <div className="filters">
        {flow ? null : (
          <>
            <input
              aria-label="Namespace"
              placeholder="Namespace"
              defaultValue={filters.namespace}
              onChange={(e) => setFilter('namespace', e.target.value)}
            />
            <input aria-label="Flow" placeholder="Flow id" defaultValue={filters.flowId} onChange={(e) => setFilter('flowId', e.target.value)} />
          </>
        )}
        <select aria-label="State" value={filters.state} onChange={(e) => setFilter('state', e.target.value)}>
          <option value="">Any state</option>
          {STATES.map((state) => (
            <option key={state}>{state}</option>
          ))}
        </select>
        <input aria-label="Label" placeholder="key:value" defaultValue={filters.labels} onChange={(e) => setFilter('labels', e.target.value)} />
        <select aria-label="Time range" value={filters.timeRange} onChange={(e) => setFilter('timeRange', e.target.value)}>
          {TIME_RANGES.map((range) => (
            <option key={range.value} value={range.value}>
              {range.label}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={executions.error} />
      <Loading when={executions.loading && !executions.data} />
      {executions.data && executions.data.results.length === 0 ? <p className="muted">No execution.</p> : null}
      {executions.data && executions.data.results.length > 0 ? (
        <table className="list executions">
          <thead>
            <tr>
              <th>Id</th>
              <th>Start date</th>
              <th>Duration</th>
              <th>Namespace</th>
              <th>Flow</th>
              <th>Labels</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {executions.data.results.map((execution) => (
              <tr key={execution.id}>
                <td>
                  <Link to={`/executions/${execution.namespace}/${execution.flowId}/${execution.id}/gantt`}>{execution.id}</Link>
                </td>
                <td>{execution.state.startDate?.replace('T', ' ').slice(0, 19) ?? '—'}</td>
                <td>{duration(execution)}</td>
                <td>{execution.namespace}</td>
                <td>{execution.flowId}</td>
                <td>
                  {execution.labels.map((label) => (
                    <span className="label" key={label.key}>
                      {label.key}:{label.value}
                    </span>
                  ))}
                </td>
                <td>
                  <StateBadge state={execution.state.current} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager page={page} total={executions.data?.total ?? 0} size={PAGE_SIZE} onPage={setPage} />
    </div>
  );
}

export function ExecutionsList() {
  return (
    <section>
      <PageHeader title="Executions" />
      <ExecutionsTable />
    </section>
  );
}
