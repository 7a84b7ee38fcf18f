import { z } from "zod";
import { AppError } from "../../lib/errors";
import type { CwCallback, CwNote, Ref } from "../../domain/model";
import { assertId, createHttpClient, type HttpMethod, UpstreamError, withQuery, orNull } from "../http";
import type { ConnectWiseClient } from "../types";
import type { FetchLike } from "../../egress/fetch";
import { trimSite } from "./codebase";
import { cond, type Condition } from "./conditions";
import { describeConnectWiseError, toCwConfiguration, toCwNote, toCwStatus, toCwTicket, toNamed } from "./normalise";
import { clampPageSize, hasNextPage, MAX_PAGE_SIZE } from "./paging";
import { callbackSchema, configurationRefSchema, configurationSchema, namedSchema, noteSchema, statusSchema, ticketSchema, type WireCallback } from "./schemas";

/** The API model version we are written against; CW keeps a version for 12 months after it is superseded. */
export const CW_API_VERSION = "2026.4";
/** CW's guidance: keep URLs under 2,000 characters, or use the `…/search` POST form. */
/** Catalog lists are small; this bounds a runaway Link header. */
const MAX_CATALOG_PAGES = 20;

export interface ConnectWiseClientOptions {
  fetch: FetchLike;
  /** e.g. https://api-na.myconnectwise.net (the sandbox: http://localhost:8788/cw). */
  site: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
  /** From `lookupCodebase`, e.g. "v4_6_release/". */
  codebase: string;
  timeoutMs?: number;
}

type Query = Record<string, string | number | undefined>;

