/**
 * A namespace's files (`…/editor`): its folders as a collapsible tree, a file's text in the editor,
 * Save (a multipart upload, as the API takes files), New file and New folder in the selected folder,
 * Move (a new path: rename or move, files or whole folders) and Delete. Through
 * /api/v1/namespaces/{namespace}/files (src/server/namespace-files.ts). A new folder lives in the
 * page until a file is saved in it: internal storage keeps no empty folder.
 */
import { useState, type FormEvent } from 'react';
import { apiFetch, query } from '../api';
import { ErrorMessage, Loading } from '../components';
import { useAction } from '../use-action';
import { YamlEditor } from '../editor/yaml-editor';
import { useApi } from '../use-api';
import { buildTree, isWithin, parentOf, resolvePath, type TreeNode } from './file-tree';

const filesPath = (namespace: string, path: string) => `/namespaces/${namespace}/files${query({ path })}`;

async function writeFile(namespace: string, path: string, text: string): Promise<void> {
  const body = new FormData();
  body.append('fileContent', new Blob([text], { type: 'application/octet-stream' }), path.split('/').pop());
  await apiFetch(filesPath(namespace, path), { method: 'POST', body });
}

/** Every folder from the top down to `path` (a file's folders, or a folder and its parents). */
function foldersTo(path: string, folder: boolean): string[] {
  const names = path.split('/').filter(Boolean);
  const count = folder ? names.length : names.length - 1;
  return names.slice(0, count).map((_, index) => `/${names.slice(0, index + 1).join('/')}`);
}

function OpenFile({ namespace, path, text }: { namespace: string; path: string; text: string }) {
  const [current, setCurrent] = useState(text);
  const [saved, setSaved] = useState(text);
  const { error, run } = useAction();
  const save = () => run(async () => (await writeFile(namespace, path, current), setSaved(current)));
  return (
    <section className="open-file" aria-label={`File ${path}`}>
      <div className="toolbar">
        <strong>{path}</strong>
        <button className="primary" disabled={current === saved} onClick={() => void save()}>
          Save
        </button>
      </div>
      <ErrorMessage error={error} />
      <YamlEditor initial={text} label={`Content of ${path}`} onChange={setCurrent} />
    </section>
  );
}

/** Move (or rename: a bare name stays in the same folder) and Delete of the selected file or folder. */
function EntryActions({ entry, onMove, onDelete }: { entry: Selection; onMove(to: string): Promise<void>; onDelete(): Promise<void> }) {
  const [to, setTo] = useState(entry.path);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void onMove(resolvePath(parentOf(entry.path), to));
  };
  return (
    <form className="filters entry-actions" aria-label={`${entry.folder ? 'Folder' : 'File'} ${entry.path}`} onSubmit={submit}>
      <input aria-label="Move to" required value={to} onChange={(event) => setTo(event.target.value)} />
      <button type="submit">Move</button>
      <button type="button" onClick={() => void onDelete()}>
        Delete
      </button>
    </form>
  );
}

interface Selection {
  path: string;
  folder: boolean;
}

interface TreeProps {
  nodes: TreeNode[];
  depth: number;
  expanded: ReadonlySet<string>;
  selected?: string;
  onSelect(node: TreeNode): void;
}

function TreeItems({ nodes, depth, ...props }: TreeProps) {
  return nodes.map((node) => {
    const open = node.folder && props.expanded.has(node.path);
    return (
      <li key={`${node.folder ? 'd' : 'f'}${node.path}`}>
        <button
          type="button"
          className={`link tree-entry${props.selected === node.path ? ' selected' : ''}`}
          style={{ paddingLeft: `${depth * 14}px` }}
          aria-label={node.path}
          aria-expanded={node.folder ? open : undefined}
          onClick={() => props.onSelect(node)}
        >
          <span aria-hidden="true">{node.folder ? (open ? '▾ ' : '▸ ') : ''}</span>
          {node.name}
          {node.folder ? '/' : ''}
        </button>
        {open ? (
          <ul>
            <TreeItems nodes={node.children} depth={depth + 1} {...props} />
          </ul>
        ) : null}
      </li>
    );
  });
}

