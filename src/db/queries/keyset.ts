import { and, asc, desc, eq, gt, lt, or, type AnyColumn, type SQL } from "drizzle-orm";

/**
 * A keyset position in a newest-first list: the key (one value per order column) of a row,
 * and which way to read from it — older rows (the next page) or newer ones (the previous page).
 */
export interface Seek {
  key: (string | number)[];
  newer: boolean;
}

/** Rows strictly past `seek.key` on the order (cols[0] desc, cols[1] desc, …), in the seek's direction. */
export function pastKey(seek: Seek | null, cols: AnyColumn[]): SQL | undefined {
  if (!seek) return undefined;
  const op = seek.newer ? gt : lt;
  const beyond = (i: number): SQL => {
    const col = cols[i]!;
    const value = seek.key[i]!;
    return i === cols.length - 1 ? op(col, value) : or(op(col, value), and(eq(col, value), beyond(i + 1)))!;
  };
  return beyond(0);
}

/** The order a seek reads in: newest first, or oldest first when reading back (the caller reverses the page). */
export const seekOrder = (seek: Seek | null, cols: AnyColumn[]) => cols.map((col) => (seek?.newer ? asc(col) : desc(col)));
