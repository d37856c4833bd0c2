import { useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { apiFetch, query, type FlowSummary, type Page } from '../api';
import { ErrorMessage, Loading, PageHeader } from '../components';
import { useApi } from '../use-api';

const PAGE_SIZE = 50;

/** `/ui/flows`: every deployed flow, filtered by namespace and text, with Import. */
export function FlowsList() {
  const [params, setParams] = useSearchParams();
  const namespace = params.get('namespace') ?? '';
  const q = params.get('q') ?? '';
  const page = Number(params.get('page') ?? '1');
  const flows = useApi<Page<FlowSummary>>(`/flows/search${query({ namespace, q, page, size: PAGE_SIZE })}`);
  const [importError, setImportError] = useState<Error>();
  const fileInput = useRef<HTMLInputElement>(null);

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('page');
    setParams(next, { replace: true });
  };

  const importFile = async (file: File) => {
    const form = new FormData();
    form.append('fileUpload', file, file.name);
    try {
      await apiFetch('/flows/import', { method: 'POST', body: form });
      setImportError(undefined);
      flows.reload();
    } catch (error) {
      setImportError(error as Error);
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  const pages = Math.max(1, Math.ceil((flows.data?.total ?? 0) / PAGE_SIZE));
  return (
    <section>
      <PageHeader title="Flows">
        <label className="button">
          Import
          <input
            ref={fileInput}
            type="file"
            accept=".yml,.yaml,text/yaml"
            hidden
            onChange={(event) => event.target.files?.[0] && void importFile(event.target.files[0])}
          />
        </label>
        <Link className="button primary" to="/flows/new">
          Create
        </Link>
      </PageHeader>
      <div className="filters">
        <input aria-label="Namespace" placeholder="Namespace" defaultValue={namespace} onChange={(e) => setFilter('namespace', e.target.value)} />
        <input aria-label="Search" placeholder="Search" type="search" defaultValue={q} onChange={(e) => setFilter('q', e.target.value)} />
      </div>
      <ErrorMessage error={importError ?? flows.error} />
      <Loading when={flows.loading && !flows.data} />
      <table className="list">
        <thead>
          <tr>
            <th>Id</th>
            <th>Namespace</th>
            <th>Labels</th>
            <th>Revision</th>
          </tr>
        </thead>
        <tbody>
          {flows.data?.results.map((flow) => (
            <tr key={`${flow.namespace}.${flow.id}`} className={flow.disabled ? 'disabled' : undefined}>
              <td>
                <Link to={`/flows/edit/${flow.namespace}/${flow.id}`}>{flow.id}</Link>
              </td>
              <td>{flow.namespace}</td>
              <td>
                {flow.labels.map((label) => (
                  <span key={label.key} className="label">
                    {label.key}:{label.value}
                  </span>
                ))}
              </td>
              <td>{flow.revision}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {flows.data && flows.data.total === 0 ? <p className="muted">No flow yet: import a YAML file.</p> : null}
      {pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          {Array.from({ length: pages }, (_, index) => index + 1).map((n) => (
            <button key={n} disabled={n === page} onClick={() => setFilter('page', String(n))}>
              {n}
            </button>
          ))}
        </nav>
      ) : null}
    </section>
  );
}
