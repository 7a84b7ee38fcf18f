/**
 * ConnectWise pages with `page`/`pageSize` and says whether there is more in an RFC 5988
 * `Link` header (`rel="next"` is left out on the last page). We only read the signal and
 * build the next URL ourselves, so a response can never send our credentials elsewhere.
 */
export const MAX_PAGE_SIZE = 1000;

export function hasNextPage(link: string | null): boolean {
  if (!link) return false;
  return link.split(",").some((part) => /;\s*rel\s*=\s*"?next"?/i.test(part));
}

export function clampPageSize(pageSize: number): number {
  return Math.min(Math.max(Math.trunc(pageSize) || 1, 1), MAX_PAGE_SIZE);
}
