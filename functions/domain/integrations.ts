import { createHash } from 'node:crypto';
import type { IntegrationEvent } from './integration-events.js';

/** The kinds of integration Closeloop delivers to. */
export const INTEGRATION_KINDS = ['webhook', 'slack', 'zendesk'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];
export type IntegrationEventType = IntegrationEvent['detailType'];

/** One place Closeloop's own events go: declared in the catalog (`integrations:`). */
export interface Integration {
  /** Kebab-case, unique: names the queue, the delivery log partition and the replay route. */
  readonly id: string;
  readonly kind: IntegrationKind;
  /** webhook: where the signed JSON is POSTed; zendesk: the account's address (https; http only on loopback, for the sandbox). Slack keeps its URL in the secret. */
  readonly url?: string;
  /** The Secrets Manager secret's name: the `whsec_…` signing secret (webhook), the incoming-webhook URL (slack) or `<agent email>/token:<api token>` (zendesk). */
  readonly secret: string;
  /** The detail-types delivered. */
  readonly on: readonly IntegrationEventType[];
  /** Name, email address and customer id go out (and the delivery log keeps them until erased). Default false. */
  readonly includePersonalData: boolean;
  /** Slack and Zendesk show the respondent's comment. Default true. */
  readonly includeComment: boolean;
  /** Keys of the event's `context` it receives (case events and recovery requests carry one). Default none. */
  readonly shareContext: readonly string[];
  /** webhook only: a helpdesk may move cases through `POST /hooks/{id}` (functions/hooks/), within this access. Absent or false: off. */
  readonly inbound?: false | InboundAccess;
}

/** What an integration's inbound hook may do, and the secret its requests are signed with. */
export interface InboundAccess {
  /** The Secrets Manager secret the helpdesk signs with: never an integration's delivery `secret`. */
  readonly secret: string;
  /** The follow-up queues whose cases it may move (where a case opened, or a rung it has reached). */
  readonly queues: readonly string[];
  /** It may resolve with a public reply, emailed to the respondent. Default false. */
  readonly reply?: boolean;
  /** zendesk: the root cause of a solved ticket whose field holds none of the catalog's `rootCauses` (required there). */
  readonly defaultRootCause?: string;
  /** zendesk: the id of the ticket field whose value names the root cause (the trigger's body sends it). */
  readonly rootCauseField?: string;
}

/** An event as EventBridge hands it to a target (the body of an integration queue's message). */
export interface DeliverableEvent {
  readonly id?: string;
  readonly 'detail-type': string;
  readonly source: string;
  /** RFC 3339. */
  readonly time: string;
  readonly detail: Readonly<Record<string, unknown>>;
  /** Set by `closeloop integrations replay` (RFC 3339): the delivery is a replay, whatever its receive count. */
  readonly replayedAt?: string;
}

/** Keys that name or reach a person; removed at any depth unless the integration opts in. */
const PERSONAL_KEYS = new Set(['customerId', 'customer', 'reply', 'email', 'emailAddress', 'name', 'firstName', 'lastName', 'address', 'phone']);

/** The value without personal fields (at any depth). Idempotent. */
export function withoutPersonalData<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => withoutPersonalData(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !PERSONAL_KEYS.has(key))
      .map(([key, inner]) => [key, withoutPersonalData(inner)]),
  ) as T;
}

const CASE_FIELDS = ['version', 'caseId', 'programId', 'rule', 'queue', 'ownerTeam', 'score', 'classification'] as const;
const THRESHOLD_FIELDS = ['version', 'programId', 'segment', 'kind', 'threshold', 'windowDays', 'responses', 'score', 'lower', 'upper', 'at'] as const;

/**
 * What an integration receives of each event's detail, by name: the fields the integration-event
 * schemas (integration-event-schemas.ts) name for the type, minus `customerId`, `customer` and
 * `context` (a unit test holds the two together). An allow-list: a field a producer adds, or a
 * member of the producer's free-form context, never reaches a receiver by default. Plain data, so
 * the deliver bundle does not carry the zod schemas.
 */
