import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { actorOf, FORBIDDEN, json, jsonBody } from '../adapters/iam-api.js';
import { describeIssues } from '../domain/event.js';
import { DigestDeliveryError, type DigestOutcome, type DigestRequest, DigestRequestError, UnknownDigestError } from './digest.js';

/** The send request's body (also the OpenAPI document's, scripts/api-docs.ts). */
export const digestSendBodySchema = z.object({
  week: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a day such as 2026-11-23'))),
});

/**
 * POST /digests/{digestId}/send `{ "week"?: "yyyy-mm-dd" }` (IAM-authorised): sends the digest of
 * the week that holds that day (default: the last complete week) now, to every recipient not sent
 * to for that week before. What `closeloop digest send` calls, in AWS and in the sandbox.
 */
export async function handleSendRequest(
  event: APIGatewayProxyEventV2,
  send: (request: DigestRequest) => Promise<DigestOutcome>,
  audit: (actor: string, outcome: DigestOutcome) => void,
): Promise<APIGatewayProxyStructuredResultV2> {
  const actor = actorOf(event);
  if (!actor) return FORBIDDEN;
  const digestId = event.pathParameters?.digestId;
  if (event.routeKey !== 'POST /digests/{digestId}/send' || !digestId) return json(404, { message: 'Not Found' });
  const raw = jsonBody(event);
  if (raw === undefined) return json(400, { message: 'the body is not JSON' });
  const parsed = z.safeParse(digestSendBodySchema, raw);
  if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });
  try {
    const outcome = await send({ digestId, ...(parsed.data.week ? { weekOf: parsed.data.week } : {}) });
    audit(actor, outcome);
    return json(200, outcome);
  } catch (error) {
    if (error instanceof UnknownDigestError) return json(404, { message: error.message });
    if (error instanceof DigestRequestError) return json(400, { message: error.message });
    // Sent to the others; the failed ones are owed and a repeated request sends only them.
    if (error instanceof DigestDeliveryError) return json(502, { message: error.message });
    throw error;
  }
}
