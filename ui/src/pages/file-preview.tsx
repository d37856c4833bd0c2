/**
 * A kestra:// file an execution may read: its size, a Preview button showing its first lines
 * (`/file/preview`: rows for CSV/Ion/JSON lines, text otherwise) and a Download link (`/file?path=`).
 */
import { useState } from 'react';
import { API, apiJson, query } from '../api';
import { ErrorMessage } from '../components';
import { useApi } from '../use-api';

interface FilePreviewJson {
  type: 'LIST' | 'TEXT';
  content: unknown[] | string;
  truncated: boolean;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

function PreviewTable({ rows }: { rows: unknown[] }) {
  const objects = rows.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null && !Array.isArray(row));
  if (objects.length !== rows.length) return <pre className="file-preview">{rows.map((row) => JSON.stringify(row)).join('\n')}</pre>;
  const columns = [...new Set(objects.flatMap((row) => Object.keys(row)))];
  return (
    <table className="list file-preview">
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column}>{column}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {objects.map((row, index) => (
          <tr key={index}>
            {columns.map((column) => (
              <td key={column}>{typeof row[column] === 'object' ? JSON.stringify(row[column]) : String(row[column] ?? '')}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FileOutput({ executionId, uri }: { executionId: string; uri: string }) {
  const path = query({ path: uri });
  const base = `/executions/${encodeURIComponent(executionId)}/file`;
  const metas = useApi<{ size: number }>(`${base}/metas${path}`);
  const [preview, setPreview] = useState<FilePreviewJson>();
  const [error, setError] = useState<Error>();
  const name = uri.slice(uri.lastIndexOf('/') + 1);
  const showPreview = async () => {
    try {
      setPreview(await apiJson<FilePreviewJson>(`${base}/preview${path}`));
      setError(undefined);
    } catch (reason) {
      setError(reason as Error);
    }
  };
  return (
    <div className="file-output">
      <code>{uri}</code> {metas.data ? <span className="muted">{formatSize(metas.data.size)}</span> : null}{' '}
      <button type="button" className="button" aria-label={`Preview ${name}`} onClick={() => void showPreview()}>
        Preview
      </button>{' '}
      <a className="button" href={`${API}${base}${path}`} download={name} aria-label={`Download ${name}`}>
        Download
      </a>
      <ErrorMessage error={error ?? metas.error} />
      {preview ? (
        <div aria-label={`Preview of ${name}`} role="region">
          {preview.type === 'LIST' && Array.isArray(preview.content) ? (
            <PreviewTable rows={preview.content} />
          ) : (
            <pre className="file-preview">{String(preview.content)}</pre>
          )}
          {preview.truncated ? <p className="muted">First lines only.</p> : null}
        </div>
      ) : null}
    </div>
  );
}
