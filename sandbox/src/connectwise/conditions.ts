import { isObject, readPath, type Json, type JsonObject } from "./json";

/**
 * ConnectWise's `conditions` language: comparisons on (nested) fields joined with
 * and/or/not and parentheses. Parsed once per request, evaluated per record in memory.
 */
export class ConditionError extends Error {}

/** CW appends this hint to every conditions error (connectwise-rest README quotes it). */
const HINT =
  "String values should be enclosed with double or single quotes; DateTime values should be enclosed in square brackets; numbers should consist of only digits, and optionally a decimal point and a negation sign; boolean values should be indicated with the keywords true or false; null values should be indicated by the keyword null.";
const fail = (message: string): never => {
  throw new ConditionError(`${message}. ${HINT}`);
};

type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "datetime"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" };
type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";
export type Condition =
  | { type: "and" | "or"; left: Condition; right: Condition }
  | { type: "not"; inner: Condition }
  | { type: "compare"; path: string[]; op: CompareOp; value: Literal }
  | { type: "like" | "contains"; path: string[]; value: string }
  | { type: "in"; path: string[]; values: Literal[] };

type Token = { t: "(" | ")" | "," } | { t: "op"; v: CompareOp } | { t: "word"; v: string } | { t: "lit"; v: Literal };

const KIND_NAMES: Record<Literal["kind"], string> = { string: "string", number: "numeric", datetime: "datetime", boolean: "boolean", null: "null" };

function readQuoted(src: string, start: number): [string, number] {
  const quote = src[start]!;
  let out = "";
  for (let i = start + 1; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "\\" && i + 1 < src.length) {
      out += src[++i];
      continue;
    }
    if (ch === quote) return [out, i + 1];
    out += ch;
  }
  return fail(`Unterminated string starting at position ${start}`);
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ t: ch });
      i++;
    } else if (ch === '"' || ch === "'") {
      const [value, next] = readQuoted(src, i);
      tokens.push({ t: "lit", v: { kind: "string", value } });
      i = next;
    } else if (ch === "[") {
      const end = src.indexOf("]", i);
      if (end < 0) fail(`Unterminated datetime starting at position ${i}`);
      const raw = src.slice(i + 1, end).trim();
      const ms = Date.parse(raw);
      if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) fail(`Invalid datetime value [${raw}]`);
      tokens.push({ t: "lit", v: { kind: "datetime", value: ms } });
      i = end + 1;
    } else if ("=!<>".includes(ch)) {
      const two = src.slice(i, i + 2);
      const op = ["!=", "<=", ">=", "<>"].includes(two) ? two : ch;
      if (op === "!") fail(`Unexpected character '!' at position ${i}`);
      tokens.push({ t: "op", v: (op === "<>" ? "!=" : op) as CompareOp });
      i += op.length;
    } else if (/[-\d]/.test(ch)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) return fail(`Unexpected character '${ch}' at position ${i}`);
      if (/^[A-Za-z_]/.test(src.slice(i + m[0].length))) fail(`Invalid number at position ${i}`);
      tokens.push({ t: "lit", v: { kind: "number", value: Number(m[0]) } });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][\w/.]*/.exec(src.slice(i))!;
      const word = m[0];
      const lower = word.toLowerCase();
      if (lower === "true" || lower === "false") tokens.push({ t: "lit", v: { kind: "boolean", value: lower === "true" } });
      else if (lower === "null") tokens.push({ t: "lit", v: { kind: "null" } });
      else tokens.push({ t: "word", v: word });
      i += word.length;
    } else {
      fail(`Unexpected character '${ch}' at position ${i}`);
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Condition {
    const node = this.or();
    if (this.pos < this.tokens.length) fail(`Unexpected ${describe(this.tokens[this.pos]!)} after a complete condition`);
    return node;
  }
  private peekWord(...words: string[]): boolean {
    const tok = this.tokens[this.pos];
    return tok?.t === "word" && words.includes(tok.v.toLowerCase());
  }
  private or(): Condition {
    let left = this.and();
    while (this.peekWord("or")) {
      this.pos++;
      left = { type: "or", left, right: this.and() };
    }
    return left;
  }
  private and(): Condition {
    let left = this.unary();
    while (this.peekWord("and")) {
      this.pos++;
      left = { type: "and", left, right: this.unary() };
    }
    return left;
  }
  private unary(): Condition {
    if (this.peekWord("not")) {
      this.pos++;
      return { type: "not", inner: this.unary() };
    }
    const tok = this.tokens[this.pos];
    if (tok?.t === "(") {
      this.pos++;
      const inner = this.or();
      if (this.tokens[this.pos]?.t !== ")") fail("Missing closing parenthesis");
      this.pos++;
      return inner;
    }
    return this.comparison();
  }
  private comparison(): Condition {
    const field = this.tokens[this.pos++];
    if (field?.t !== "word" || ["and", "or", "not", "like", "contains", "in"].includes(field.v.toLowerCase())) {
      return fail(field ? `Expected a field name, found ${describe(field)}` : "Expected a field name at the end of the conditions");
    }
    const path = field.v.split("/").filter(Boolean);
    let negate = false;
    if (this.peekWord("not")) {
      negate = true;
      this.pos++;
    }
    const opTok = this.tokens[this.pos++];
    let node: Condition;
    if (opTok?.t === "op" && !negate) {
      node = { type: "compare", path, op: opTok.v, value: this.literal() };
    } else if (opTok?.t === "word" && ["like", "contains"].includes(opTok.v.toLowerCase())) {
      const value = this.literal();
      if (value.kind !== "string") fail(`Expected a string value, not a ${KIND_NAMES[value.kind]}`);
      node = { type: opTok.v.toLowerCase() as "like" | "contains", path, value: (value as { value: string }).value };
    } else if (opTok?.t === "word" && opTok.v.toLowerCase() === "in") {
      if (this.tokens[this.pos++]?.t !== "(") fail("Expected '(' after in");
      const values = [this.literal()];
      while (this.tokens[this.pos]?.t === ",") {
        this.pos++;
        values.push(this.literal());
      }
      if (this.tokens[this.pos++]?.t !== ")") fail("Expected ')' to close the in list");
      node = { type: "in", path, values };
    } else {
      return fail(opTok ? `Unknown operator ${describe(opTok)} after ${field.v}` : `Missing operator after ${field.v}`);
    }
    return negate ? { type: "not", inner: node } : node;
  }
  private literal(): Literal {
    const tok = this.tokens[this.pos++];
    if (tok?.t === "lit") return tok.v;
    return fail(tok ? `Expected a value, found ${describe(tok)}` : "Expected a value at the end of the conditions");
  }
}

