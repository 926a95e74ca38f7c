import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { json, jsonBody } from '../adapters/iam-api.js';
import { acknowledgeCase, assignCase, type CaseScope, InvalidCaseRequestError, noteCase, replyCase, resolveCase, showCase } from '../cases/cases.js';
import { type CaseApiDeps, toResponse } from '../cases/http.js';
import { listCases, parseInboxFilter } from '../cases/inbox.js';
import { describeIssues } from '../domain/event.js';
import type { FollowUpCaseRecord } from '../domain/follow-up-case.js';
import type { Granularity, Period } from '../domain/report.js';
import { surveyKind } from '../domain/survey-kinds.js';
import { adminTeamOf, groupsFromClaim, type TeamAccess, teamAccess } from '../domain/teams.js';
import type { AggregateStore, CustomerHistory, EarlierContact } from '../ports.js';
import { renderSections } from '../report/html.js';
import { loadReports, periodOf, ReportRequestError } from '../report/load.js';
import { PAGE_ROUTES, type PageSettings, servePage } from './pages.js';

/** The longest note or reply an agent may write (characters, after cleaning). */
export const MAX_AGENT_TEXT = 5000;

/** The claim that carries the identity provider's groups (the teams), unless the construct names another. */
export const DEFAULT_GROUPS_CLAIM = 'cognito:groups';

export type WorkspaceDeps = CaseApiDeps & {
  /** The JWT claim holding the member's groups (`workspace.groupsClaim`). */
  readonly groupsClaim: string;
  /** What the pages need (the provider, the script); without it the pages are not served. */
  readonly pages?: Omit<PageSettings, 'catalog' | 'groupsClaim'>;
  /** The day buckets the dashboard reads (as `closeloop report` does). */
  readonly aggregates: AggregateStore;
  /** The customer's earlier answers and cases, for the case page. */
  readonly customers: CustomerHistory;
};

const GRANULARITIES: readonly Granularity[] = ['day', 'week', 'month'];
const DASHBOARD_PARAMETERS = ['program', 'segment', 'from', 'to', 'granularity'];

/**
 * The admin team's dashboard: the report of `closeloop report` from the same day buckets (no scan),
 * per program and segment, its sections rendered as the HTML report renders them (every text escaped).
 */
async function dashboard(parameters: Readonly<Record<string, string | undefined>>, deps: WorkspaceDeps) {
  const unknown = Object.keys(parameters).find((name) => !DASHBOARD_PARAMETERS.includes(name));
  if (unknown) throw new InvalidCaseRequestError(`${unknown}: not a parameter of GET /api/dashboard (${DASHBOARD_PARAMETERS.join(', ')})`);
  const granularity = (parameters.granularity ?? 'week') as Granularity;
  if (!GRANULARITIES.includes(granularity)) throw new InvalidCaseRequestError(`granularity: day, week or month`);
  let period: Period;
  try {
    period = periodOf({ ...(parameters.from ? { from: parameters.from } : {}), ...(parameters.to ? { to: parameters.to } : {}) }, deps.now());
  } catch (error) {
    throw new InvalidCaseRequestError((error as Error).message.replace(/--(from|to)/g, '$1'));
  }
  try {
    const reports = await loadReports(deps.aggregates, deps.catalog, {
      period,
      granularity,
      ...(parameters.program ? { programIds: [parameters.program] } : {}),
      ...(parameters.segment ? { segments: [parameters.segment] } : {}),
      today: deps.now().toISOString().slice(0, 10),
    });
    return { period, granularity, html: renderSections(reports) };
  } catch (error) {
    if (error instanceof ReportRequestError) throw new InvalidCaseRequestError(error.message);
    throw error;
  }
}

/** A signed-in member of the workspace: who (for the history) and what they may see. */
export interface Member {
  /** The token's email, else its subject. */
  readonly actor: string;
  readonly access: TeamAccess;
}

/** The member API Gateway's JWT authorizer let through (`requestContext.authorizer.jwt.claims`), or undefined without claims. */
export function memberOf(event: APIGatewayProxyEventV2, deps: Pick<WorkspaceDeps, 'catalog' | 'groupsClaim'>): Member | undefined {
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer?.jwt?.claims;
  if (!claims) return undefined;
  const email = typeof claims.email === 'string' && claims.email ? claims.email : undefined;
  const sub = typeof claims.sub === 'string' && claims.sub ? claims.sub : undefined;
  const actor = email ?? sub;
  if (!actor) return undefined;
  return { actor, access: teamAccess(deps.catalog, groupsFromClaim(claims[deps.groupsClaim])) };
}

const version = z.int().check(z.gte(1));
const agentText = z.string().check(z.maxLength(MAX_AGENT_TEXT));
const bodies = {
  acknowledge: z.strictObject({ expectedVersion: version, note: z.optional(agentText) }),
  assign: z.strictObject({ expectedVersion: version, assignee: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)), note: z.optional(agentText) }),
  note: z.strictObject({ expectedVersion: version, note: agentText }),
  reply: z.strictObject({ expectedVersion: version, reply: agentText }),
  resolve: z.strictObject({
    expectedVersion: version,
    rootCause: z.string().check(z.maxLength(100)),
    note: z.optional(agentText),
    reply: z.optional(agentText),
  }),
} as const;
type Action = keyof typeof bodies;
const ACTIONS = Object.keys(bodies) as Action[];

