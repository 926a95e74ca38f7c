import { type AttemptOutcome, MAX_DELIVERY_ATTEMPTS, nextAttemptInSeconds, outcomeOf } from '../domain/delivery-policy.js';
import { INTEGRATION_SOURCE } from '../domain/integration-events.js';
import { carriesPersonalData, type DeliverableEvent, detailFor, type Integration, webhookId, withoutPersonalData } from '../domain/integrations.js';
import { slackMessage } from '../domain/slack-message.js';
import { signWebhook, webhookBody } from '../domain/webhooks.js';
import type { CaseRepository, DeadLetterSink, DeliveryLog, DeliveryQueue, HttpRequester, SecretStore, WebhookSender } from '../ports.js';
import { deliverToZendesk } from './zendesk.js';

export interface DeliverDeps {
  /** The catalog's integrations, by id. */
  readonly integrations: ReadonlyMap<string, Integration>;
  /** Read once per cold start (the store caches). */
  readonly secrets: SecretStore;
  readonly sender: WebhookSender;
  /** A helpdesk's API (zendesk: the ticket lookup, creation and update). */
  readonly http: HttpRequester;
  readonly log: DeliveryLog;
  readonly cases: Pick<CaseRepository, 'get'>;
  /** Where a delivery goes when its retry window is over, with the reason. */
  readonly deadLetters: DeadLetterSink;
  /** Multiplies the backoff (1 in AWS; the sandbox compresses time). */
  readonly retryScale: number;
  readonly now: () => Date;
}

export type DeliveryOutcome =
  | { readonly outcome: 'delivered' | 'rejected' | 'dead-lettered'; readonly webhookId: string; readonly result: string }
  | { readonly outcome: 'retry'; readonly webhookId: string; readonly result: string; readonly retryInSeconds: number };

/** A message that is not an event Closeloop announced, or for no declared integration: never retried. */
export class UndeliverableMessageError extends Error {
  override readonly name = 'UndeliverableMessageError';
}

/** The body of a delivery queue's message (as the bus rule or a replay put it), checked. */
export function parseDeliverable(body: string): DeliverableEvent {
  let event: Partial<DeliverableEvent>;
  try {
    event = JSON.parse(body) as Partial<DeliverableEvent>;
  } catch {
    throw new UndeliverableMessageError('the message body is not JSON');
  }
  if (
    typeof event !== 'object' ||
    event === null ||
    event.source !== INTEGRATION_SOURCE ||
    typeof event['detail-type'] !== 'string' ||
    typeof event.time !== 'string' ||
    typeof event.detail !== 'object' ||
    event.detail === null
  ) {
    throw new UndeliverableMessageError('the message is not an integration event of Closeloop (source "closeloop", detail-type, time, detail)');
  }
  return event as DeliverableEvent;
}

const isLoopback = (url: URL) => url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** The request one attempt sends: a signed Standard Webhook, or a Slack message to the URL the secret holds. */
async function requestFor(
  integration: Integration,
  event: DeliverableEvent,
  id: string,
  deps: DeliverDeps,
): Promise<{ url: string; headers: Record<string, string>; body: string } | { problem: string }> {
  const type = event['detail-type'];
  const detail = detailFor(integration, type, event.detail);
  const secret = await deps.secrets.read(integration.secret);
  if (integration.kind === 'webhook') {
    const signed = signWebhook(secret, id, deps.now(), webhookBody(type, new Date(event.time).toISOString(), detail));
    return { url: integration.url as string, headers: { ...signed.headers }, body: signed.body };
  }
  let url: URL;
  try {
    url = new URL(secret.trim());
  } catch {
    return { problem: `the secret "${integration.secret}" does not hold a Slack incoming-webhook URL` };
  }
  if (url.protocol !== 'https:' && !isLoopback(url)) return { problem: `the Slack URL in "${integration.secret}" is not https` };
  const record = typeof detail.caseId === 'string' ? await deps.cases.get(detail.caseId) : undefined;
  const message = slackMessage(type, detail, {
    includeComment: integration.includeComment,
    ...(record ? { extras: { comment: record.message.comment, topics: record.message.topics } } : {}),
  });
  return { url: url.toString(), headers: { 'content-type': 'application/json', 'webhook-id': id }, body: JSON.stringify(message) };
}

/**
 * Delivers one event to one integration, attempt `attempt` (1-based, the queue's receive count):
 * 2xx delivered; 408/429/5xx/timeouts/network errors retried with exponential backoff until the
 * retry window (at least 24 h) is over, then dead-lettered with the reason; any other answer is
 * final and recorded; a Retry-After longer than the backoff is honoured. A zendesk integration's
 * attempt is `deliverToZendesk` (a ticket per case, never two). Every attempt is logged under the
 * webhook-id, which every retry and replay shares.
 */
