import { Hono } from "hono";
import { DEMO_PORTAL } from "../demo-data";
import { agentsOnly, type ZdEnv } from "./auth";
import { zdError } from "./errors";
import { paginate } from "./paging";
import { apiRoot } from "./present";

/** The account's ticket fields: Zendesk's system fields plus the ClusterID text field. */
const FIELD_CREATED_AT = "2023-03-01T09:00:00Z";
type FieldDef = {
  id: number;
  type: string;
  title: string;
  description: string;
  removable: boolean;
  visible_in_portal: boolean;
  editable_in_portal: boolean;
  required_in_portal: boolean;
  options?: string[];
};

const FIELDS: FieldDef[] = [
  {
    id: 360000000001,
    type: "subject",
    title: "Subject",
    description: "",
    removable: false,
    visible_in_portal: true,
    editable_in_portal: true,
    required_in_portal: true,
  },
  {
    id: 360000000002,
    type: "description",
    title: "Description",
    description: "Please enter the details of your request.",
    removable: false,
    visible_in_portal: true,
    editable_in_portal: true,
    required_in_portal: true,
  },
  {
    id: 360000000003,
    type: "status",
    title: "Status",
    description: "Request status",
    removable: false,
    visible_in_portal: false,
    editable_in_portal: false,
    required_in_portal: false,
    options: ["new", "open", "pending", "hold", "solved", "closed"],
  },
  {
    id: 360000000004,
    type: "tickettype",
    title: "Type",
    description: "Request type",
    removable: true,
    visible_in_portal: false,
    editable_in_portal: false,
    required_in_portal: false,
    options: ["question", "incident", "problem", "task"],
  },
  {
    id: 360000000005,
    type: "priority",
    title: "Priority",
    description: "Request priority",
    removable: true,
    visible_in_portal: true,
    editable_in_portal: true,
    required_in_portal: false,
    options: ["low", "normal", "high", "urgent"],
  },
  {
    id: 360000000006,
    type: "group",
    title: "Group",
    description: "Request group",
    removable: true,
    visible_in_portal: false,
    editable_in_portal: false,
    required_in_portal: false,
  },
  {
    id: 360000000007,
    type: "assignee",
    title: "Assignee",
    description: "Agent assigned to your request",
    removable: false,
    visible_in_portal: true,
    editable_in_portal: false,
    required_in_portal: false,
  },
  {
    id: DEMO_PORTAL.clusterFieldId,
    type: "text",
    title: "ClusterID",
    description: "Serial number of the Easy Connect cluster",
    removable: true,
    visible_in_portal: true,
    editable_in_portal: true,
    required_in_portal: false,
  },
];

/** Custom fields end users see in `request.custom_fields`. */
export const PORTAL_VISIBLE_FIELD_IDS: ReadonlySet<number> = new Set(
  FIELDS.filter((f) => f.removable && f.type === "text" && f.visible_in_portal).map((f) => f.id),
);
/** Custom fields writable through the API, with their value type. */
export const CUSTOM_FIELD_IDS: ReadonlySet<number> = new Set([DEMO_PORTAL.clusterFieldId]);

function present(f: FieldDef, position: number, root: string) {
  const label = (v: string) => v.charAt(0).toUpperCase() + v.slice(1);
  return {
    id: f.id,
    url: `${root}/api/v2/ticket_fields/${f.id}.json`,
    type: f.type,
    title: f.title,
    raw_title: f.title,
    description: f.description,
    raw_description: f.description,
    position,
    active: true,
    required: false,
    collapsed_for_agents: false,
    regexp_for_validation: null,
    title_in_portal: f.title,
    raw_title_in_portal: f.title,
    visible_in_portal: f.visible_in_portal,
    editable_in_portal: f.editable_in_portal,
    required_in_portal: f.required_in_portal,
    agent_can_edit: true,
    tag: null,
    created_at: FIELD_CREATED_AT,
    updated_at: FIELD_CREATED_AT,
    removable: f.removable,
    ...(f.options ? { system_field_options: f.options.map((v) => ({ name: label(v), value: v })) } : {}),
  };
}

export function createTicketFieldRoutes(deps: { now(): Date }) {
  const app = new Hono<ZdEnv>();
  app.use("*", agentsOnly);
  app.get("/", (c) => {
    const url = new URL(c.req.url);
    const root = apiRoot(c.req.url);
    const page = paginate(
      url,
      FIELDS.map((f, i) => ({ f, i })),
      ({ f, i }) => ({ key: i, id: f.id }),
      "asc",
    );
    if ("error" in page) return page.error;
    return c.json({ ticket_fields: page.items.map(({ f, i }) => present(f, i + 1, root)), ...page.extra });
  });
  app.get("/count", (c) =>
    c.json({
      count: {
        value: FIELDS.length,
        refreshed_at: deps
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, "Z"),
      },
    }),
  );
  app.get("/:id{[0-9]+}", (c) => {
    const id = Number(c.req.param("id"));
    const i = FIELDS.findIndex((f) => f.id === id);
    const f = FIELDS[i];
    if (!f) return zdError.recordNotFound();
    return c.json({ ticket_field: present(f, i + 1, apiRoot(c.req.url)) });
  });
  return app;
}
