/** The JSON value of `text`, or undefined when it is not JSON (for a zod schema to refuse). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
