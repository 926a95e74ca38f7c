import type { FollowUpCase, FollowUpCaseRecord } from './follow-up-case.js';
import type { Invitation } from './invitation.js';
import type { Classification } from './survey-kinds.js';
import { surveyKind } from './survey-kinds.js';

/** The `source` of every event Closeloop puts on the bus. */
export const INTEGRATION_SOURCE = 'closeloop';

/** An event for other systems (CRMs, chat tools, helpdesks) to subscribe to with ordinary rules. */
export interface IntegrationEvent {
  readonly detailType:
    | 'SurveySent'
    | 'SurveySkipped'
    | 'SurveyResponded'
    | 'FollowUpOpened'
    | 'FollowUpEscalated'
    | 'FollowUpResolved'
    | 'FollowUpCustomerReplied'
    | 'RecoverySurveyRequested'
    | 'ThresholdBreached'
    | 'ThresholdRecovered'
    | 'EventRejected';
  /** Carries ids, never email addresses or comments (RecoverySurveyRequested excepted: it is a survey trigger). */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Every detail-type Closeloop announces: what an integration's `on:` may name. */
export const INTEGRATION_EVENT_TYPES = [
  'SurveySent',
  'SurveySkipped',
  'SurveyResponded',
  'FollowUpOpened',
  'FollowUpEscalated',
  'FollowUpResolved',
  'FollowUpCustomerReplied',
  'RecoverySurveyRequested',
  'ThresholdBreached',
  'ThresholdRecovered',
  'EventRejected',
] as const satisfies readonly IntegrationEvent['detailType'][];
// A detail-type added to IntegrationEvent but not to the list above fails the type check here.
/**
 * The detail-types published when the catalog's `events.publish` is absent: every type but the two
 * put for each survey event (SurveySent, SurveySkipped), which would be the bus's biggest bill at
 * volume and which nothing in Closeloop reads, and FollowUpCustomerReplied (new in 0.2: published
 * only when asked for, so an upgrade puts no new event on anyone's bus). docs/integrations.md.
 */
export const DEFAULT_PUBLISHED_EVENTS: readonly (typeof INTEGRATION_EVENT_TYPES)[number][] = INTEGRATION_EVENT_TYPES.filter(
  (type) => type !== 'SurveySent' && type !== 'SurveySkipped' && type !== 'FollowUpCustomerReplied',
);

/** What goes on the bus: the catalog's `events.publish` (or the default), and every type an integration's `on:` names. */
export function publishedEventTypes(catalog: {
  readonly events?: { readonly publish: readonly string[] };
  readonly integrations?: readonly { readonly on: readonly string[] }[];
}): ReadonlySet<string> {
  return new Set([...(catalog.events?.publish ?? DEFAULT_PUBLISHED_EVENTS), ...(catalog.integrations ?? []).flatMap((integration) => integration.on)]);
}

const everyTypeListed: [Exclude<IntegrationEvent['detailType'], (typeof INTEGRATION_EVENT_TYPES)[number]>] extends [never] ? true : never = true;
void everyTypeListed;

export function surveySent(invitation: Invitation): IntegrationEvent {
  return {
    detailType: 'SurveySent',
    detail: {
      version: 1,
      programId: invitation.programId,
      eventId: invitation.eventId,
      surveyId: invitation.tokenHash,
      kind: invitation.kind,
      customerId: invitation.customer.id,
      locale: invitation.locale,
      sentAt: invitation.createdAt,
    },
  };
}

export function surveySkipped(skip: { programId: string; eventId: string; customerId: string; reason: string; at: string }): IntegrationEvent {
  return {
    detailType: 'SurveySkipped',
    detail: { version: 1, programId: skip.programId, eventId: skip.eventId, customerId: skip.customerId, reason: skip.reason, at: skip.at },
  };
}

/**
 * An eNPS answer goes out without anything that names or links to the person: no customer id, no
 * event or survey id (SurveySent carries both with the customer id), and only the day it was given.
 */
export function surveyResponded(
  invitation: Invitation & { response: { score: number; respondedAt: string; revision?: number } },
  classification: Classification,
  topics: readonly string[],
  changed: boolean,
): IntegrationEvent {
  const { anonymous } = surveyKind(invitation.kind);
  return {
    detailType: 'SurveyResponded',
    detail: {
      version: 1,
      programId: invitation.programId,
      ...(anonymous ? {} : { eventId: invitation.eventId, surveyId: invitation.tokenHash }),
      kind: invitation.kind,
      ...(anonymous ? {} : { customerId: invitation.customer.id }),
      score: invitation.response.score,
      classification,
      topics: [...topics],
      revision: invitation.response.revision ?? 1,
      changed,
      respondedAt: anonymous ? invitation.response.respondedAt.slice(0, 10) : invitation.response.respondedAt,
    },
  };
}

const caseDetail = (message: FollowUpCase) => ({
  version: 1,
  caseId: message.caseId,
  programId: message.programId,
  rule: message.rule,
  queue: message.queue,
  ownerTeam: message.ownerTeam,
  customerId: message.customer.id,
  score: message.score,
  classification: message.classification,
});

export function followUpOpened(message: FollowUpCase): IntegrationEvent {
  return { detailType: 'FollowUpOpened', detail: { ...caseDetail(message), acknowledgeBy: message.acknowledgeBy, dueAt: message.dueAt } };
}

export function followUpEscalated(message: FollowUpCase): IntegrationEvent {
  return { detailType: 'FollowUpEscalated', detail: { ...caseDetail(message), escalation: message.escalation } };
}

export function followUpResolved(record: FollowUpCaseRecord): IntegrationEvent {
  return {
    detailType: 'FollowUpResolved',
    detail: { ...caseDetail(record.message), rootCause: record.rootCause, resolvedAt: record.resolvedAt, escalations: record.rung },
  };
}

/**
 * A customer answered an email about their case (`inbound`). Ids only, as every event on the bus:
 * the reply's text and sender go to an integration with `includePersonalData`, read from the case by
 * the deliver stage. At least once: `messageId` (the reply's hashed Message-ID) tells a repeat apart.
 */
export function followUpCustomerReplied(record: FollowUpCaseRecord, reply: { readonly at: string; readonly messageId: string }): IntegrationEvent {
  return {
    detailType: 'FollowUpCustomerReplied',
    detail: { ...caseDetail(record.message), status: record.status, messageId: reply.messageId, repliedAt: reply.at },
  };
}

/**
 * The trigger of a recovery survey, in event contract v1 (it goes through dispatch like any business
 * event, so it carries the customer). The case id is its eventId: one recovery survey per case.
 */
export function recoverySurveyRequested(record: FollowUpCaseRecord): IntegrationEvent {
  const { message } = record;
  return {
    detailType: 'RecoverySurveyRequested',
    detail: {
      eventId: `recovery-${message.caseId}`,
      occurredAt: record.resolvedAt,
      customer: message.customer,
      context: { ...message.context, caseId: message.caseId, programId: message.programId },
    },
  };
}

/** The longest `source`, `detail-type` or `eventId` an EventRejected event repeats (contract v1's eventId bound). */
const MAX_ECHO = 256;
/** The longest reason an EventRejected event carries (a reason names fields, one per problem). */
export const MAX_REJECTION_REASON = 1000;

const echo = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= MAX_ECHO ? value : undefined);

/**
 * Tells the producer that its event broke the contract (it is kept on the dead-letter queue).
 * Only what identifies the event goes out — its `source`, `detail-type` and `eventId`, when they
 * are strings of at most 256 characters — and the reason, which names fields and what was expected,
 * never the values: nothing of the customer travels.
 */
export function eventRejected(body: string, reason: string, at: string): IntegrationEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    raw = undefined;
  }
  const envelope = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const detail = typeof envelope.detail === 'object' && envelope.detail !== null ? (envelope.detail as Record<string, unknown>) : {};
  const source = echo(envelope.source);
  const detailType = echo(envelope['detail-type']);
  const eventId = echo(detail.eventId);
  return {
    detailType: 'EventRejected',
    detail: {
      version: 1,
      ...(source ? { source } : {}),
      ...(detailType ? { detailType } : {}),
      ...(eventId ? { eventId } : {}),
      reason: reason.length > MAX_REJECTION_REASON ? `${reason.slice(0, MAX_REJECTION_REASON - 1)}…` : reason,
      rejectedAt: at,
    },
  };
}
