/**
 * A namespace's files (`…/editor`): every file by path, a file's text in the editor, Save (a
 * multipart upload, as the API takes files), New file, Delete. Through
 * /api/v1/namespaces/{namespace}/files (src/server/namespace-files.ts).
 */
import { useState, type FormEvent } from 'react';
import { apiFetch, query } from '../api';
import { ErrorMessage, Loading } from '../components';
import { useAction } from '../use-action';
import { YamlEditor } from '../editor/yaml-editor';
import { useApi } from '../use-api';

const filesPath = (namespace: string, path: string) => `/namespaces/${namespace}/files${query({ path })}`;

async function writeFile(namespace: string, path: string, text: string): Promise<void> {
  const body = new FormData();
  body.append('fileContent', new Blob([text], { type: 'application/octet-stream' }), path.split('/').pop());
  await apiFetch(filesPath(namespace, path), { method: 'POST', body });
}

function OpenFile({ namespace, path, text, onDeleted }: { namespace: string; path: string; text: string; onDeleted(): void }) {
  const [current, setCurrent] = useState(text);
  const [saved, setSaved] = useState(text);
  const { error, run: act } = useAction();
  const save = () => act(async () => (await writeFile(namespace, path, current), setSaved(current)));
  const remove = () =>
    act(async () => {
      if (!window.confirm(`Delete ${path}?`)) return;
      await apiFetch(filesPath(namespace, path), { method: 'DELETE' });
      onDeleted();
    });
  return (
    <section className="open-file" aria-label={`File ${path}`}>
      <div className="toolbar">
        <strong>{path}</strong>
        <button className="primary" disabled={current === saved} onClick={() => void save()}>
          Save
        </button>
        <button onClick={() => void remove()}>Delete</button>
      </div>
      <ErrorMessage error={error} />
      <YamlEditor initial={text} label={`Content of ${path}`} onChange={setCurrent} />
    </section>
  );
}

export function NamespaceFiles({ namespace }: { namespace: string }) {
  const files = useApi<string[]>(`/namespaces/${namespace}/files/search`);
  const [open, setOpen] = useState<{ path: string; text: string }>();
  const [newPath, setNewPath] = useState('');
  const { error, run } = useAction();

  const openFile = (path: string) =>
    run(async () => {
      const response = await apiFetch(filesPath(namespace, path));
      setOpen({ path, text: await response.text() });
    });
  const create = (event: FormEvent) => {
    event.preventDefault();
    const path = newPath.startsWith('/') ? newPath : `/${newPath}`;
    return run(async () => {
      // Writing would replace an existing file: refuse a path the list already shows.
      if (files.data?.includes(path)) throw new Error(`${path} already exists`);
      await writeFile(namespace, path, '');
      setNewPath('');
      files.reload();
      setOpen({ path, text: '' });
    });
  };

  return (
    <div className="namespace-files">
      <form className="filters" aria-label="New file" onSubmit={(event) => void create(event)}>
        <input
          aria-label="New file path"
          placeholder="/queries/report.sql"
          required
          value={newPath}
          onChange={(event) => setNewPath(event.target.value)}
        />
        <button type="submit">New file</button>
      </form>
      <ErrorMessage error={files.error ?? error} />
      <Loading when={files.loading && !files.data} />
      <div className="files-layout">
        <ul className="file-tree" aria-label="Files">
          {[...(files.data ?? [])].sort().map((path) => (
            <li key={path} style={{ paddingLeft: `${(path.split('/').length - 2) * 12}px` }}>
              <button className={`link${open?.path === path ? ' selected' : ''}`} onClick={() => void openFile(path)}>
                {path}
              </button>
            </li>
          ))}
        </ul>
        {files.data?.length === 0 ? <p className="muted">No file in this namespace.</p> : null}
        {open ? (
          <OpenFile key={open.path} namespace={namespace} path={open.path} text={open.text} onDeleted={() => (setOpen(undefined), files.reload())} />
        ) : null}
      </div>
    </div>
  );
}
