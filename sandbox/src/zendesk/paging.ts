import { zdError } from "./errors";

/** Zendesk's page size cap for cursor and offset pagination. */
const MAX_PAGE_SIZE = 100;
/** Offset pagination answers 400 beyond the first 10,000 records (since 2024). */
const OFFSET_RECORD_LIMIT = 10_000;

export type SortKey = string | number;
type Keyed<T> = { item: T; key: SortKey; id: number };

function encodeCursor(key: SortKey, id: number): string {
  return btoa(JSON.stringify([key, id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
function decodeCursor(cursor: string): [SortKey, number] | null {
  try {
    const value: unknown = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
    if (Array.isArray(value) && value.length === 2 && (typeof value[0] === "string" || typeof value[0] === "number") && typeof value[1] === "number") {
      return [value[0], value[1]];
    }
  } catch {
    // fall through: an unreadable cursor
  }
  return null;
}

function compare(a: [SortKey, number], b: [SortKey, number]): number {
  if (a[0] < b[0]) return -1;
  if (a[0] > b[0]) return 1;
  return a[1] - b[1];
}

export type Page<T> = { items: T[]; extra: Record<string, unknown> } | { error: Response };

/**
 * Pages a list the way Zendesk does. Any `page[...]` parameter selects cursor
 * pagination (`meta` + `links`); otherwise offset pagination (`page`, `per_page`,
 * `next_page`, `previous_page`, `count`). Cursors carry the sort key and id, so they stay
 * valid while other records change.
 */
export function paginate<T>(url: URL, all: T[], keyOf: (item: T) => { key: SortKey; id: number }, order: "asc" | "desc"): Page<T> {
  const q = url.searchParams;
  const sign = order === "desc" ? -1 : 1;
  const keyed: Keyed<T>[] = all.map((item) => ({ item, ...keyOf(item) }));
  keyed.sort((a, b) => sign * compare([a.key, a.id], [b.key, b.id]));

  const size = q.get("page[size]");
  const after = q.get("page[after]");
  const before = q.get("page[before]");
  if (size !== null || after !== null || before !== null) {
    const n = Math.min(Math.max(Number.parseInt(size ?? "100", 10) || 100, 1), MAX_PAGE_SIZE);
    let window = keyed;
    let hasMore: boolean;
    let page: Keyed<T>[];
    if (before) {
      const cur = decodeCursor(before);
      if (!cur) return { error: zdError.badRequest("InvalidPaginationParameter", "page[before] is not a valid cursor") };
      window = keyed.filter((k) => sign * compare([k.key, k.id], cur) < 0);
      page = window.slice(Math.max(window.length - n, 0));
      hasMore = window.length > n;
    } else {
      if (after) {
        const cur = decodeCursor(after);
        if (!cur) return { error: zdError.badRequest("InvalidPaginationParameter", "page[after] is not a valid cursor") };
        window = keyed.filter((k) => sign * compare([k.key, k.id], cur) > 0);
      }
      page = window.slice(0, n);
      hasMore = window.length > n;
    }
    const first = page[0];
    const last = page.at(-1);
    const afterCursor = last ? encodeCursor(last.key, last.id) : null;
    const beforeCursor = first ? encodeCursor(first.key, first.id) : null;
    const link = (param: "page[after]" | "page[before]", cursor: string | null) => {
      if (!cursor) return null;
      const u = new URL(url);
      u.searchParams.delete("page[after]");
      u.searchParams.delete("page[before]");
      u.searchParams.set("page[size]", String(n));
      u.searchParams.set(param, cursor);
      return u.toString();
    };
    return {
      items: page.map((k) => k.item),
      extra: {
        meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: beforeCursor },
        links: { next: hasMore || before ? link("page[after]", afterCursor) : null, prev: link("page[before]", beforeCursor) },
      },
    };
  }

  const pageNo = Math.max(Number.parseInt(q.get("page") ?? "1", 10) || 1, 1);
  const perPage = Math.min(Math.max(Number.parseInt(q.get("per_page") ?? "100", 10) || 100, 1), MAX_PAGE_SIZE);
  const start = (pageNo - 1) * perPage;
  if (start >= OFFSET_RECORD_LIMIT) {
    return {
      error: zdError.badRequest("InvalidPaginationParameter", "Offset pagination is limited to the first 10000 records. Use cursor pagination instead."),
    };
  }
  const pageUrl = (p: number) => {
    const u = new URL(url);
    u.searchParams.set("page", String(p));
    u.searchParams.set("per_page", String(perPage));
    return u.toString();
  };
  return {
    items: keyed.slice(start, start + perPage).map((k) => k.item),
    extra: {
      next_page: start + perPage < keyed.length ? pageUrl(pageNo + 1) : null,
      previous_page: pageNo > 1 ? pageUrl(pageNo - 1) : null,
      count: keyed.length,
    },
  };
}
