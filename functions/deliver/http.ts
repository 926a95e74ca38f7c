import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { actorOf, FORBIDDEN, json, jsonBody } from '../adapters/iam-api.js';
import { describeIssues } from '../domain/event.js';
import { replay, UnknownIntegrationError } from './deliver.js';

/** The replay request's body (also the OpenAPI document's, scripts/api-docs.ts). */
export const replayRequestBodySchema = z.object({ since: z.iso.datetime({ offset: true }) });

/**
 * POST /integrations/{integrationId}/replay `{ "since": "<ISO time>" }` (IAM-authorised): puts every
 * event logged for the integration since then back on its queue, with the same webhook-ids.
 */
export async function handleReplayRequest(
  event: APIGatewayProxyEventV2,
  deps: Parameters<typeof replay>[2],
  audit: (actor: string, integrationId: string, replayed: number) => void,
): Promise<APIGatewayProxyStructuredResultV2> {
  const actor = actorOf(event);
  if (!actor) return FORBIDDEN;
  const integrationId = event.pathParameters?.integrationId;
  if (event.routeKey !== 'POST /integrations/{integrationId}/replay' || !integrationId) return json(404, { message: 'Not Found' });
  const raw = jsonBody(event);
  if (raw === undefined) return json(400, { message: 'the body is not JSON' });
  const parsed = z.safeParse(replayRequestBodySchema, raw);
  if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });
  try {
    const result = await replay(integrationId, new Date(parsed.data.since), deps);
    audit(actor, integrationId, result.replayed);
    return json(200, { integrationId, since: new Date(parsed.data.since).toISOString(), ...result });
  } catch (error) {
    if (error instanceof UnknownIntegrationError) return json(404, { message: error.message });
    throw error;
  }
}
