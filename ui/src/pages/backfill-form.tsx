/**
 * The Backfill form of a Schedule trigger: start, end, inputs (JSON) and labels (`key:value` per
 * line), sent as PUT /api/v1/triggers {backfill}. The API starts one execution per cron tick in
 * [start, end), each labelled `backfill:true`; its refusal (422) is shown in the form.
 */
import { useState, type FormEvent } from 'react';
import { apiJson, jsonBody } from '../api';
import { ErrorMessage } from '../components';
import { FormActions } from '../form-actions';
import { useAction } from '../use-action';

interface BackfillFormProps {
  namespace: string;
  flowId: string;
  triggerId: string;
  timezone: string;
  onDone(message: string): void;
  onCancel(): void;
}

/** `team:data` lines as Kestra's label list; a line without a colon is refused. */
function parseLabels(text: string): { key: string; value: string }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const colon = line.indexOf(':');
      if (colon < 1) throw new Error(`Labels: expected key:value, got "${line}"`);
      return { key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
    });
}

function parseInputs(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('Inputs: expected a JSON object, e.g. {"taxi": "green"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('Inputs: expected a JSON object');
  return value as Record<string, unknown>;
}

export function BackfillForm({ namespace, flowId, triggerId, timezone, onDone, onCancel }: BackfillFormProps) {
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [inputs, setInputs] = useState('');
  const [labels, setLabels] = useState('');
  const { error, run } = useAction();
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    return run(async () => {
      const backfill = { start, end: end || null, inputs: parseInputs(inputs), labels: parseLabels(labels) };
      await apiJson('/triggers', jsonBody('PUT', { namespace, flowId, triggerId, backfill }));
      onDone(`Backfill of ${triggerId} started from ${start}${end ? ` to ${end}` : ''}.`);
    }).finally(() => setBusy(false));
  };

  return (
    <form className="backfill-form" aria-label={`Backfill ${triggerId}`} onSubmit={(event) => void submit(event)}>
      <p className="muted">Dates without an offset are read in the trigger's time zone ({timezone}).</p>
      <label>
        Start
        <input type="datetime-local" step={1} required value={start} onChange={(event) => setStart(event.target.value)} />
      </label>
      <label>
        End
        <input type="datetime-local" step={1} value={end} onChange={(event) => setEnd(event.target.value)} />
      </label>
      <label>
        Inputs (JSON)
        <textarea rows={3} value={inputs} placeholder='{"taxi": "green"}' onChange={(event) => setInputs(event.target.value)} />
      </label>
      <label>
        Labels (key:value per line)
        <textarea rows={2} value={labels} onChange={(event) => setLabels(event.target.value)} />
      </label>
      <ErrorMessage error={error} />
      <FormActions submit="Start backfill" disabled={busy} onCancel={onCancel} />
    </form>
  );
}
