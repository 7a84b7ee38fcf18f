import { connectwiseClientFor } from "../../connectors/for-tenant";
import type { Configuration } from "../../db/queries/configuration";
import type { CwStatus, Ref } from "../../domain/model";
import { describeFailure } from "./errors";

/**
 * What Advanced Settings can choose from, loaded live from ConnectWise. When ConnectWise
 * cannot be reached the stored names stand in, so the form stays usable.
 */
export interface Choices {
  live: boolean;
  /** Why the choices are not live (plain words), when they are not. */
  problem: string | null;
  boards: Ref[];
  priorities: Ref[];
  statuses: CwStatus[];
  companies: Ref[];
  /** The board whose statuses are listed. */
  boardId: number | null;
}

/** The companies list shown (and accepted) without a search: CW's largest page. */
const COMPANY_PAGE = 1000;

function storedChoices(config: Configuration, problem: string): Choices {
  const s = config.settings;
  const unique = <T extends Ref>(items: T[]) => [...new Map(items.map((i) => [i.id, i])).values()];
  return {
    live: false,
    problem,
    boards: s?.boardId ? [{ id: s.boardId, name: s.boardName ?? `Board ${s.boardId}` }] : [],
    priorities: unique(config.priorities.map((p) => ({ id: p.cwPriorityId, name: p.cwPriorityName }))),
    statuses: unique(config.statuses.map((r) => ({ id: r.cwStatusId, name: r.cwStatusName, closedStatus: r.cwStatusClosed, inactive: false }))),
    companies: s?.defaultCompanyId ? [{ id: s.defaultCompanyId, name: s.defaultCompanyName ?? `Company ${s.defaultCompanyId}` }] : [],
    boardId: s?.boardId ?? null,
  };
}

export async function loadChoices(env: Env, config: Configuration, opts: { boardId?: number | null; companySearch?: string } = {}): Promise<Choices> {
  if (!config.cw) return storedChoices(config, "ConnectWise is not connected yet: connect it first to load boards, priorities and statuses.");
  try {
    const cw = await connectwiseClientFor(env, config.cw);
    const [boards, priorities, companies] = await Promise.all([
      cw.listBoards(),
      cw.listPriorities(),
      cw.listCompanies({ search: opts.companySearch, pageSize: COMPANY_PAGE }),
    ]);
    const wanted = opts.boardId ?? config.settings?.boardId ?? null;
    const boardId = wanted && boards.some((b) => b.id === wanted) ? wanted : (boards[0]?.id ?? null);
    const statuses = boardId ? (await cw.listBoardStatuses(boardId)).filter((s) => !s.inactive) : [];
    // The saved default company stays selectable even when a search leaves it out.
    const saved = config.settings?.defaultCompanyId;
    if (saved && !companies.some((c) => c.id === saved)) companies.unshift({ id: saved, name: config.settings?.defaultCompanyName ?? `Company ${saved}` });
    return { live: true, problem: null, boards, priorities, statuses, companies, boardId };
  } catch (err) {
    return storedChoices(config, `${describeFailure(err, "connectwise")} Showing the saved names; saving only keeps what ConnectWise offered before.`);
  }
}
