/** Previous/next paging for long lists (task runs, log lines), so big executions render a page at a time. */
export const PAGE_ROWS = 100;

export function Pager({ page, total, onPage, size = PAGE_ROWS }: { page: number; total: number; onPage(page: number): void; size?: number }) {
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages === 1) return null;
  return (
    <div className="pager">
      <button type="button" className="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages} ({total} rows)
      </span>
      <button type="button" className="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </div>
  );
}
