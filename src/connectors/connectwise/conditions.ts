import { AppError } from "../../lib/errors";

/**
 * Builds ConnectWise `conditions` expressions from typed parts. Every value goes through
 * a literal function here, never string concatenation at the call site: a ClusterID or
 * subject like `x" or id>0 or summary="` must stay one string literal, not become logic.
 */
export type Condition = string & { readonly __condition: unique symbol };

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

function field(name: string): string {
  if (!FIELD.test(name)) throw new AppError("invalid_payload", `not a ConnectWise field name: ${JSON.stringify(name.slice(0, 60))}`);
  return name;
}

/**
 * A double-quoted string literal: backslashes and double quotes are escaped with a
 * backslash, as CW's parser reads them. Control characters have no documented escape, so
 * they are refused rather than sent.
 */
export function stringLiteral(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new AppError("invalid_payload", "condition values cannot contain control characters");
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function intLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new AppError("invalid_payload", "condition value must be an integer");
  return String(value);
}

/** `[2026-04-01T12:00:00Z]`: CW datetimes are whole seconds, UTC. */
export function datetimeLiteral(value: string | Date): string {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError("invalid_payload", "condition value must be a date-time");
  return `[${new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")}]`;
}

const make = (text: string) => text as Condition;

export const cond = {
  /** `field = "value"` (exact, case-insensitive in CW). */
  eqString: (name: string, value: string) => make(`${field(name)}=${stringLiteral(value)}`),
  eqInt: (name: string, value: number) => make(`${field(name)}=${intLiteral(value)}`),
  eqBool: (name: string, value: boolean) => make(`${field(name)}=${value ? "true" : "false"}`),
  gtInt: (name: string, value: number) => make(`${field(name)}>${intLiteral(value)}`),
  /** `field contains "value"`: for searches only. */
  /** `field like "prefix*"`; a prefix holding a wildcard itself is refused. */
  startsWith: (name: string, prefix: string) => {
    if (/[*%]/.test(prefix)) throw new AppError("invalid_payload", "a like prefix cannot contain wildcards");
    return make(`${field(name)} like ${stringLiteral(`${prefix}*`)}`);
  },
  /** `field>=[datetime]` */
  geDate: (name: string, value: string | Date) => make(`${field(name)}>=${datetimeLiteral(value)}`),
  contains: (name: string, value: string) => make(`${field(name)} contains ${stringLiteral(value)}`),
  /** `field in (1,2,3)`; an empty list has no valid CW form, so callers must not ask for one. */
  inInts: (name: string, values: readonly number[]) => {
    if (values.length === 0) throw new AppError("invalid_payload", "an in (…) list needs at least one value");
    return make(`${field(name)} in (${values.map(intLiteral).join(",")})`);
  },
  gtDate: (name: string, value: string | Date) => make(`${field(name)}>${datetimeLiteral(value)}`),
  and: (...parts: Condition[]) => make(parts.map((p) => (parts.length > 1 ? `(${p})` : p)).join(" and ")),
  or: (...parts: Condition[]) => make(parts.map((p) => (parts.length > 1 ? `(${p})` : p)).join(" or ")),
};
