import type { JsonObject } from "./json";

/** Each emulated resource is a table of JSON documents; ids come from AUTOINCREMENT so they only grow. */
const DOC_TABLES = ["cw_companies", "cw_configurations", "cw_priorities", "cw_boards", "cw_statuses", "cw_tickets", "cw_notes", "cw_callbacks"] as const;
export type DocTable = (typeof DOC_TABLES)[number];

type Row = { id: number; data: string };

export function createStore(sql: SqlStorage) {
  const parse = (row: Row): JsonObject => {
    const doc = JSON.parse(row.data) as JsonObject;
    doc.id = row.id;
    return doc;
  };
  return {
    migrate() {
      for (const t of DOC_TABLES) {
        sql.exec(`CREATE TABLE IF NOT EXISTS ${t} (id INTEGER PRIMARY KEY AUTOINCREMENT, parent_id INTEGER, data TEXT NOT NULL)`);
        sql.exec(`CREATE INDEX IF NOT EXISTS ${t}_parent ON ${t} (parent_id)`);
      }
      sql.exec(
        `CREATE TABLE IF NOT EXISTS cw_ticket_configurations (ticket_id INTEGER NOT NULL, configuration_id INTEGER NOT NULL, PRIMARY KEY (ticket_id, configuration_id))`,
      );
      sql.exec(`CREATE TABLE IF NOT EXISTS cw_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      // Integrations find their tickets by externalXRef: an index, or every lookup scans every ticket.
      sql.exec(`CREATE INDEX IF NOT EXISTS cw_tickets_xref ON cw_tickets (lower(json_extract(data, '$.externalXRef')))`);
      sql.exec(`CREATE TABLE IF NOT EXISTS cw_api_members (public_key TEXT PRIMARY KEY, private_key TEXT NOT NULL)`);
    },
    /** Drops every cw_ table (their AUTOINCREMENT counters go with them). */
    dropAll() {
      for (const t of DOC_TABLES) sql.exec(`DROP TABLE IF EXISTS ${t}`);
      sql.exec(`DROP TABLE IF EXISTS cw_ticket_configurations`);
      sql.exec(`DROP TABLE IF EXISTS cw_meta`);
      sql.exec(`DROP TABLE IF EXISTS cw_api_members`);
    },
    /** Another API member of the demo company (its own key pair), as an MSP adds for each integration. */
    addApiMember(publicKey: string, privateKey: string): void {
      sql.exec(
        `INSERT INTO cw_api_members (public_key, private_key) VALUES (?, ?) ON CONFLICT (public_key) DO UPDATE SET private_key = excluded.private_key`,
        publicKey,
        privateKey,
      );
    },
    isApiMember(publicKey: string, privateKey: string): boolean {
      return sql.exec(`SELECT 1 FROM cw_api_members WHERE public_key = ? AND private_key = ?`, publicKey, privateKey).toArray().length > 0;
    },
    /** Inserts a document; `id` may be given (seed data), otherwise the next id is used. */
    insert(table: DocTable, data: JsonObject, parentId: number | null = null, id?: number): JsonObject {
      const row =
        id === undefined
          ? sql.exec<{ id: number }>(`INSERT INTO ${table} (parent_id, data) VALUES (?, '{}') RETURNING id`, parentId).one()
          : sql.exec<{ id: number }>(`INSERT INTO ${table} (id, parent_id, data) VALUES (?, ?, '{}') RETURNING id`, id, parentId).one();
      const doc: JsonObject = { id: row.id, ...data };
      doc.id = row.id;
      sql.exec(`UPDATE ${table} SET data = ? WHERE id = ?`, JSON.stringify(doc), row.id);
      return doc;
    },
    get(table: DocTable, id: number, parentId?: number): JsonObject | null {
      const rows =
        parentId === undefined
          ? sql.exec<Row>(`SELECT id, data FROM ${table} WHERE id = ?`, id).toArray()
          : sql.exec<Row>(`SELECT id, data FROM ${table} WHERE id = ? AND parent_id = ?`, id, parentId).toArray();
      return rows[0] ? parse(rows[0]) : null;
    },
    list(table: DocTable, parentId?: number): JsonObject[] {
      const rows =
        parentId === undefined
          ? sql.exec<Row>(`SELECT id, data FROM ${table} ORDER BY id`).toArray()
          : sql.exec<Row>(`SELECT id, data FROM ${table} WHERE parent_id = ? ORDER BY id`, parentId).toArray();
      return rows.map(parse);
    },
    /** Tickets whose externalXRef starts with `prefix`, ignoring case (a superset for conditions to refine). */
    listByXRefPrefix(prefix: string): JsonObject[] {
      // A range on the indexed expression: every lowercased value that starts with the prefix.
      const from = prefix.toLowerCase();
      const rows = sql
        .exec<Row>(
          `SELECT id, data FROM cw_tickets WHERE lower(json_extract(data, '$.externalXRef')) >= ? AND lower(json_extract(data, '$.externalXRef')) < ? ORDER BY id`,
          from,
          `${from}\uffff`,
        )
        .toArray();
      return rows.map(parse);
    },
    update(table: DocTable, id: number, data: JsonObject): JsonObject {
      const doc = { ...data, id };
      sql.exec(`UPDATE ${table} SET data = ? WHERE id = ?`, JSON.stringify(doc), id);
      return doc;
    },
    remove(table: DocTable, id: number): boolean {
      return sql.exec(`DELETE FROM ${table} WHERE id = ? RETURNING id`, id).toArray().length > 0;
    },
    removeChildren(table: DocTable, parentId: number) {
      sql.exec(`DELETE FROM ${table} WHERE parent_id = ?`, parentId);
    },
    linkedConfigurationIds(ticketId: number): number[] {
      return sql
        .exec<{ id: number }>(`SELECT configuration_id AS id FROM cw_ticket_configurations WHERE ticket_id = ? ORDER BY configuration_id`, ticketId)
        .toArray()
        .map((r) => r.id);
    },
    link(ticketId: number, configurationId: number): boolean {
      return (
        sql
          .exec(`INSERT OR IGNORE INTO cw_ticket_configurations (ticket_id, configuration_id) VALUES (?, ?) RETURNING ticket_id`, ticketId, configurationId)
          .toArray().length > 0
      );
    },
    unlink(ticketId: number, configurationId?: number): boolean {
      const cursor =
        configurationId === undefined
          ? sql.exec(`DELETE FROM cw_ticket_configurations WHERE ticket_id = ? RETURNING ticket_id`, ticketId)
          : sql.exec(`DELETE FROM cw_ticket_configurations WHERE ticket_id = ? AND configuration_id = ? RETURNING ticket_id`, ticketId, configurationId);
      return cursor.toArray().length > 0;
    },
    getMeta(key: string): string | null {
      return sql.exec<{ value: string }>(`SELECT value FROM cw_meta WHERE key = ?`, key).toArray()[0]?.value ?? null;
    },
    setMeta(key: string, value: string) {
      sql.exec(`INSERT INTO cw_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
    },
  };
}

export type Store = ReturnType<typeof createStore>;
