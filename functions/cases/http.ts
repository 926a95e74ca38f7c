import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { actorOf, FORBIDDEN, json, jsonBody } from '../adapters/iam-api.js';
import { describeIssues } from '../domain/event.js';
import { MAX_COMMENT_LENGTH } from '../domain/invitation.js';
import {
  acknowledgeCase,
  CaseConflictError,
  CaseNotFoundError,
  CaseTransitionError,
  InvalidCaseRequestError,
  resolveCase,
  showCase,
  type CaseDeps,
} from './cases.js';

export const caseRequestBodySchema = z.object({
  note: z.optional(z.string().check(z.maxLength(MAX_COMMENT_LENGTH))),
  rootCause: z.optional(z.string().check(z.maxLength(100))),
  /** Public: emailed to the respondent when the rule notifies on resolution. The note stays internal. */
  reply: z.optional(z.string().check(z.maxLength(MAX_COMMENT_LENGTH))),
});

/** Domain errors to HTTP, in one place. */
function toResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof CaseNotFoundError) return json(404, { message: error.message });
  if (error instanceof InvalidCaseRequestError) return json(400, { message: error.message });
  if (error instanceof CaseTransitionError || error instanceof CaseConflictError) return json(409, { message: error.message });
  throw error;
}

/**
 * The case API (IAM-authorised routes): GET /cases/{caseId}, POST /cases/{caseId}/acknowledge
 * `{ note? }`, POST /cases/{caseId}/resolve `{ rootCause, note?, reply? }` (`reply`: public, sent to the respondent
 * when the rule notifies on resolution; `note`: internal).
 */
export async function handleCaseRequest(event: APIGatewayProxyEventV2, deps: CaseDeps): Promise<APIGatewayProxyStructuredResultV2> {
  const actor = actorOf(event);
  if (!actor) return FORBIDDEN;
  const caseId = event.pathParameters?.caseId ?? '';
  try {
    if (event.routeKey === 'GET /cases/{caseId}') return json(200, await showCase(caseId, deps));
    const raw = jsonBody(event);
    if (raw === undefined) return json(400, { message: 'the body is not JSON' });
    const parsed = z.safeParse(caseRequestBodySchema, raw);
    if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });
    const { note, rootCause, reply } = parsed.data;
    if (event.routeKey === 'POST /cases/{caseId}/acknowledge' && reply !== undefined) return json(400, { message: 'reply: goes with resolve' });
    if (event.routeKey === 'POST /cases/{caseId}/acknowledge') return json(200, await acknowledgeCase(caseId, actor, note, deps));
    if (event.routeKey === 'POST /cases/{caseId}/resolve') {
      if (!rootCause) return json(400, { message: 'rootCause: required to resolve a case' });
      return json(200, await resolveCase(caseId, actor, rootCause, note, deps, reply));
    }
    return json(404, { message: 'Not Found' });
  } catch (error) {
    return toResponse(error);
  }
}