export function NamespaceFiles({ namespace }: { namespace: string }) {
  const files = useApi<string[]>(`/namespaces/${namespace}/files/search`);
  const [emptyFolders, setEmptyFolders] = useState<string[]>([]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<Selection>();
  const [open, setOpen] = useState<{ path: string; text: string }>();
  const [newPath, setNewPath] = useState('');
  const { error, run } = useAction();

  const stored = files.data ?? [];
  const tree = buildTree(stored, emptyFolders);
  const isStored = (path: string) => stored.some((file) => isWithin(file, path));
  const exists = (path: string) => isStored(path) || emptyFolders.some((folder) => isWithin(folder, path));
  /** Where New file and New folder go: the selected folder, or the selected file's folder. */
  const target = selected ? (selected.folder ? selected.path : parentOf(selected.path)) : '';
  const reveal = (path: string, folder: boolean) => setExpanded((all) => new Set([...all, ...foldersTo(path, folder)]));

  const loadFile = async (path: string) => {
    const response = await apiFetch(filesPath(namespace, path));
    setOpen({ path, text: await response.text() });
  };
  const openFile = (path: string) => run(() => loadFile(path));
  const select = (node: TreeNode) => {
    setSelected({ path: node.path, folder: node.folder });
    if (!node.folder) return void openFile(node.path);
    setExpanded((all) => {
      const next = new Set(all);
      if (!next.delete(node.path)) next.add(node.path);
      return next;
    });
  };
  const create = (folder: boolean) =>
    run(async () => {
      if (!newPath.trim()) throw new Error('Name the new file or folder');
      const path = resolvePath(target, newPath);
      // Writing would replace an existing file: refuse a path the tree already shows.
      if (exists(path)) throw new Error(`${path} already exists`);
      if (folder) setEmptyFolders((all) => [...all, path]);
      else {
        await writeFile(namespace, path, '');
        files.reload();
        setOpen({ path, text: '' });
      }
      setNewPath('');
      setSelected({ path, folder });
      reveal(path, folder);
    });
  const move = (from: Selection, to: string) =>
    run(async () => {
      if (to === from.path) return;
      if (exists(to)) throw new Error(`${to} already exists`);
      if (isStored(from.path)) await apiFetch(`/namespaces/${namespace}/files${query({ from: from.path, to })}`, { method: 'PUT' });
      const moved = (path: string) => (isWithin(path, from.path) ? `${to}${path.slice(from.path.length)}` : path);
      setEmptyFolders((all) => all.map(moved));
      // Read again: what the editor shows may have been saved since it was opened.
      if (open && isWithin(open.path, from.path)) await loadFile(moved(open.path));
      setSelected({ path: to, folder: from.folder });
      reveal(to, from.folder);
      files.reload();
    });
  const remove = (entry: Selection) =>
    run(async () => {
      if (!window.confirm(`Delete ${entry.path}${entry.folder ? ' and everything in it' : ''}?`)) return;
      if (isStored(entry.path)) await apiFetch(filesPath(namespace, entry.path), { method: 'DELETE' });
      setEmptyFolders((all) => all.filter((folder) => !isWithin(folder, entry.path)));
      setOpen((file) => (file && isWithin(file.path, entry.path) ? undefined : file));
      setSelected(undefined);
      files.reload();
    });
  const submitNew = (event: FormEvent) => {
    event.preventDefault();
    void create(false);
  };

  return (
    <div className="namespace-files">
      <form className="filters" aria-label="New file or folder" onSubmit={submitNew}>
        <span className="muted">In {target || '/'}</span>
        <input
          aria-label="New path"
          placeholder="report.sql, or sub/report.sql"
          value={newPath}
          onChange={(event) => setNewPath(event.target.value)}
        />
        <button type="submit">New file</button>
        <button type="button" onClick={() => void create(true)}>
          New folder
        </button>
      </form>
      {selected ? <EntryActions key={selected.path} entry={selected} onMove={(to) => move(selected, to)} onDelete={() => remove(selected)} /> : null}
      <ErrorMessage error={files.error ?? error} />
      <Loading when={files.loading && !files.data} />
      <div className="files-layout">
        <ul className="file-tree" aria-label="Files">
          <li>
            <button type="button" className={`link tree-entry${selected ? '' : ' selected'}`} aria-label="/" onClick={() => setSelected(undefined)}>
              /
            </button>
          </li>
          <TreeItems nodes={tree} depth={1} expanded={expanded} selected={selected?.path} onSelect={select} />
        </ul>
        {files.data && tree.length === 0 ? <p className="muted">No file in this namespace.</p> : null}
        {open ? <OpenFile key={open.path} namespace={namespace} path={open.path} text={open.text} /> : null}
      </div>
    </div>
  );
}