function describe(tok: Token): string {
  if (tok.t === "word" || tok.t === "op") return `'${tok.v}'`;
  if (tok.t === "lit") return `a ${KIND_NAMES[tok.v.kind]} value`;
  return `'${tok.t}'`;
}

export function parseConditions(src: string): Condition {
  const tokens = tokenize(src);
  if (tokens.length === 0) fail("The conditions are empty");
  return new Parser(tokens).parse();
}

/** `lastUpdated` etc. are accepted on every object although they live under `_info`. */
const INFO_ALIASES = new Set(["lastupdated", "dateentered", "enteredby", "updatedby"]);

function valueAt(record: JsonObject, path: string[]): Json | undefined {
  const direct = readPath(record, path);
  if (direct !== undefined || path.length !== 1 || !INFO_ALIASES.has(path[0]!.toLowerCase())) return direct;
  return readPath(record, ["_info", path[0]!]);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T/;

function typeError(expected: string, lit: Literal): never {
  return fail(`Expected a ${expected} value, not a ${KIND_NAMES[lit.kind]}`);
}

function ordered(diff: number, op: CompareOp): boolean {
  switch (op) {
    case "=":
      return diff === 0;
    case "!=":
      return diff !== 0;
    case "<":
      return diff < 0;
    case "<=":
      return diff <= 0;
    case ">":
      return diff > 0;
    case ">=":
      return diff >= 0;
  }
}

function compare(value: Json | undefined, op: CompareOp, lit: Literal): boolean {
  if (lit.kind === "null") {
    if (op !== "=" && op !== "!=") fail("null can only be compared with = or !=");
    return op === "=" ? value == null : value != null;
  }
  if (value == null || isObject(value) || Array.isArray(value)) return false;
  if (typeof value === "boolean") {
    if (lit.kind !== "boolean") typeError("boolean", lit);
    if (op !== "=" && op !== "!=") fail("Booleans can only be compared with = or !=");
    return ordered(value === lit.value ? 0 : 1, op);
  }
  if (typeof value === "number") {
    if (lit.kind !== "number") typeError("numeric", lit);
    return ordered(value - (lit as { value: number }).value, op);
  }
  if (ISO_DATE.test(value) && lit.kind !== "datetime") typeError("datetime", lit);
  if (lit.kind === "datetime") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? false : ordered(ms - lit.value, op);
  }
  if (lit.kind !== "string") typeError("string", lit);
  const a = value.toLowerCase();
  const b = (lit as { value: string }).value.toLowerCase();
  return ordered(a < b ? -1 : a > b ? 1 : 0, op);
}

/** `*` and `%` are wildcards; `[[]` is a literal `[` (the SQL escape CW documents). */
function likeToRegExp(pattern: string): RegExp {
  const parts = pattern.split("[[]").map((part) =>
    part
      .split("")
      .map((ch) => (ch === "*" || ch === "%" ? ".*" : ch.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
      .join(""),
  );
  return new RegExp(`^${parts.join("\\[")}$`, "is");
}

export function evaluate(node: Condition, record: JsonObject): boolean {
  switch (node.type) {
    case "and":
      return evaluate(node.left, record) && evaluate(node.right, record);
    case "or":
      return evaluate(node.left, record) || evaluate(node.right, record);
    case "not":
      return !evaluate(node.inner, record);
    case "compare":
      return compare(valueAt(record, node.path), node.op, node.value);
    case "in": {
      const value = valueAt(record, node.path);
      return node.values.some((lit) => compare(value, "=", lit));
    }
    case "like":
    case "contains": {
      const value = valueAt(record, node.path);
      if (value == null || isObject(value) || Array.isArray(value)) return false;
      const text = String(value);
      return node.type === "like" ? likeToRegExp(node.value).test(text) : text.toLowerCase().includes(node.value.toLowerCase());
    }
  }
}
