import type { Hono } from "hono";
import { z } from "zod";
import { API_MEMBER, type CwContext } from "./context";
import { mountCrud, type ResourceSpec } from "./crud";
import { invalidObject, type CwFieldError } from "./errors";
import type { JsonObject } from "./json";

/** Levels by callback type. Only `owner` is confirmed for tickets; the others follow the guide's prose. */
const LEVELS: Record<string, string[]> = {
  ticket: ["owner", "board", "status", "ticket"],
  company: ["owner", "status", "type", "territory"],
  contact: ["owner"],
  configuration: ["owner"],
  project: ["owner"],
  opportunity: ["owner"],
  activity: ["owner"],
  agreement: ["owner"],
  invoice: ["owner"],
  member: ["owner"],
  schedule: ["owner"],
  timeentry: ["owner"],
};

function validUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:";
  } catch {
    return false;
  }
}

function callbackSpec(ctx: CwContext): ResourceSpec {
  return {
    table: "cw_callbacks",
    entity: "Callback",
    resource: "callbackEntry",
    schema: z.looseObject({
      url: z.string().max(1000),
      objectId: z.number().int(),
      type: z.string().min(1),
      level: z.string().min(1),
      description: z.string().max(100).nullable().optional(),
      inactiveFlag: z.boolean().nullable().optional(),
      isSelfSuppressedFlag: z.boolean().nullable().optional(),
      payloadVersion: z.string().nullable().optional(),
    }),
    prepare: (input, _parentId, existing) => {
      const type = String(input.type).toLowerCase();
      const level = String(input.level).toLowerCase();
      const errors: Omit<CwFieldError, "resource">[] = [];
      if (!validUrl(String(input.url))) errors.push({ code: "InvalidField", message: "Invalid URL", field: "url" });
      if (!LEVELS[type]?.includes(level)) {
        errors.push({ code: "InvalidObject", message: "Unrecognized level for type, see documentation for supported levels for each type", field: "level" });
      }
      // `owner` subscribes to every record; CW stores objectId 1 for it whatever was sent.
      const objectId = level === "owner" ? 1 : (input.objectId as number);
      const duplicate = ctx.store
        .list("cw_callbacks")
        .some((cb) => cb.id !== existing?.id && cb.url === input.url && cb.type === type && cb.level === level && cb.objectId === objectId);
      if (duplicate) errors.push({ code: "ObjectExists", message: "A matching callback entry already exists", field: "objectId" });
      if (errors.length) throw invalidObject("callbackEntry", errors);
      const stored: JsonObject = {
        ...input,
        type,
        level,
        objectId,
        description: input.description ?? null,
        memberId: API_MEMBER.id,
        payloadVersion: input.payloadVersion ?? "3.0.0",
        inactiveFlag: input.inactiveFlag === true,
        isSoapCallbackFlag: false,
        isSelfSuppressedFlag: input.isSelfSuppressedFlag === true,
        connectWiseID: typeof existing?.connectWiseID === "string" ? existing.connectWiseID : crypto.randomUUID(),
      };
      return stored;
    },
    serialize: (doc) => doc,
  };
}

export function mountCallbacks(app: Hono, ctx: CwContext): void {
  mountCrud(app, "/system/callbacks", callbackSpec(ctx), ctx);
}
