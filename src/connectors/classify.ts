/**
 * Upstream error text is never shown to users as it came: an upstream (or anything
 * pretending to be one) could put links, markup or another tenant's data there. What an
 * error body said is classified into psa-sync's own words, keyed on the API's machine
 * codes (and, for the few errors that have none, on a known phrase); the codes and field
 * names themselves are kept only when they are plain identifiers.
 */
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_.]{0,47}$/;

/** Plain identifiers only, de-duplicated, at most four. */
function identifiers(values: readonly (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === "string" && IDENTIFIER.test(v)))].slice(0, 4);
}

export interface Classification {
  /** Our wording per upstream code, most specific first. */
  byCode: Readonly<Record<string, string>>;
  /** Known phrases of the upstream's (errors whose codes say too little) and our wording for each. */
  byPhrase?: readonly (readonly [RegExp, string])[];
}

/** "<our wording> (field a, b) [Code1, Code2]", or null when there is nothing to say. */
export function classify(scheme: Classification, codes: readonly string[], fields: readonly (string | null | undefined)[], text: string | null): string | null {
  // A known phrase is more specific than a generic code ("Unauthorized" for a refused clientId).
  const phrase = text ? scheme.byPhrase?.find(([re]) => re.test(text))?.[1] : undefined;
  const known =
    phrase ??
    [...codes]
      .reverse()
      .map((c) => scheme.byCode[c])
      .find((t) => t !== undefined);
  const safeCodes = identifiers(codes);
  const safeFields = identifiers(fields);
  if (!known && safeCodes.length === 0) return null;
  const parts = [known ?? "refused", safeFields.length ? `(field ${safeFields.join(", ")})` : "", safeCodes.length ? `[${safeCodes.join(", ")}]` : ""];
  return parts.filter(Boolean).join(" ");
}
