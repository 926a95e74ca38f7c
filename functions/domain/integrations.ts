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
const PERSONAL_KEYS = new Set(['customerId', 'customer', 'email', 'emailAddress', 'name', 'firstName', 'lastName', 'address', 'phone']);

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

/** What an integration may see of an event's detail. */
export function detailFor(integration: Pick<Integration, 'includePersonalData'>, detail: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return integration.includePersonalData ? { ...detail } : withoutPersonalData({ ...detail });
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
