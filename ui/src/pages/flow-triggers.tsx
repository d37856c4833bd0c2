/**
 * The flow's triggers tab: each trigger with its type; a Schedule with its cron, time zone, next
 * date, an enable switch (PUT /triggers {disabled}: pauses its Temporal Schedule) and Backfill.
 */
import { useState } from 'react';
import { apiJson, jsonBody, query, type Page } from '../api';
import { ErrorMessage, Loading } from '../components';
import { useAction } from '../use-action';
import { useApi } from '../use-api';
import { BackfillForm } from './backfill-form';
import type { FlowTabProps } from './flow-tab';

interface TriggerState {
  abstractTrigger: { id: string; type: string; disabled: boolean; description?: string; cron?: string; timezone?: string };
  triggerContext: { namespace: string; flowId: string; triggerId: string; disabled: boolean; date?: string; nextExecutionDate?: string };
}

const SCHEDULE = 'io.kestra.plugin.core.trigger.Schedule';

export function FlowTriggers({ flow }: FlowTabProps) {
  const triggers = useApi<Page<TriggerState>>(`/triggers/search${query({ namespace: flow.namespace, flowId: flow.id, size: 100 })}`);
  const [backfilling, setBackfilling] = useState<string>();
  const [message, setMessage] = useState<string>();
  const { error, run } = useAction();
  const mine = (triggers.data?.results ?? []).filter((t) => t.triggerContext.namespace === flow.namespace && t.triggerContext.flowId === flow.id);

  const setEnabled = (triggerId: string, enabled: boolean) =>
    run(async () => {
      await apiJson('/triggers', jsonBody('PUT', { namespace: flow.namespace, flowId: flow.id, triggerId, disabled: !enabled }));
      triggers.reload();
    });

  return (
    <div className="triggers">
      <ErrorMessage error={triggers.error ?? error} />
      <Loading when={triggers.loading && !triggers.data} />
      {triggers.data && mine.length === 0 ? <p className="muted">This flow has no triggers.</p> : null}
      {message ? (
        <p className="notice" role="status">
          {message}{' '}
          <a href={`/ui/executions?${new URLSearchParams({ namespace: flow.namespace, flowId: flow.id, labels: 'backfill:true' })}`}>
            Its executions
          </a>
        </p>
      ) : null}
      {mine.length > 0 ? (
        <table className="list">
          <thead>
            <tr>
              <th>Trigger</th>
              <th>Type</th>
              <th>Cron</th>
              <th>Time zone</th>
              <th>Next date</th>
              <th>Enabled</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {mine.map(({ abstractTrigger: trigger, triggerContext: state }) => {
              const schedule = trigger.type === SCHEDULE;
              return (
                <tr key={trigger.id}>
                  <td>{trigger.id}</td>
                  <td title={trigger.type}>{trigger.type.split('.').pop()}</td>
                  <td>{trigger.cron ? <code>{trigger.cron}</code> : null}</td>
                  <td>{trigger.timezone}</td>
                  <td>{state.nextExecutionDate ? new Date(state.nextExecutionDate).toLocaleString() : null}</td>
                  <td>
                    {schedule ? (
                      <input
                        type="checkbox"
                        role="switch"
                        aria-label={`Enable ${trigger.id}`}
                        checked={!state.disabled}
                        onChange={(event) => void setEnabled(trigger.id, event.target.checked)}
                      />
                    ) : (
                      (!state.disabled).toString()
                    )}
                  </td>
                  <td>{schedule ? <button onClick={() => (setBackfilling(trigger.id), setMessage(undefined))}>Backfill</button> : null}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {backfilling ? (
        <BackfillForm
          key={backfilling}
          namespace={flow.namespace}
          flowId={flow.id}
          triggerId={backfilling}
          timezone={mine.find((t) => t.abstractTrigger.id === backfilling)?.abstractTrigger.timezone ?? 'UTC'}
          inputs={flow.inputs ?? []}
          onDone={(text) => (setMessage(text), setBackfilling(undefined))}
          onCancel={() => setBackfilling(undefined)}
        />
      ) : null}
    </div>
  );
}
