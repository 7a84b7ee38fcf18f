import type { z } from "zod";
import { invalidObject, type CwError } from "./errors";

/** Turns zod issues into CW's `InvalidObject` body with one entry per field. */
function zodToCw(resource: string, error: z.ZodError): CwError {
  return invalidObject(
    resource,
    error.issues.map((issue) => {
      const field = issue.path.map(String).join("/") || resource;
      if (issue.code === "invalid_type" && issue.input === undefined) {
        return { code: "MissingRequiredField", message: `The ${field} field is required.`, field };
      }
      if (issue.code === "too_big" && issue.origin === "string") {
        return { code: "InvalidField", message: `The ${field} field has a maximum length of ${String(issue.maximum)}.`, field };
      }
      return { code: "InvalidField", message: `The ${field} field is invalid: ${issue.message}`, field };
    }),
  );
}

export function parseWith<T>(schema: z.ZodType<T>, resource: string, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw zodToCw(resource, parsed.error);
  return parsed.data;
}
