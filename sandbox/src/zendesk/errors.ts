/** Zendesk's error bodies, byte-compatible with what its Support API sends. */

type Details = Record<string, { description: string; error?: string }[]>;

function json(body: unknown, status: number, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}

export const zdError = {
  /** Missing or bad credentials (API token / password). */
  unauthorized: () => json({ error: "Couldn't authenticate you" }, 401, { "WWW-Authenticate": 'Basic realm="Web Password"' }),
  /** Expired, revoked or unknown OAuth access token. */
  invalidToken: () =>
    json({ error: "invalid_token", error_description: "The access token provided is expired, revoked, malformed or invalid for other reasons." }, 401, {
      "WWW-Authenticate": 'Bearer realm="Zendesk", error="invalid_token"',
    }),
  /** Support endpoints answer 403 with a title/message object, not a code string. */
  forbidden: () =>
    json(
      { error: { title: "Forbidden", message: "You do not have access to this page. Please contact the account owner of this help desk for further help." } },
      403,
    ),
  recordNotFound: () => json({ error: "RecordNotFound", description: "Not found" }, 404),
  invalidEndpoint: () => json({ error: "InvalidEndpoint", description: "Not found" }, 404),
  recordInvalid: (details: Details) => json({ error: "RecordInvalid", description: "Record validation errors", details }, 422),
  descriptionReadOnly: () =>
    json(
      {
        error: "RecordInvalid",
        description: "Record validation errors",
        details: {
          description: [{ description: "The description key on the ticket object is read-only. Use the comment resource instead.", error: "ReadOnly" }],
        },
      },
      422,
    ),
  commentTooLarge: (maxBytes: number) =>
    json(
      {
        error: "RecordInvalid",
        description: "Record validation errors",
        details: { body: [{ description: `Body: is too long (maximum is ${maxBytes} bytes)`, error: "TooLong" }] },
      },
      422,
    ),
  commentLimit: (limit: number) =>
    json(
      {
        error: "RecordInvalid",
        description: "Record validation errors",
        details: { base: [{ description: `Comments: the ticket has reached the limit of ${limit} comments`, error: "CommentLimitExceeded" }] },
      },
      422,
    ),
  closedTicket: () =>
    json(
      { error: "RecordInvalid", description: "Record validation errors", details: { status: [{ description: "Status: closed prevents ticket update" }] } },
      422,
    ),
  updateConflict: () =>
    json(
      {
        error: "UpdateConflict",
        description: "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.",
        details: {},
      },
      409,
    ),
  badRequest: (error: string, description: string) => json({ error, description }, 400),
  /** Newer APIs (webhooks) use the JSON:API-like `errors` array. */
  errors: (status: number, code: string, title: string, detail?: string) =>
    json({ errors: [{ code, title, ...(detail ? { detail } : {}), status: String(status) }] }, status),
};

/** Turns zod issues into Zendesk's `details` map keyed by the offending field. */
export function detailsFromIssues(issues: { path: PropertyKey[]; message: string }[]): Details {
  const details: Details = {};
  for (const issue of issues) {
    const field = String(issue.path.filter((p) => typeof p === "string").at(-1) ?? "base");
    (details[field] ??= []).push({ description: `${field}: ${issue.message}`, error: "InvalidValue" });
  }
  return details;
}
