/**
 * One form control per declared input (the flow's `inputs`, or a Pause's `onResume`), labelled with
 * its displayName or id and prefilled with its default; the API's 422 message for an input shows
 * under its control. Execute and Resume send the values as multipart parts, as the CLI and curl send
 * them; a Backfill sends them in its JSON body (`inputsJson`).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { fieldErrors, type FlowInput } from '../api';

/** What the user entered: text for most types, a list for MULTISELECT, a File for FILE. */
export type InputValue = string | string[] | File | undefined;
export type InputValues = Record<string, InputValue>;

function initialValue(input: FlowInput): InputValue {
  const value = input.defaults;
  if (value === undefined || value === null) return input.type === 'MULTISELECT' ? [] : input.type === 'BOOLEAN' ? 'false' : undefined;
  if (input.type === 'MULTISELECT') return Array.isArray(value) ? value.map(String) : [String(value)];
  if (input.type === 'JSON' || input.type === 'ARRAY') return typeof value === 'string' ? value : JSON.stringify(value);
  return String(value);
}

export function initialValues(inputs: readonly FlowInput[]): InputValues {
  return Object.fromEntries(inputs.map((input) => [input.id, initialValue(input)]));
}

function hasValue(value: InputValue): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== '';
}

/** As in Kestra, an input that depends on others shows once they all have a value. */
export function visibleInputs(inputs: readonly FlowInput[], values: InputValues): FlowInput[] {
  return inputs.filter((input) => (input.dependsOn?.inputs ?? []).every((id) => hasValue(values[id])));
}

export function inputsFormData(inputs: readonly FlowInput[], values: InputValues): FormData {
  const form = new FormData();
  for (const input of visibleInputs(inputs, values)) {
    const value = values[input.id];
    if (value instanceof File) form.append(input.id, value, value.name);
    else if (Array.isArray(value)) value.forEach((item) => form.append(input.id, item));
    else if (value !== undefined && value !== '') form.append(input.id, value);
  }
  return form;
}

/**
 * The values as a JSON object (a backfill's `inputs`): only those the user changed from `initial`, so
 * an input left alone keeps what the trigger would give it. A FILE has no JSON form and is left out.
 */
export function inputsJson(inputs: readonly FlowInput[], values: InputValues, initial: InputValues): Record<string, string | string[]> {
  const json: Record<string, string | string[]> = {};
  for (const input of visibleInputs(inputs, values)) {
    const value = values[input.id];
    if (value === undefined || value === '' || value instanceof File || JSON.stringify(value) === JSON.stringify(initial[input.id])) continue;
    json[input.id] = value;
  }
  return json;
}

/** The 422 messages of an input (`Invalid input for \`id\`, …`), by input id; the rest under ''. */
export function messagesByInput(error: unknown): Record<string, string[]> {
  const byInput: Record<string, string[]> = {};
  for (const { message, path } of fieldErrors(error)) {
    const id = /^Invalid input for `([^`]+)`/.exec(message)?.[1] ?? /^inputs\.([^.]+)/.exec(path)?.[1] ?? '';
    (byInput[id] ??= []).push(message);
  }
  return byInput;
}

const TEXT_TYPES: Record<string, string> = {
  INT: 'number',
  FLOAT: 'number',
  DATE: 'date',
  DATETIME: 'datetime-local',
  TIME: 'time',
  SECRET: 'password',
  URI: 'url',
  EMAIL: 'email',
};

function Control({ input, value, onChange }: { input: FlowInput; value: InputValue; onChange(value: InputValue): void }) {
  const label = input.displayName ?? input.id;
  const text = typeof value === 'string' ? value : '';
  const common = { id: `input-${input.id}`, 'aria-label': label, required: input.required !== false && input.defaults === undefined };
  switch (input.type) {
    case 'BOOLEAN':
    case 'BOOL':
      return <input {...common} required={false} type="checkbox" checked={text === 'true'} onChange={(e) => onChange(String(e.target.checked))} />;
    case 'SELECT':
    case 'ENUM':
    case 'MULTISELECT': {
      const multiple = input.type === 'MULTISELECT';
      const chosen = Array.isArray(value) ? value : text ? [text] : [];
      const custom = input.allowCustomValue ? (
        <input
          aria-label={`${label} (custom value)`}
          placeholder="Other value"
          onChange={(e) =>
            onChange(multiple ? [...chosen.filter((v) => input.values?.includes(v)), ...(e.target.value ? [e.target.value] : [])] : e.target.value)
          }
        />
      ) : null;
      return (
        <>
          <select
            {...common}
            multiple={multiple}
            value={multiple ? chosen : text}
            onChange={(e) => onChange(multiple ? Array.from(e.target.selectedOptions, (o) => o.value) : e.target.value)}
          >
            {multiple ? null : <option value="">—</option>}
            {(input.values ?? []).map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
          {custom}
        </>
      );
    }
    case 'FILE':
      return <input {...common} type="file" onChange={(e) => onChange(e.target.files?.[0])} />;
    case 'JSON':
    case 'ARRAY':
    case 'YAML':
      return (
        <textarea
          {...common}
          rows={3}
          value={text}
          placeholder={input.type === 'ARRAY' ? '["a", "b"]' : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    default:
      return (
        <input
          {...common}
          type={TEXT_TYPES[input.type] ?? 'text'}
          step={input.type === 'FLOAT' ? 'any' : input.type === 'DATETIME' || input.type === 'TIME' ? 1 : undefined}
          placeholder={input.type === 'DURATION' ? 'PT5M' : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

/** The messages of an API error that name no input (or the error's own message), shown under the whole form. */
export function FormMessages({ error }: { error: unknown }) {
  const messages = messagesByInput(error);
  const general = messages[''] ?? (error && Object.keys(messages).length === 0 ? [(error as Error).message] : []);
  return general.map((message) => (
    <p key={message} className="error" role="alert">
      {message}
    </p>
  ));
}

/**
 * One labelled control per visible input, with the API's messages for it (`error`, a 422) under it:
 * the fields the Execute, Resume and Backfill forms share.
 */
export function InputFields(props: { inputs: readonly FlowInput[]; values: InputValues; onChange(values: InputValues): void; error?: unknown }) {
  const messages = messagesByInput(props.error);
  return visibleInputs(props.inputs, props.values).map((input) => (
    <div className="field" key={input.id}>
      <label htmlFor={`input-${input.id}`}>{input.displayName ?? input.id}</label>
      <Control input={input} value={props.values[input.id]} onChange={(value) => props.onChange({ ...props.values, [input.id]: value })} />
      {input.description ? <small className="muted">{input.description}</small> : null}
      {(messages[input.id] ?? []).map((message) => (
        <p key={message} className="error" role="alert">
          {message}
        </p>
      ))}
    </div>
  ));
}

/** A form of inputs sent as multipart (Execute, Resume); `children` are the form's buttons. */
export function InputsForm(props: { inputs: readonly FlowInput[]; submit(form: FormData): Promise<void>; children: ReactNode }) {
  const [values, setValues] = useState<InputValues>(() => initialValues(props.inputs));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await props.submit(inputsFormData(props.inputs, values));
      setError(undefined);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inputs-form" onSubmit={(e) => void onSubmit(e)}>
      <InputFields inputs={props.inputs} values={values} onChange={setValues} error={error} />
      <FormMessages error={error} />
      <fieldset className="actions" disabled={busy}>
        {props.children}
      </fieldset>
    </form>
  );
}
