import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { actorOf, FORBIDDEN, json, jsonBody } from '../adapters/iam-api.js';
import { describeIssues } from '../domain/event.js';
import { type EraseDeps, type ErasureReport, eraseContact } from './erase.js';

export const erasureRequestBodySchema = z.object({ email: z.email() });

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
  return json(200, report);
}
