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

/** The workspace's teams as the API and the pages both know them (the pages get it from /workspace/config.json). */
export interface TeamMap {
  readonly teams: Readonly<Record<string, readonly string[]>>;
  readonly adminTeam: string;
  /** Every follow-up queue (the admin team's). */
  readonly queues: readonly string[];
}

export const teamMapOf = (catalog: Catalog): TeamMap => ({
  teams: teamsOf(catalog),
  adminTeam: adminTeamOf(catalog),
  queues: Object.keys(catalog.followUpQueues),
});

/** What members of these groups may see. The API enforces it; the pages use it only to fill their filters. */
export function accessOf(map: TeamMap, groups: readonly string[]): TeamAccess {
  const admin = groups.includes(map.adminTeam);
  const member = groups.filter((group) => Object.hasOwn(map.teams, group));
  const queues = admin ? [...map.queues] : [...new Set(member.flatMap((team) => map.teams[team] ?? []))];
  return { teams: admin ? [map.adminTeam, ...member] : member, queues, admin };
}

export const teamAccess = (catalog: Catalog, groups: readonly string[]): TeamAccess => accessOf(teamMapOf(catalog), groups);

/**
 * A groups claim as it arrives: a JSON array from a provider, or the string API Gateway's JWT authorizer
 * makes of an array claim (`[support cx-admin]`); one group alone as a plain string.
 */
export function groupsFromClaim(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  const text = claim.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // API Gateway's form: space-separated inside brackets.
    }
    return text
      .slice(1, -1)
      .split(/[\s,]+/)
      .filter(Boolean);
  }
  return text.split(/[\s,]+/).filter(Boolean);
}
