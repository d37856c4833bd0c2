/**
 * The Backfill form of a Schedule trigger: start, end, the flow's inputs (the Execute form's controls)
 * and labels as key/value rows, sent as PUT /api/v1/triggers {backfill: {start, end, inputs, labels}}.
 * The API starts one execution per cron tick in [start, end), each labelled `backfill:true`; its
 * refusal (a 422, per input when it is about one) is shown in the form.
 */
import { useState, type FormEvent } from 'react';
import { apiJson, jsonBody, type FlowInput, type Label } from '../api';
import { FormActions } from '../form-actions';
import { FormMessages, InputFields, initialValues, inputsJson, type InputValues } from './input-controls';

interface BackfillFormProps {
  namespace: string;
  flowId: string;
  triggerId: string;
  timezone: string;
  /** The flow's declared inputs. */
  inputs: readonly FlowInput[];
  onDone(message: string): void;
  onCancel(): void;
}

/** Editable `key` / `value` rows; a row without a key is not sent. */
function LabelRows({ labels, onChange }: { labels: Label[]; onChange(labels: Label[]): void }) {
  const set = (index: number, change: Partial<Label>) => onChange(labels.map((label, i) => (i === index ? { ...label, ...change } : label)));
  return (
    <fieldset className="label-rows">
      <legend>Labels</legend>
      {labels.map((label, index) => (
        <div className="label-row" key={index}>
          <input aria-label={`Label ${index + 1} key`} placeholder="key" value={label.key} onChange={(e) => set(index, { key: e.target.value })} />
          <input
            aria-label={`Label ${index + 1} value`}
            placeholder="value"
            value={label.value}
            onChange={(e) => set(index, { value: e.target.value })}
          />
          <button type="button" aria-label={`Remove label ${index + 1}`} onClick={() => onChange(labels.filter((_, i) => i !== index))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...labels, { key: '', value: '' }])}>
        Add label
      </button>
    </fieldset>
  );
}

export function BackfillForm({ namespace, flowId, triggerId, timezone, inputs, onDone, onCancel }: BackfillFormProps) {
  // A FILE input cannot travel in the backfill's JSON body.
  const [fields] = useState(() => inputs.filter((input) => input.type !== 'FILE'));
  const [initial] = useState(() => initialValues(fields));
  const [values, setValues] = useState<InputValues>(initial);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [labels, setLabels] = useState<Label[]>([{ key: '', value: '' }]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const backfill = {
        start,
        end: end || null,
        inputs: inputsJson(fields, values, initial),
        labels: labels.filter((label) => label.key.trim() !== '').map(({ key, value }) => ({ key: key.trim(), value })),
      };
      await apiJson('/triggers', jsonBody('PUT', { namespace, flowId, triggerId, backfill }));
      onDone(`Backfill of ${triggerId} started from ${start}${end ? ` to ${end}` : ''}.`);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="backfill-form inputs-form" aria-label={`Backfill ${triggerId}`} onSubmit={(event) => void submit(event)}>
      <p className="muted">Dates without an offset are read in the trigger's time zone ({timezone}).</p>
      <label>
        Start
        <input type="datetime-local" step={1} required value={start} onChange={(event) => setStart(event.target.value)} />
      </label>
      <label>
        End
        <input type="datetime-local" step={1} value={end} onChange={(event) => setEnd(event.target.value)} />
      </label>
      {fields.length > 0 ? (
        <fieldset className="backfill-inputs">
          <legend>Inputs</legend>
          <p className="muted">An input left as it is keeps the value the Schedule gives it.</p>
          <InputFields inputs={fields} values={values} onChange={setValues} error={error} />
        </fieldset>
      ) : null}
      <LabelRows labels={labels} onChange={setLabels} />
      <FormMessages error={error} />
      <FormActions submit="Start backfill" disabled={busy} onCancel={onCancel} />
    </form>
  );
}
