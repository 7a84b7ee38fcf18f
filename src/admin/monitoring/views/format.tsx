/** Small shared pieces of the monitoring pages: durations, badges, paging links. */

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function durationOf(startedAt: string, finishedAt: string | null): string {
  return finishedAt ? formatDuration(Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt))) : "running…";
}

const LINK_STATE: Record<string, { cls: string; label: string }> = {
  ok: { cls: "ok", label: "in sync" },
  pending: { cls: "", label: "pending" },
  warning: { cls: "warn", label: "warning" },
  error: { cls: "bad", label: "error" },
};

export function LinkStateBadge({ state }: { state: string }) {
  const s = LINK_STATE[state] ?? { cls: "", label: state };
  return <span class={`badge ${s.cls}`}>{s.label}</span>;
}

const RUN_STATUS: Record<string, string> = { completed: "ok", failed: "bad", skipped: "", queued: "", running: "warn" };

export function RunStatusBadge({ status }: { status: string }) {
  return <span class={`badge ${RUN_STATUS[status] ?? ""}`}>{status}</span>;
}

export const TRIGGER_LABEL: Record<string, string> = { cron: "schedule", manual: "manual", webhook: "webhook" };

/** A page link: `base` with the non-empty `params` as its query string (form encoding, as the browser sends them). */
export function pageHref(base: string, params: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `${base}?${s}` : base;
}

/** First / previous / next page links: the first page needs no cursor, the others carry theirs (keyset, both ways). */
export function Pager({
  base,
  params,
  page,
}: {
  base: string;
  params: Record<string, string | undefined>;
  page: { nextCursor: string | null; prevCursor: string | null };
}) {
  const query = (extra: Record<string, string>) => pageHref(base, { ...params, ...extra });
  const { nextCursor, prevCursor } = page;
  if (!prevCursor && !nextCursor) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {prevCursor ? <a href={query({})}>« First page</a> : null}
      {prevCursor ? (
        <a href={query({ before: prevCursor })} rel="prev">
          ‹ Previous page
        </a>
      ) : null}
      {nextCursor ? (
        <a href={query({ cursor: nextCursor })} rel="next">
          Next page »
        </a>
      ) : (
        <span class="muted">End of the list.</span>
      )}
    </nav>
  );
}