export const DELIVERED_FIELDS: Readonly<Record<IntegrationEventType, readonly string[]>> = {
  SurveySent: ['version', 'programId', 'eventId', 'surveyId', 'kind', 'locale', 'sentAt'],
  SurveySkipped: ['version', 'programId', 'eventId', 'reason', 'at'],
  SurveyResponded: ['version', 'programId', 'eventId', 'surveyId', 'kind', 'score', 'classification', 'topics', 'revision', 'changed', 'respondedAt'],
  FollowUpOpened: [...CASE_FIELDS, 'acknowledgeBy', 'dueAt'],
  FollowUpEscalated: [...CASE_FIELDS, 'escalation'],
  FollowUpResolved: [...CASE_FIELDS, 'rootCause', 'resolvedAt', 'escalations'],
  FollowUpCustomerReplied: [...CASE_FIELDS, 'status', 'messageId', 'repliedAt'],
  RecoverySurveyRequested: ['eventId', 'occurredAt'],
  ThresholdBreached: THRESHOLD_FIELDS,
  ThresholdRecovered: THRESHOLD_FIELDS,
  EventRejected: ['version', 'source', 'detailType', 'eventId', 'reason', 'rejectedAt'],
};

/** The fields `includePersonalData: true` adds (`reply`: a customer's email reply, which deliver reads from the case). */
export const PERSONAL_FIELDS = ['customerId', 'customer', 'reply'] as const;
/** A recovery request's context as every integration receives it: which case and program asked. */
export const RECOVERY_CONTEXT = ['caseId', 'programId'] as const;

function pick(from: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof from !== 'object' || from === null) return {};
  const source = from as Record<string, unknown>;
  return Object.fromEntries(keys.filter((key) => Object.hasOwn(source, key) && source[key] !== undefined).map((key) => [key, source[key]]));
}

/**
 * What an integration receives of an event's detail (the body it is sent, the delivery log's copy,
 * the dead-letter message): the type's DELIVERED_FIELDS; with `includePersonalData`, the customer
 * fields; the context keys `shareContext` names (and, for a recovery request, its case and program).
 * Filtered here, in deliver, never on the bus event. Idempotent: a replay of the log's copy gets the same.
 */
export function detailFor(
  integration: Pick<Integration, 'includePersonalData' | 'shareContext'>,
  detailType: string,
  detail: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const fields = DELIVERED_FIELDS[detailType as IntegrationEventType] ?? [];
  const context = {
    ...(detailType === 'RecoverySurveyRequested' ? pick(detail.context, RECOVERY_CONTEXT) : {}),
    ...pick(detail.context, integration.shareContext),
  };
  return {
    ...pick(detail, fields),
    ...(integration.includePersonalData ? pick(detail, PERSONAL_FIELDS) : {}),
    ...(Object.keys(context).length ? { context } : {}),
  };
}

/** The delivery carries something of a person: the customer fields, or context the integration asked for. */
export function carriesPersonalData(integration: Pick<Integration, 'includePersonalData' | 'shareContext'>): boolean {
  return integration.includePersonalData || integration.shareContext.length > 0;
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/**
 * What one delivery is about, stable across retries and replays: the case and its rung, or the
 * survey and its revision, or the program, segment and moment of an alert; else the detail itself
 * (without personal fields, so an opted-in integration's id is the same as any other's).
 */
export function deliverySubject(detailType: string, detail: Readonly<Record<string, unknown>>): string {
  const escalation = detail.escalation as { rung?: unknown } | undefined;
  if (detail.caseId !== undefined) return `case:${text(detail.caseId)}#${text(escalation?.rung ?? 0)}`;
  if (detail.surveyId !== undefined) return `survey:${text(detail.surveyId)}#${text(detail.revision ?? '')}`;
  if (detailType.startsWith('Threshold')) return `program:${text(detail.programId)}/${text(detail.segment)}@${text(detail.at)}`;
  if (detail.eventId !== undefined) return `event:${text(detail.programId)}/${text(detail.eventId)}`;
  return `detail:${createHash('sha256')
    .update(JSON.stringify(withoutPersonalData(detail)))
    .digest('base64url')}`;
}

/**
 * The Standard Webhooks `webhook-id`: `msg_` + a hash of the integration, the detail-type and the
 * subject (case and escalation rung, program and segment, …). A retry or a replay carries the same
 * id, so a receiver de-duplicates on it.
 */
export function webhookId(integrationId: string, detailType: string, detail: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256')
    .update(`${integrationId}\u0000${detailType}\u0000${deliverySubject(detailType, detail)}`)
    .digest('hex');
  return `msg_${hash.slice(0, 32)}`;
}
