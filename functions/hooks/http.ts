import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { json } from '../adapters/iam-api.js';
import type { CaseDeps } from '../cases/cases.js';
import { noteCase } from '../cases/cases.js';
import { caseRequestBodySchema, toResponse, transitionCase } from '../cases/http.js';
import type { InboundScheme } from '../config/inbound.js';
import { describeIssues } from '../domain/event.js';
import type { InboundAccess } from '../domain/integrations.js';
import type { SecretStore, WebhookReceipts } from '../ports.js';
import { INBOUND_TOLERANCE_SECONDS, UnauthorisedWebhookError, type VerifiedWebhook, verifyWebhook } from './hooks.js';
import { verifyZendeskWebhook, zendeskHookSchema, zendeskTransition } from './zendesk.js';

/** The body of an inbound hook: the Standard Webhooks `{ type, timestamp?, data }`, moving one case. */
export const inboundBodySchema = z.object({
  type: z.enum(['case.acknowledge', 'case.resolve']),
  timestamp: z.optional(z.string()),
  data: z.extend(caseRequestBodySchema, { caseId: z.string().check(z.minLength(1), z.maxLength(64)) }),
});

export interface InboundDeps extends CaseDeps {
  /** The inbound access of each integration that takes hooks (config/inbound.ts `inboundAccess`), by integration id. */
  readonly integrations: ReadonlyMap<string, InboundAccess & { readonly scheme: InboundScheme }>;
  readonly secrets: SecretStore;
  readonly receipts: WebhookReceipts;
}

export type InboundOutcome = 'accepted' | 'refused' | 'unauthorised';

/** The same answer to every unauthorised request, whatever the reason (the log has it). */
const UNAUTHORISED = json(401, { message: 'Unauthorized: not a fresh request signed with the secret of an integration that accepts inbound hooks' });

const rawBody = (event: APIGatewayProxyEventV2) =>
  event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';

/**
 * POST /hooks/{integrationId}: a helpdesk moves a case. The request's Standard Webhooks signature,
 * with the hook's own secret (`inbound.secret`, never the delivery secret), is the authorisation, on
 * the queues `inbound.queues` names: a case elsewhere is "not found", as an unknown one; a public
 * `reply` only with `inbound.reply: true`; a webhook-id is accepted once (a receipt kept
 * past the timestamp's tolerance). The case moves exactly as through the case API (same use case,
 * same checks, same 400/404/409), recorded as done by `integration:<id>`. A request that changed
 * nothing gives its webhook-id back, so the sender may retry it.
 */
export async function handleInboundRequest(event: APIGatewayProxyEventV2, deps: InboundDeps, report: Report): Promise<APIGatewayProxyStructuredResultV2> {
  const integrationId = event.pathParameters?.integrationId ?? '';
  const access = deps.integrations.get(integrationId);
  if (!access) {
    report('unauthorised', { integrationId, reason: 'no integration of that id accepts inbound hooks' });
    return UNAUTHORISED;
  }
  const body = rawBody(event);
  const now = deps.now();
  let verified;
  try {
    const secret = await deps.secrets.read(access.secret);
    verified =
      access.scheme === 'zendesk' ? verifyZendeskWebhook(secret, event.headers ?? {}, body, now) : verifyWebhook(secret, event.headers ?? {}, body, now);
  } catch (error) {
    if (!(error instanceof UnauthorisedWebhookError)) throw error;
    report('unauthorised', { integrationId, reason: error.message });
    return UNAUTHORISED;
  }
  if (access.scheme === 'zendesk') return zendeskRequest(integrationId, access, verified, body, deps, report);
  let parsed;
  try {
    parsed = z.safeParse(inboundBodySchema, JSON.parse(body));
  } catch {
    return json(400, { message: 'the body is not JSON' });
  }
  if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });

  const { caseId, ...fields } = parsed.data.data;
  const transition = parsed.data.type === 'case.acknowledge' ? 'acknowledge' : 'resolve';
  return onceMoved(integrationId, verified, deps, report, () =>
    transitionCase(transition, caseId, `integration:${integrationId}`, fields, deps, {
      queues: access.queues,
      reply: access.reply ?? false,
      holder: `integration "${integrationId}"`,
    }),
  );
}

type Report = (outcome: InboundOutcome, details: { integrationId: string; reason?: string; webhookId?: string; status?: number }) => void;

/**
 * A verified request moves its case once: its id is claimed first (kept until the timestamp is out of
 * tolerance: after that the timestamp check refuses it anyway; a replay is 401), then the move; an
 * answer other than 200, or an error, gives the id back, so the sender may retry.
 */
async function onceMoved(
  integrationId: string,
  verified: VerifiedWebhook,
  deps: InboundDeps,
  report: Report,
  move: () => Promise<APIGatewayProxyStructuredResultV2>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const keepUntil = new Date((verified.timestamp + INBOUND_TOLERANCE_SECONDS + 60) * 1000);
  if (!(await deps.receipts.claim(integrationId, verified.id, keepUntil, deps.now()))) {
    report('unauthorised', { integrationId, webhookId: verified.id, reason: 'replayed: this request was accepted before' });
    return UNAUTHORISED;
  }
  let answer: APIGatewayProxyStructuredResultV2;
  try {
    answer = await move();
  } catch (error) {
    await deps.receipts.release(integrationId, verified.id);
    throw error;
  }
  if (answer.statusCode !== 200) {
    await deps.receipts.release(integrationId, verified.id);
    report('refused', { integrationId, webhookId: verified.id, status: answer.statusCode ?? 500 });
    return answer;
  }
  report('accepted', { integrationId, webhookId: verified.id });
  return answer;
}

/**
 * A verified Zendesk hook (the body of Closeloop's Zendesk triggers): a solved ticket resolves its
 * case (the ticket's `external_id`), with the ticket field's root cause when it is one of the catalog's,
 * else `inbound.defaultRootCause`; an agent's private comment becomes a note. Scoped, recorded and
 * answered as a Standard Webhooks hook is (the request id: a hash of Zendesk's timestamp and signature).
 */
async function zendeskRequest(
  integrationId: string,
  access: InboundAccess,
  verified: VerifiedWebhook,
  body: string,
  deps: InboundDeps,
  report: Report,
): Promise<APIGatewayProxyStructuredResultV2> {
  let parsed;
  try {
    parsed = z.safeParse(zendeskHookSchema, JSON.parse(body));
  } catch {
    return json(400, { message: 'the body is not JSON' });
  }
  if (!parsed.success) return json(400, { message: describeIssues(parsed.error.issues) });
  const asked = zendeskTransition(parsed.data, { rootCauses: deps.catalog.rootCauses, defaultRootCause: access.defaultRootCause ?? '' });
  const scope = { queues: access.queues, reply: false, holder: `integration "${integrationId}"` };
  const actor = `integration:${integrationId}`;
  return onceMoved(integrationId, verified, deps, report, async () => {
    if (!asked.caseId) return json(404, { message: 'the ticket names no case (its external_id is empty: not a ticket Closeloop opened)' });
    if (asked.transition === 'note') {
      return noteCase(asked.caseId, actor, asked.note, deps, scope).then(
        (record) => json(200, record),
        (error: unknown) => toResponse(error),
      );
    }
    return transitionCase('resolve', asked.caseId, actor, { rootCause: asked.rootCause, note: asked.note }, deps, scope);
  });
}
