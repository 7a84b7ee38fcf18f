/** Who asked for a change, for the audit log: the signed-in user (null for an API token) and how ("admin" for a page, "API token tok_…"). */
export interface Actor {
  userId: string | null;
  via: string;
}
