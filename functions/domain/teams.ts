import type { Catalog } from './program.js';

/** The team that sees every queue and the dashboard, unless the catalog's `workspace.adminTeam` names another. */
export const DEFAULT_ADMIN_TEAM = 'cx-admin';

/** The workspace's teams and the queues each works: the catalog's `teams`, or else each follow-up queue as a team of its own. */
export function teamsOf(catalog: Catalog): Readonly<Record<string, readonly string[]>> {
  if (catalog.teams) return Object.fromEntries(Object.entries(catalog.teams).map(([team, { queues }]) => [team, queues]));
  return Object.fromEntries(Object.keys(catalog.followUpQueues).map((queue) => [queue, [queue]]));
}

export const adminTeamOf = (catalog: Catalog): string => catalog.workspace?.adminTeam ?? DEFAULT_ADMIN_TEAM;

/** What a signed-in member of these groups may see: the queues of their teams (all of them for the admin team). */
export interface TeamAccess {
  /** The member's teams the catalog knows (groups it does not know give nothing). */
  readonly teams: readonly string[];
  readonly queues: readonly string[];
  /** In the admin team: every queue and the dashboard. */
  readonly admin: boolean;
}

export function teamAccess(catalog: Catalog, groups: readonly string[]): TeamAccess {
  const teams = teamsOf(catalog);
  const admin = groups.includes(adminTeamOf(catalog));
  const member = groups.filter((group) => Object.hasOwn(teams, group));
  const queues = admin ? Object.keys(catalog.followUpQueues) : [...new Set(member.flatMap((team) => teams[team] ?? []))];
  return { teams: admin ? [adminTeamOf(catalog), ...member] : member, queues, admin };
}