export async function deliver(integration: Integration, event: DeliverableEvent, attempt: number, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const type = event['detail-type'];
  if (!integration.on.includes(type as Integration['on'][number])) {
    throw new UndeliverableMessageError(`integration "${integration.id}" does not take ${type}`);
  }
  const id = webhookId(integration.id, type, withoutPersonalData(event.detail));
  // An integration that receives personal data or context: the case gives the contact key (for the log) and the context it was opened with.
  const record = carriesPersonalData(integration) ? await caseOf(event.detail, deps) : undefined;
  const withContext: DeliverableEvent =
    record && integration.shareContext.length && event.detail.context === undefined
      ? { ...event, detail: { ...event.detail, context: record.message.context } }
      : event;
  // A customer's email reply: its sender and text, from the case, for an integration that takes personal data.
  const reply =
    record && integration.includePersonalData && type === 'FollowUpCustomerReplied'
      ? record.history.find((change) => change.action === 'customer-replied' && change.messageId === event.detail.messageId)
      : undefined;
  const sent: DeliverableEvent = reply
    ? { ...withContext, detail: { ...withContext.detail, reply: { from: reply.from ?? '', text: reply.text ?? '' } } }
    : withContext;
  const { verdict, described, retryAfterSeconds } =
    integration.kind === 'zendesk'
      ? await deliverToZendesk(integration, sent, { webhookId: id, attempt, replayed: event.replayedAt !== undefined }, deps)
      : await sendOnce(integration, sent, id, deps);
  const exhausted = verdict === 'retry' && attempt >= MAX_DELIVERY_ATTEMPTS;
  const status = verdict === 'delivered' ? 'delivered' : verdict === 'rejected' ? 'rejected' : exhausted ? 'dead-lettered' : 'retrying';
  // The log keeps what was delivered, filtered the same way. Personal data and context only with the case's contact key, so `closeloop erase`
  // finds them again; without one (no case), the default view (a replay then sends without them).
  const contactKey = record?.contactKey;
  const logged = contactKey ? integration : { includePersonalData: false, shareContext: [] };
  const stored: DeliverableEvent = { 'detail-type': type, source: event.source, time: event.time, detail: detailFor(logged, type, sent.detail) };
  await deps.log.record({
    integrationId: integration.id,
    webhookId: id,
    event: stored,
    status,
    lastResult: described,
    at: deps.now(),
    ...(contactKey ? { contactKey } : {}),
  });
  if (exhausted) {
    const reason = `${integration.id}: ${attempt} attempts over the retry window failed; last: ${described}`;
    await deps.deadLetters.reject(JSON.stringify({ integrationId: integration.id, webhookId: id, event: stored }), reason);
    return { outcome: 'dead-lettered', webhookId: id, result: described };
  }
  if (verdict === 'retry') {
    const retryInSeconds = nextAttemptInSeconds(attempt, deps.retryScale, retryAfterSeconds);
    return { outcome: 'retry', webhookId: id, result: described, retryInSeconds };
  }
  return { outcome: verdict, webhookId: id, result: described };
}

/** One POST: a signed Standard Webhook, or a Slack message. */
async function sendOnce(integration: Integration, event: DeliverableEvent, id: string, deps: DeliverDeps): Promise<AttemptOutcome> {
  const request = await requestFor(integration, event, id, deps);
  if ('problem' in request) return { verdict: 'rejected', described: request.problem };
  return outcomeOf(await deps.sender.post(request.url, request.headers, request.body));
}

/** An opted-in delivery about a case carries the respondent's hashed address, so `closeloop erase` finds it. */
async function caseOf(detail: Readonly<Record<string, unknown>>, deps: DeliverDeps) {
  return typeof detail.caseId === 'string' ? deps.cases.get(detail.caseId) : undefined;
}

export class UnknownIntegrationError extends Error {
  override readonly name = 'UnknownIntegrationError';
}

/** Re-sends everything logged for an integration since a moment, through its queue: the same webhook-ids, a fresh retry window. */
export async function replay(
  integrationId: string,
  since: Date,
  deps: {
    readonly integrations: ReadonlyMap<string, Integration>;
    readonly log: DeliveryLog;
    readonly queue: DeliveryQueue;
    readonly now?: () => Date;
  },
): Promise<{ readonly replayed: number; readonly webhookIds: readonly string[] }> {
  if (!deps.integrations.has(integrationId)) throw new UnknownIntegrationError(`no integration "${integrationId}" in the catalog`);
  const webhookIds: string[] = [];
  const replayedAt = deps.now?.() ?? new Date();
  let batch: DeliverableEvent[] = [];
  for await (const item of deps.log.since(integrationId, since)) {
    webhookIds.push(item.webhookId);
    // Marked, so a helpdesk delivery looks its ticket up first (the receive count starts again at 1).
    batch.push({ ...item.event, replayedAt: replayedAt.toISOString() });
    if (batch.length === 10) {
      await deps.queue.enqueue(integrationId, batch);
      batch = [];
    }
  }
  if (batch.length) await deps.queue.enqueue(integrationId, batch);
  return { replayed: webhookIds.length, webhookIds };
}
