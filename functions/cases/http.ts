import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { actorOf, FORBIDDEN, json, jsonBody } from '../adapters/iam-api.js';
import { describeIssues } from '../domain/event.js';
import { MAX_COMMENT_LENGTH } from '../domain/invitation.js';
import {
  acknowledgeCase,
  assignCase,
  CaseConflictError,
  type CaseDeps,
  CaseForbiddenError,
  CaseNotFoundError,
  type CaseScope,
  CaseTransitionError,
  InvalidCaseRequestError,
  resolveCase,
  showCase,
} from './cases.js';
import { type InboxDeps, listCases, parseInboxFilter } from './inbox.js';

/** The case API's needs: the transitions', the inbox's, and the declared follow-up queues (the inbox's partitions). */
export type CaseApiDeps = CaseDeps & InboxDeps & { readonly queues: readonly string[] };

export const caseRequestBodySchema = z.object({
  note: z.optional(z.string().check(z.maxLength(MAX_COMMENT_LENGTH))),
  rootCause: z.optional(z.string().check(z.maxLength(100))),
  /** Public: emailed to the respondent when the rule notifies on resolution. The note stays internal. */
  reply: z.optional(z.string().check(z.maxLength(MAX_COMMENT_LENGTH))),
});

export const assignRequestBodySchema = z.object({
  assignee: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  note: z.optional(z.string().check(z.maxLength(MAX_COMMENT_LENGTH))),
});

/** Domain errors to HTTP, in one place. */
export function toResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof CaseNotFoundError) return json(404, { message: error.message });
  if (error instanceof CaseForbiddenError) return json(403, { message: error.message });
  if (error instanceof InvalidCaseRequestError) return json(400, { message: error.message });
  if (error instanceof CaseTransitionError || error instanceof CaseConflictError) return json(409, { message: error.message });
  throw error;
}

export type CaseTransition = 'acknowledge' | 'resolve' | 'assign';

/**
 * One transition of a case from a request body: the checks, the use case and the answer (200 with
 * the case; 400, 404, 409). The case API and the inbound hooks both move cases through it.
 */
export async function transitionCase(
  transition: CaseTransition,
  caseId: string,
  actor: string,
  raw: unknown,
  deps: CaseDeps,
  scope?: CaseScope,
): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    if (transition === 'assign') {
      const parsed = z.safeParse(assignRequestBodySchema, raw);
      if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });
      return json(200, await assignCase(caseId, actor, parsed.data.assignee, parsed.data.note, deps, scope));
    }
    const parsed = z.safeParse(caseRequestBodySchema, raw);
    if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });
    const { note, rootCause, reply } = parsed.data;
    if (transition === 'acknowledge') {
      if (reply !== undefined) return json(400, { message: 'reply: goes with resolve' });
      return json(200, await acknowledgeCase(caseId, actor, note, deps, scope));
    }
    if (!rootCause) return json(400, { message: 'rootCause: required to resolve a case' });
    return json(200, await resolveCase(caseId, actor, rootCause, note, deps, reply, scope));
  } catch (error) {
    return toResponse(error);
  }
}

const TRANSITIONS: Readonly<Record<string, CaseTransition>> = {
  'POST /cases/{caseId}/acknowledge': 'acknowledge',
  'POST /cases/{caseId}/resolve': 'resolve',
  'POST /cases/{caseId}/assign': 'assign',
};

/**
 * The case API (IAM-authorised routes): GET /cases (the inbox: `queue`, `status`, `overdue`, `limit`,
 * `cursor`), GET /cases/{caseId}, POST /cases/{caseId}/acknowledge `{ note? }`, POST
 * /cases/{caseId}/resolve `{ rootCause, note?, reply? }` (`reply`: public, sent to the respondent
 * when the rule notifies on resolution; `note`: internal), POST /cases/{caseId}/assign `{ assignee, note? }`.
 */
export async function handleCaseRequest(event: APIGatewayProxyEventV2, deps: CaseApiDeps): Promise<APIGatewayProxyStructuredResultV2> {
  const actor = actorOf(event);
  if (!actor) return FORBIDDEN;
  const caseId = event.pathParameters?.caseId ?? '';
  try {
    if (event.routeKey === 'GET /cases') return json(200, await listCases(parseInboxFilter(event.queryStringParameters, deps.queues), deps));
    if (event.routeKey === 'GET /cases/{caseId}') return json(200, await showCase(caseId, deps));
  } catch (error) {
    return toResponse(error);
  }
  const transition = TRANSITIONS[event.routeKey];
  if (!transition) return json(404, { message: 'Not Found' });
  const raw = jsonBody(event);
  if (raw === undefined) return json(400, { message: 'the body is not JSON' });
  return transitionCase(transition, caseId, actor, raw, deps);
}
