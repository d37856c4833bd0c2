/**
 * A namespace's KV store (`…/kv`): the keys, a key's typed value, create or edit (PUT: the API
 * infers the type from the text as Kestra does: JSON numbers, booleans, objects; ISO dates and
 * durations; else a string), an optional TTL, delete.
 */
import { useState, type FormEvent } from 'react';
import { apiFetch, apiJson } from '../api';
import { ErrorMessage, Loading } from '../components';
import { FormActions } from '../form-actions';
import { useAction } from '../use-action';
import { useApi } from '../use-api';

interface KvEntry {
  key: string;
  updateDate: string;
  expirationDate?: string;
}

interface KvValue {
  type: string;
  value: unknown;
}

/** The text that, sent back, gives the same value and type. */
const valueText = ({ type, value }: KvValue) => (type === 'STRING' || typeof value === 'string' ? String(value) : JSON.stringify(value));

function KvForm({
  namespace,
  initial,
  onSaved,
  onCancel,
}: {
  namespace: string;
  initial?: { key: string; text: string };
  onSaved(): void;
  onCancel(): void;
}) {
  const [key, setKey] = useState(initial?.key ?? '');
  const [text, setText] = useState(initial?.text ?? '');
  const [ttl, setTtl] = useState('');
  const { error, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    return run(async () => {
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (ttl) headers.ttl = ttl;
      await apiFetch(`/namespaces/${namespace}/kv/${encodeURIComponent(key)}`, { method: 'PUT', headers, body: text });
      onSaved();
    });
  };

  return (
    <form className="kv-form" aria-label={initial ? `Edit ${initial.key}` : 'New key'} onSubmit={(event) => void submit(event)}>
      <label>
        Key
        <input required value={key} readOnly={Boolean(initial)} onChange={(event) => setKey(event.target.value)} />
      </label>
      <label>
        Value
        <textarea rows={4} value={text} onChange={(event) => setText(event.target.value)} />
      </label>
      <label>
        TTL (ISO duration, e.g. PT1H)
        <input value={ttl} onChange={(event) => setTtl(event.target.value)} />
      </label>
      <ErrorMessage error={error} />
      <FormActions submit="Save" onCancel={onCancel} />
    </form>
  );
}

export function NamespaceKv({ namespace }: { namespace: string }) {
  const keys = useApi<KvEntry[]>(`/namespaces/${namespace}/kv`);
  const [shown, setShown] = useState<{ key: string; value: KvValue }>();
  const [editing, setEditing] = useState<{ key: string; text: string } | 'new'>();
  const { error, run: act } = useAction();
  const read = (key: string) => apiJson<KvValue>(`/namespaces/${namespace}/kv/${encodeURIComponent(key)}`);
  const view = (key: string) => act(async () => setShown({ key, value: await read(key) }));
  const edit = (key: string) => act(async () => setEditing({ key, text: valueText(await read(key)) }));
  const remove = (key: string) =>
    act(async () => {
      if (!window.confirm(`Delete key ${key}?`)) return;
      await apiFetch(`/namespaces/${namespace}/kv/${encodeURIComponent(key)}`, { method: 'DELETE' });
      if (shown?.key === key) setShown(undefined);
      keys.reload();
    });
  const saved = () => {
    setEditing(undefined);
    setShown(undefined);
    keys.reload();
  };

  return (
    <div className="kv">
      <div className="toolbar">
        <button className="primary" onClick={() => setEditing('new')}>
          New key
        </button>
      </div>
      {editing ? (
        <KvForm
          key={editing === 'new' ? '' : editing.key}
          namespace={namespace}
          initial={editing === 'new' ? undefined : editing}
          onSaved={saved}
          onCancel={() => setEditing(undefined)}
        />
      ) : null}
      <ErrorMessage error={keys.error ?? error} />
      <Loading when={keys.loading && !keys.data} />
      <table className="list">
        <thead>
          <tr>
            <th>Key</th>
            <th>Updated</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.data?.map((entry) => (
            <tr key={entry.key}>
              <td>{entry.key}</td>
              <td>{new Date(entry.updateDate).toLocaleString()}</td>
              <td>{entry.expirationDate ? new Date(entry.expirationDate).toLocaleString() : null}</td>
              <td className="actions">
                <button aria-label={`View ${entry.key}`} onClick={() => void view(entry.key)}>
                  View
                </button>
                <button aria-label={`Edit ${entry.key}`} onClick={() => void edit(entry.key)}>
                  Edit
                </button>
                <button aria-label={`Delete ${entry.key}`} onClick={() => void remove(entry.key)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys.data?.length === 0 ? <p className="muted">No key in this namespace.</p> : null}
      {shown ? (
        <section aria-label={`Value of ${shown.key}`}>
          <h2>
            {shown.key} <span className="muted">{shown.value.type}</span>
          </h2>
          <pre>{typeof shown.value.value === 'string' ? shown.value.value : JSON.stringify(shown.value.value, null, 2)}</pre>
        </section>
      ) : null}
    </div>
  );
}