export function createConnectWiseClient(opts: ConnectWiseClientOptions): ConnectWiseClient {
  const codebase = opts.codebase.replace(/^\/+/, "").replace(/\/*$/, "/");
  const api = `${trimSite(opts.site)}/${codebase}apis/3.0`;
  const http = createHttpClient({ fetch: opts.fetch, api: "connectwise", describeError: describeConnectWiseError, timeoutMs: opts.timeoutMs });
  const headers = {
    Authorization: `Basic ${btoa(`${opts.companyId}+${opts.publicKey}:${opts.privateKey}`)}`,
    clientId: opts.clientId,
    Accept: `application/vnd.connectwise.com+json; version=${CW_API_VERSION}`,
  };

  const send = <T>(method: HttpMethod, path: string, schema: z.ZodType<T>, extra: { query?: Query; json?: unknown } = {}) =>
    http.send({ method, url: withQuery(`${api}${path}`, extra.query ?? {}), headers, json: extra.json, schema });

  /** One page of a collection; `more` comes from the Link header. */
  async function page<T>(path: string, schema: z.ZodType<T>, query: Query): Promise<{ items: T[]; more: boolean }> {
    const res = await send("GET", path, schema.array(), { query });
    return { items: res.data, more: hasNextPage(res.headers.get("link")) };
  }

  /** Every page of a collection, in the order asked for. */
  async function all<T>(path: string, schema: z.ZodType<T>, query: Query, maxPages = MAX_CATALOG_PAGES): Promise<T[]> {
    const out: T[] = [];
    for (let n = 1; ; n++) {
      if (n > maxPages) throw new AppError("invalid_payload", `connectwise GET ${path}: paging did not end after ${maxPages} pages`);
      const { items, more } = await page(path, schema, { ...query, page: n, pageSize: MAX_PAGE_SIZE });
      out.push(...items);
      if (!more || items.length === 0) return out;
    }
  }

  const ticketPath = (id: number) => `/service/tickets/${assertId(id, "ticket id")}`;

  return {
    get calls() {
      return http.calls;
    },

    async findTicketByExternalXRef(xref) {
      const { items } = await page("/service/tickets", ticketSchema, { conditions: cond.eqString("externalXRef", xref), orderBy: "id asc", pageSize: 1 });
      return items[0] ? toCwTicket(items[0]) : null;
    },

    async getTicket(id) {
      const res = await orNull(send("GET", ticketPath(id), ticketSchema));
      return res ? toCwTicket(res.data) : null;
    },

    async getTickets(ids) {
      if (ids.length === 0) return [];
      const { items } = await page("/service/tickets", ticketSchema, {
        conditions: cond.inInts("id", ids),
        orderBy: "id asc",
        pageSize: clampPageSize(ids.length),
      });
      return items.map(toCwTicket);
    },

    async createTicket(input) {
      const body = {
        summary: input.summary,
        recordType: "ServiceTicket",
        board: { id: input.boardId },
        company: { id: input.companyId },
        ...(input.statusId !== undefined ? { status: { id: input.statusId } } : {}),
        ...(input.priorityId !== undefined ? { priority: { id: input.priorityId } } : {}),
        externalXRef: input.externalXRef,
        // CW turns this into the first Discussion note; no separate note is added.
        initialDescription: input.initialDescription,
      };
      const res = await send("POST", "/service/tickets", ticketSchema, { json: body });
      return toCwTicket(res.data);
    },

    async patchTicket(id, ops) {
      const res = await send("PATCH", ticketPath(id), ticketSchema, { json: ops });
      return toCwTicket(res.data);
    },

    async listLinkedTicketsUpdatedSince({ xrefPrefix, alsoIds = [], since, page: pageNo, pageSize }) {
      const ours = alsoIds.length
        ? cond.or(cond.startsWith("externalXRef", xrefPrefix), cond.inInts("id", alsoIds))
        : cond.startsWith("externalXRef", xrefPrefix);
      const conditions = cond.and(ours, cond.geDate("lastUpdated", since));
      const query = { conditions, orderBy: "_info/lastUpdated asc", page: Math.max(1, Math.trunc(pageNo)), pageSize: clampPageSize(pageSize) };
      const { items, more } = await page("/service/tickets", ticketSchema, query);
      return { tickets: items.map(toCwTicket), hasMore: more };
    },

    async listNotes(ticketId, afterId, alsoIds = []) {
      const after = cond.gtInt("id", Math.max(0, Math.trunc(afterId)));
      const conditions: Condition = alsoIds.length ? cond.or(after, cond.inInts("id", alsoIds)) : after;
      // 5,000 notes is already far past a real ticket; the page cap only stops a loop.
      const notes = await all(`${ticketPath(ticketId)}/notes`, noteSchema, { conditions, orderBy: "id asc" }, 10);
      return notes.map(toCwNote).sort((a: CwNote, b: CwNote) => a.id - b.id);
    },

    async addNote(ticketId, note) {
      const body = {
        text: note.text,
        internalAnalysisFlag: note.internalAnalysisFlag,
        detailDescriptionFlag: note.detailDescriptionFlag ?? false,
        resolutionFlag: false,
        // Mirrored notes must not e-mail the customer or the technicians again.
        processNotifications: false,
      };
      const res = await send("POST", `${ticketPath(ticketId)}/notes`, noteSchema, { json: body });
      return toCwNote(res.data);
    },

    async findConfiguration(field, value) {
      const { items } = await page("/company/configurations", configurationSchema, { conditions: cond.eqString(field, value), orderBy: "id asc", pageSize: 1 });
      return items[0] ? toCwConfiguration(items[0]) : null;
    },

    async attachConfiguration(ticketId, configurationId) {
      try {
        await send("POST", `${ticketPath(ticketId)}/configurations`, configurationRefSchema, { json: { id: assertId(configurationId, "configuration id") } });
      } catch (err) {
        if (isAlreadyAttached(err)) return;
        throw err;
      }
    },

    async listPriorities() {
      return (await all("/service/priorities", namedSchema, { orderBy: "sortOrder asc" })).map(toNamed);
    },

    async listBoards() {
      const conditions = cond.and(cond.eqBool("inactiveFlag", false), cond.eqBool("projectFlag", false));
      return (await all("/service/boards", namedSchema, { conditions, orderBy: "name asc" })).map(toNamed);
    },

    async listBoardStatuses(boardId) {
      const path = `/service/boards/${assertId(boardId, "board id")}/statuses`;
      return (await all(path, statusSchema, { orderBy: "sortOrder asc" })).map(toCwStatus);
    },

    async listCompanies({ search, pageSize }): Promise<Ref[]> {
      const notDeleted = cond.eqBool("deletedFlag", false);
      const term = search?.trim();
      const conditions = term ? cond.and(notDeleted, cond.or(cond.contains("name", term), cond.contains("identifier", term))) : notDeleted;
      const { items } = await page("/company/companies", namedSchema, { conditions, orderBy: "name asc", pageSize: clampPageSize(pageSize) });
      return items.map(toNamed);
    },

    async listTicketCallbacks(urlPrefix) {
      const conditions = cond.and(cond.eqString("type", "ticket"), cond.startsWith("url", urlPrefix));
      const { items } = await page("/system/callbacks", callbackSchema, { conditions, pageSize: 100 });
      return items.map(toCwCallback);
    },

    async createTicketCallback(url, description) {
      // level owner + objectId 1: every ticket (the only combination CW documents for tickets).
      const body = {
        url,
        objectId: 1,
        type: "ticket",
        level: "owner",
        description: description.slice(0, 100),
        inactiveFlag: false,
        isSelfSuppressedFlag: false,
      };
      const res = await send("POST", "/system/callbacks", callbackSchema, { json: body });
      return toCwCallback(res.data);
    },

    async reactivateCallback(id) {
      const res = await send("PATCH", `/system/callbacks/${assertId(id, "callback id")}`, callbackSchema, {
        json: [{ op: "replace", path: "inactiveFlag", value: false }],
      });
      return toCwCallback(res.data);
    },

    async deleteCallback(id) {
      await orNull(send("DELETE", `/system/callbacks/${assertId(id, "callback id")}`, z.unknown()));
    },
  };
}

const toCwCallback = (c: WireCallback): CwCallback => ({ id: c.id, url: c.url, inactive: c.inactiveFlag ?? false });

/**
 * CW refuses a second link of the same configuration with a 400 whose `errors[].code` is
 * `ObjectExists` (its code for duplicates, as on callbacks); a 409 means the same.
 */
function isAlreadyAttached(err: unknown): boolean {
  if (!(err instanceof UpstreamError)) return false;
  if (err.httpStatus === 409) return true;
  return err.httpStatus === 400 && err.upstreamCodes.includes("ObjectExists");
}
