/**
 * A flow's Logs tab. Kestra shows the logs of the flow's recent executions from a log search; tflow's
 * API has no log search (logs live in each execution's workflow), so this tab shows the logs of the
 * flow's latest execution, with a link to it.
 */
import { Link } from 'react-router';
import { query, type Execution, type Page } from '../api';
import { ErrorMessage, Loading, StateBadge } from '../components';
import { useApi } from '../use-api';
import { ExecutionLogs } from './execution-logs';
import type { FlowTabProps } from './flow-tab';

export function FlowLogs({ flow }: FlowTabProps) {
  const latest = useApi<Page<Execution>>(`/executions/search${query({ namespace: flow.namespace, flowId: flow.id, size: 1 })}`, 3000);
  const execution = latest.data?.results.find((e) => e.namespace === flow.namespace);
  return (
    <div>
      <ErrorMessage error={latest.error} />
      <Loading when={latest.loading && !latest.data} />
      {latest.data && !execution ? <p className="muted">No execution yet.</p> : null}
      {execution ? (
        <>
          <p>
            Logs of the latest execution{' '}
            <Link to={`/executions/${execution.namespace}/${execution.flowId}/${execution.id}/logs`}>{execution.id}</Link>{' '}
            <StateBadge state={execution.state.current} />
          </p>
          <ExecutionLogs key={execution.id} executionId={execution.id} />
        </>
      ) : null}
    </div>
  );
}
