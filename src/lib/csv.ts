/** CSV (RFC 4180) for the admin utility's downloads. */

export type CsvCell = string | number | null | undefined;

/**
 * Text a spreadsheet would run as a formula (=, +, -, @, or a tab or carriage return before
 * one) gets a leading quote, so a ticket summary cannot become a formula in the viewer's Excel.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (cells: CsvCell[]) => `${cells.map(csvCell).join(",")}\r\n`;

/**
 * A CSV body streamed batch by batch as the reader takes it, so an export of any size holds
 * one batch in memory. Starts with a byte order mark: Excel reads UTF-8 only with one.
 */
export function csvStream(header: string[], batches: AsyncIterable<CsvCell[][]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const rows = batches[Symbol.asyncIterator]();
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(`\uFEFF${csvLine(header)}`));
    },
    async pull(controller) {
      const next = await rows.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value.map(csvLine).join("")));
    },
    async cancel() {
      await rows.return?.();
    },
  });
}
