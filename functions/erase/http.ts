import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { actorOf, FORBIDDEN, json, jsonBody } from '../adapters/iam-api.js';
import { describeIssues } from '../domain/event.js';
import { type EraseDeps, type ErasureReport, eraseContact } from './erase.js';

export const erasureRequestBodySchema = z.object({ email: z.email() });

const count = z.int().check(z.gte(0));
/**
 * The answer of POST /erasures: the handler sends only what this schema accepts (strict: a field the
 * report gains fails until it is documented), and docs/openapi.json is generated from it.
 */
export const erasureReportSchema = z.strictObject({
  contactKey: z.string().check(z.describe('The hashed address: what remains, in the suppression record, so the person is never surveyed again.')),
  erasedAt: z.string(),
  suppressed: z.literal(true),
  invitationsDeleted: count.check(z.describe('Unanswered invitations, deleted.')),
  responsesAnonymised: count.check(z.describe('Answered invitations, replaced by the anonymous score, kind, program and time.')),
  casesAnonymised: count,
  contactRecordsDeleted: count.check(z.describe('Rest periods, and delivery-log items of integrations that opted in to personal data.')),
  notificationsDeleted: count.check(z.describe('Respondent notifications (outbox items, sent or not) and their unsubscribe links.')),
});

/**
 * POST /erasures `{ "email": "…" }` (IAM-authorised): erases the person's data and reports what
 * changed. Answers 200 also when nothing was found: the address is suppressed either way.
 */
export async function handleErasureRequest(
  event: APIGatewayProxyEventV2,
  deps: EraseDeps,
  audit: (actor: string, report: ErasureReport) => void,
): Promise<APIGatewayProxyStructuredResultV2> {
  const actor = actorOf(event);
  if (!actor) return FORBIDDEN;
  if (event.routeKey !== 'POST /erasures') return json(404, { message: 'Not Found' });
  const raw = jsonBody(event);
  if (raw === undefined) return json(400, { message: 'the body is not JSON' });
  const parsed = z.safeParse(erasureRequestBodySchema, raw);
  if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });
  const report = await eraseContact(parsed.data.email, deps);
  audit(actor, report);
  return json(200, z.parse(erasureReportSchema, report));
}
