import { describe, expect, it } from "vitest";
import { cond, datetimeLiteral, stringLiteral } from "../../../src/connectors/connectwise/conditions";
import { AppError } from "../../../src/lib/errors";

/** Reads a double-quoted literal back the way CW's parser does; returns the value and the rest. */
function readLiteral(src: string): { value: string; rest: string } {
  expect(src[0]).toBe('"');
  let value = "";
  for (let i = 1; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "\\") {
      value += src[++i];
      continue;
    }
    if (ch === '"') return { value, rest: src.slice(i + 1) };
    value += ch;
  }
  throw new Error("unterminated");
}

describe("conditions: string literals", () => {
  const hostile = [
    'x" or id>0 or summary="',
    "\\",
    '\\"',
    'a\\" or 1=1 or "b',
    "it's",
    "CZJ1234ABC",
    "",
    "ends with \\",
    '"',
    "[2020-01-01T00:00:00Z]",
    "*",
    "x' or id>0 or summary='",
  ];

  it.each(hostile)("keeps %j one literal that reads back exactly", (value) => {
    const expr = cond.eqString("serialNumber", value);
    expect(expr.startsWith("serialNumber=")).toBe(true);
    const { value: back, rest } = readLiteral(expr.slice("serialNumber=".length));
    expect(back).toBe(value);
    expect(rest).toBe("");
  });

  it("escapes backslashes before quotes", () => {
    expect(stringLiteral('x" or id>0 or summary="')).toBe('"x\\" or id>0 or summary=\\""');
    expect(stringLiteral("\\")).toBe('"\\\\"');
    expect(stringLiteral('\\"')).toBe('"\\\\\\""');
  });

  it("refuses control characters instead of guessing an escape", () => {
    expect(() => stringLiteral("a\nb")).toThrow(AppError);
    expect(() => stringLiteral("a\u0000")).toThrow(/control characters/);
  });
});

describe("conditions: other literals and combinators", () => {
  it("builds in (…) lists of integers only", () => {
    expect(cond.inInts("id", [3, 2, 4])).toBe("id in (3,2,4)");
    expect(() => cond.inInts("id", [])).toThrow(AppError);
    expect(() => cond.inInts("id", [1.5])).toThrow(AppError);
    expect(() => cond.inInts("id", [Number.NaN])).toThrow(AppError);
  });

  it("writes datetimes in square brackets, whole seconds, UTC", () => {
    expect(datetimeLiteral("2026-04-01T12:00:00.789Z")).toBe("[2026-04-01T12:00:00Z]");
    expect(datetimeLiteral("2026-04-01T14:00:00+02:00")).toBe("[2026-04-01T12:00:00Z]");
    expect(cond.gtDate("lastUpdated", "2026-04-01T12:00:00Z")).toBe("lastUpdated>[2026-04-01T12:00:00Z]");
    expect(() => datetimeLiteral("] or id>0 or x=[")).toThrow(AppError);
  });

  it("parenthesises each part when joining", () => {
    const expr = cond.and(cond.inInts("id", [1, 2]), cond.gtDate("lastUpdated", "2026-01-01T00:00:00Z"));
    expect(expr).toBe("(id in (1,2)) and (lastUpdated>[2026-01-01T00:00:00Z])");
    expect(cond.or(cond.eqBool("inactiveFlag", false))).toBe("inactiveFlag=false");
    expect(cond.contains("name", 'Acme "Corp"')).toBe('name contains "Acme \\"Corp\\""');
  });

  it("accepts only plain field paths", () => {
    expect(cond.eqInt("company/id", 5)).toBe("company/id=5");
    for (const bad of ["id or 1", "id=1", "", "a//b", "x)"]) expect(() => cond.eqInt(bad, 1)).toThrow(AppError);
  });
});