/** A case as the case page shows it: the record, the version to send back with an action, and the customer's earlier answers and cases. */
const casePage = (record: FollowUpCaseRecord, earlier: readonly EarlierContact[] = []) => ({ version: record.history.length, case: record, earlier });

/** The customer's past, unless they are anonymous (eNPS) or erased. */
async function earlierOf(record: FollowUpCaseRecord, deps: WorkspaceDeps): Promise<EarlierContact[]> {
  if (!record.contactKey || record.erasedAt || surveyKind(record.message.kind).anonymous) return [];
  return deps.customers.of(record.contactKey, record.message.caseId);
}

/**
 * The workspace's API (JWT-authorised routes under /api): the same use cases as the IAM case API, scoped to
 * the member's teams. GET /api/cases (the inbox of my queues: `queue`, `status`, `overdue`, `assigned=me`,
 * `limit`, `cursor`), GET /api/cases/{caseId}, POST /api/cases/{caseId}/{acknowledge|assign|note|reply|resolve}
 * with `expectedVersion` (the version the page showed), GET /api/dashboard (the admin team's). Another team's
 * case: 403 by id, absent from lists.
 */
export async function handleWorkspaceRequest(event: APIGatewayProxyEventV2, deps: WorkspaceDeps): Promise<APIGatewayProxyStructuredResultV2> {
  if ((PAGE_ROUTES as readonly string[]).includes(event.routeKey)) {
    if (!deps.pages) return json(404, { message: 'Not Found' });
    return servePage(event.routeKey, { ...deps.pages, catalog: deps.catalog, groupsClaim: deps.groupsClaim });
  }
  const member = memberOf(event, deps);
  if (!member) return json(401, { message: 'Sign in: the request carries no identity' });
  const { actor, access } = member;
  if (!access.queues.length) return json(403, { message: `${actor} is in no team of this workspace (ask an admin to add you to a team's group)` });
  const scope = (expectedVersion?: number): CaseScope => ({
    queues: access.queues,
    reply: true,
    holder: access.admin ? 'the admin team' : `team ${access.teams.join(', ')}`,
    outside: 'forbidden',
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
  });
  const caseId = event.pathParameters?.caseId ?? '';
  try {
    if (event.routeKey === 'GET /api/cases') {
      const { assigned, ...parameters } = event.queryStringParameters ?? {};
      if (assigned !== undefined && assigned !== 'me') throw new InvalidCaseRequestError('assigned: only "me"');
      if (parameters.queue !== undefined && !access.queues.includes(parameters.queue)) {
        return json(403, { message: `queue: "${parameters.queue}" is not a queue of ${scope().holder}` });
      }
      const page = await listCases(parseInboxFilter(parameters, access.queues), deps);
      return json(200, assigned ? { ...page, items: page.items.filter((item) => item.assignee === actor) } : page);
    }
    if (event.routeKey === 'GET /api/cases/{caseId}') {
      const record = await showCase(caseId, deps, scope());
      return json(200, casePage(record, await earlierOf(record, deps)));
    }
    if (event.routeKey === 'GET /api/dashboard') {
      if (!access.admin) return json(403, { message: `the dashboard is the admin team's (${adminTeamOf(deps.catalog)})` });
      return json(200, await dashboard(event.queryStringParameters ?? {}, deps));
    }
    const action = ACTIONS.find((name) => event.routeKey === `POST /api/cases/{caseId}/${name}`);
    if (!action) return json(404, { message: 'Not Found' });
    const raw = jsonBody(event);
    if (raw === undefined) return json(400, { message: 'the body is not JSON' });
    return json(200, casePage(await act(action, caseId, actor, raw, deps, scope)));
  } catch (error) {
    if (error instanceof BadBody) return json(400, { message: error.message });
    return toResponse(error);
  }
}

class BadBody extends Error {}

function parsed<T>(schema: z.ZodMiniType<T>, raw: unknown): T {
  const result = z.safeParse(schema, raw);
  if (!result.success) throw new BadBody(describeIssues(result.error.issues));
  return result.data;
}

async function act(
  action: Action,
  caseId: string,
  actor: string,
  raw: unknown,
  deps: WorkspaceDeps,
  scope: (expectedVersion?: number) => CaseScope,
): Promise<FollowUpCaseRecord> {
  switch (action) {
    case 'acknowledge': {
      const body = parsed(bodies.acknowledge, raw);
      return acknowledgeCase(caseId, actor, body.note, deps, scope(body.expectedVersion));
    }
    case 'assign': {
      const body = parsed(bodies.assign, raw);
      return assignCase(caseId, actor, body.assignee, body.note, deps, scope(body.expectedVersion));
    }
    case 'note': {
      const body = parsed(bodies.note, raw);
      return noteCase(caseId, actor, body.note, deps, scope(body.expectedVersion));
    }
    case 'reply': {
      const body = parsed(bodies.reply, raw);
      return replyCase(caseId, actor, body.reply, deps, scope(body.expectedVersion));
    }
    case 'resolve': {
      const body = parsed(bodies.resolve, raw);
      if (body.reply !== undefined && !body.reply.trim()) throw new BadBody('reply: empty');
      return resolveCase(caseId, actor, body.rootCause, body.note, deps, body.reply, scope(body.expectedVersion));
    }
  }
}
