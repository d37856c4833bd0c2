/** First/previous/next/last paging for long lists (task runs, log lines), so big executions render a page at a time. */
export const PAGE_ROWS = 100;

export function Pager({ page, total, onPage, size = PAGE_ROWS }: { page: number; total: number; onPage(page: number): void; size?: number }) {
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages === 1) return null;
  const button = (label: string, to: number, disabled: boolean) => (
    <button type="button" className="button" disabled={disabled} onClick={() => onPage(to)}>
      {label}
    </button>
  );
  return (
    <div className="pager">
      {button('First', 1, page <= 1)}
      {button('Previous', page - 1, page <= 1)}
      <span>
        Page {page} of {pages} ({total} rows)
      </span>
      {button('Next', page + 1, page >= pages)}
      {button('Last', pages, page >= pages)}
    </div>
  );
}
