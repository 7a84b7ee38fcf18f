import type { Context } from "hono";
import { stripNulls, type JsonObject } from "./json";

/** One entry of CW's `errors[]` on validation failures. */
export interface CwFieldError {
  code: string;
  message: string;
  resource: string;
  field: string;
}

export interface CwErrorBody {
  code: string;
  message: string;
  errors?: CwFieldError[] | null;
}

/** Thrown anywhere in a handler; the module's onError turns it into CW's error response. */
export class CwError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409,
    readonly body: CwErrorBody,
  ) {
    super(body.message);
  }
}

export const notFound = (entity: string, id: number | string) => new CwError(404, { code: "NotFound", message: `${entity} ${id} not found` });

/** The 400 body CW sends when a posted object fails validation (`contact object is invalid`). */
export const invalidObject = (resource: string, errors: Omit<CwFieldError, "resource">[]) =>
  new CwError(400, { code: "InvalidObject", message: `${resource} object is invalid`, errors: errors.map((e) => ({ ...e, resource })) });

export const badRequest = (message: string) => new CwError(400, { code: "BadRequest", message, errors: null });

export const endpointMissing = (): CwErrorBody => ({ code: "ConnectWiseApi", message: "The endpoint does not exist." });

/** Responds with the media type the client pinned (`Accept: …; version=2025.8`), as CW echoes it. */
function contentType(c: Context): string {
  const version = /version=([\w.]+)/i.exec(c.req.header("accept") ?? "")?.[1];
  return version ? `application/vnd.connectwise.com+json; version=${version}` : "application/json; charset=utf-8";
}

export function cwJson(c: Context, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": contentType(c), ...headers } });
}

/** One record, as CW sends it (nulls left out); `fields` applies to single GETs too. */
export function cwRecord(c: Context, doc: JsonObject, status = 200): Response {
  return cwJson(c, stripNulls(doc), status);
}
