import { type AttemptOutcome, outcomeOf } from '../domain/delivery-policy.js';
import { type DeliverableEvent, detailFor, type Integration } from '../domain/integrations.js';
import {
  createdTicketId,
  deliveryTag,
  foundTickets,
  InvalidZendeskSecretError,
  newTicket,
  type TicketExtras,
  ticketLookupUrl,
  ticketsUrl,
  ticketUpdate,
  ticketUrl,
  UnexpectedZendeskAnswerError,
  ZENDESK_EVENT_TYPES,
  type ZendeskCredentials,
  zendeskCredentials,
} from '../domain/zendesk-ticket.js';
import type { CaseRepository, HttpAnswer, HttpRequester, SecretStore } from '../ports.js';

export interface ZendeskDeps {
  readonly secrets: SecretStore;
  readonly http: HttpRequester;
  readonly cases: Pick<CaseRepository, 'get'>;
}

/** Which attempt of which delivery this is. */
export interface ZendeskAttempt {
  /** The delivery's webhook-id: the Idempotency-Key of the ticket's creation and the tag of an applied update. */
  readonly webhookId: string;
  /** 1-based (the queue's receive count). */
  readonly attempt: number;
  /** Put back on the queue by `closeloop integrations replay` (its receive count starts again at 1). */
  readonly replayed: boolean;
}

/** From this attempt on, an update whose case has no ticket opens one (before it, the opening gets time to arrive). */
export const LATE_TICKET_ATTEMPT = 3;

const rejected = (described: string): AttemptOutcome => ({ verdict: 'rejected', described });
const delivered = (described: string): AttemptOutcome => ({ verdict: 'delivered', described });
const succeeded = (answer: HttpAnswer): answer is Extract<HttpAnswer, { status: number }> => 'status' in answer && answer.status >= 200 && answer.status < 300;

/**
 * One attempt to bring a case event to Zendesk. FollowUpOpened creates the case's ticket
 * (`external_id` = the case id, `Idempotency-Key` = the webhook-id). Zendesk keeps idempotency keys
 * only for hours while the retry window is a day, so every retry and every replay first looks the
 * ticket up by external_id and creates none when one exists: a retried or replayed opening never
 * opens a second ticket. FollowUpEscalated and FollowUpResolved add a private comment to the
 * case's ticket (raising its priority, or solving it), found the same way; the update carries the
 * delivery's tag, so a retry or a replay that finds the tag adds nothing twice. A case with no
 * ticket yet gets one, with the update in it — from the third attempt on when the integration
 * also takes FollowUpOpened, so an opening still in flight is not raced to a second ticket.
 */
export async function deliverToZendesk(integration: Integration, event: DeliverableEvent, at: ZendeskAttempt, deps: ZendeskDeps): Promise<AttemptOutcome> {
  const type = event['detail-type'];
  const caseId = event.detail.caseId;
  if (typeof caseId !== 'string' || !caseId || !(ZENDESK_EVENT_TYPES as readonly string[]).includes(type)) {
    return rejected(`zendesk opens and updates tickets for cases only (${ZENDESK_EVENT_TYPES.join(', ')}), not ${type}`);
  }
  let credentials: ZendeskCredentials;
  try {
    credentials = zendeskCredentials(await deps.secrets.read(integration.secret));
  } catch (error) {
    if (error instanceof InvalidZendeskSecretError) return rejected(`the secret "${integration.secret}": ${error.message}`);
    throw error;
  }
  const base = integration.url as string;
  const read = { authorization: credentials.authorization, accept: 'application/json' };
  const write = { ...read, 'content-type': 'application/json' };
  const detail = detailFor(integration, type, event.detail);

  const create = async (): Promise<AttemptOutcome> => {
    const record = await deps.cases.get(caseId);
    const extras: TicketExtras | undefined = record && {
      comment: record.message.comment,
      topics: record.message.topics,
      ...(integration.includePersonalData ? { customer: record.message.customer } : {}),
    };
    // A late ticket (opened by an escalation or a resolution) still shows the case's deadlines.
    const described = record ? { acknowledgeBy: record.message.acknowledgeBy, dueAt: record.message.dueAt, ...detail } : detail;
    const body = newTicket(type, described, {
      includeComment: integration.includeComment,
      includePersonalData: integration.includePersonalData,
      webhookId: at.webhookId,
      ...(extras ? { extras } : {}),
      ...(type === 'FollowUpResolved' ? { assignTo: credentials.agentEmail } : {}),
    });
    const answer = await deps.http.request('POST', ticketsUrl(base), { ...write, 'idempotency-key': at.webhookId }, JSON.stringify(body));
    if (!succeeded(answer)) return outcomeOf(answer, 'ticket creation');
    const id = createdTicketId(answer.body);
    return delivered(`HTTP ${answer.status}: ticket ${id === undefined ? '' : `#${id} `}opened for the case`);
  };

  if (type === 'FollowUpOpened' && at.attempt === 1 && !at.replayed) return create();

  const lookup = await deps.http.request('GET', ticketLookupUrl(base, caseId), read);
  if (!succeeded(lookup)) return outcomeOf(lookup, 'ticket lookup');
  let ticket: ReturnType<typeof foundTickets>[number] | undefined;
  try {
    [ticket] = foundTickets(lookup.body);
  } catch (error) {
    if (error instanceof UnexpectedZendeskAnswerError) return rejected(`HTTP ${lookup.status}: ${error.message} (is ${base} a Zendesk account?)`);
    throw error;
  }
  if (!ticket && type !== 'FollowUpOpened' && at.attempt < LATE_TICKET_ATTEMPT && !at.replayed && integration.on.includes('FollowUpOpened')) {
    // The case's opening may be in flight this very moment (an SLA compressed in the sandbox): creating here could race it to a second ticket.
    return { verdict: 'retry', described: 'no ticket for the case yet (its opening may be on its way): looking again', retryAfterSeconds: 5 };
  }
  if (!ticket) return create();
  if (type === 'FollowUpOpened') return delivered(`ticket #${ticket.id} already open for the case (found by external_id): none created`);
  if (ticket.tags.includes(deliveryTag(at.webhookId))) return delivered(`ticket #${ticket.id} already has this update: none added`);
  if (ticket.status === 'closed') return rejected(`ticket #${ticket.id} is closed: Zendesk takes no more updates to it`);
  const update = ticketUpdate(type, detail, {
    webhookId: at.webhookId,
    ...(type === 'FollowUpResolved' && ticket.assigneeId === null ? { assignTo: credentials.agentEmail } : {}),
  });
  const answer = await deps.http.request('PUT', ticketUrl(base, ticket.id), write, JSON.stringify(update));
  if (!succeeded(answer)) return outcomeOf(answer, `update of ticket #${ticket.id}`);
  return delivered(`HTTP ${answer.status}: ticket #${ticket.id} ${type === 'FollowUpResolved' ? 'solved' : 'escalated'}`);
}
