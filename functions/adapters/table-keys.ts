import { createHash } from 'node:crypto';
import { isEmailRecipient } from '../domain/digest.js';

/**
 * The single survey table's map: every item family's key shape, in one place. Personal data never
 * appears in a key: contacts and email recipients are hashed. The index keys are in
 * functions/config/resources.ts (`surveyTable`), which the construct and the sandbox read.
 */

/** An address never appears in a key (nor anywhere in the item): it is hashed. An integration is named by its id. */
export const recipientKey = (recipient: string) =>
  isEmailRecipient(recipient) ? `email:${createHash('sha256').update(recipient.trim().toLowerCase()).digest('hex').slice(0, 32)}` : `integration:${recipient}`;

/**
 * The partition-key prefix of each item family a stage's grant may be limited to (its manifest's
 * `leadingKeys`, IAM's `dynamodb:LeadingKeys`): one place, read by the key builders below and the
 * construct.
 */
export const KEY_FAMILIES = {
  invitation: 'INV#',
  contact: 'CONTACT#',
  case: 'CASE#',
  notification: 'NOTIFY#',
  unsubscribeLink: 'UNSUB#',
  hookReceipt: 'HOOK#',
  delivery: 'DELIVERY#',
  /** A program's day buckets and its list of segments: what reports read. */
  dayBucket: 'AGG#',
  segments: 'SEGMENTS#',
} as const;
export type KeyFamily = keyof typeof KEY_FAMILIES;

const PREFIX = { ...KEY_FAMILIES, rest: 'REST#', day: 'DAY#' } as const;

export const keys = {
  invitation: (tokenHash: string) => ({ pk: `${PREFIX.invitation}${tokenHash}`, sk: 'INVITATION' }),
  claim: (programId: string, eventId: string) => ({ pk: `DISPATCH#${programId}#${eventId}`, sk: 'CLAIM' }),
  /** A contact's rest period in a scope (a program, or `all`, which carries the suppression flag). */
  rest: (contactKey: string, scope: string) => ({ pk: `${PREFIX.contact}${contactKey}`, sk: `${PREFIX.rest}${scope}` }),
  suppression: (contactKey: string) => ({ pk: `${PREFIX.contact}${contactKey}`, sk: 'SUPPRESSED' }),
  cancel: (cancelKey: string) => ({ pk: `CANCEL#${cancelKey}`, sk: 'CANCEL' }),
  /** A follow-up case (domain/follow-up-case.ts). */
  case: (caseId: string) => ({ pk: `${PREFIX.case}${caseId}`, sk: 'CASE' }),
  /** The outbox item of a respondent notification: one per case and slot (a kind, or `reply#<id>`: domain/notification.ts outboxSlot). */
  notification: (caseId: string, slot: string) => ({ pk: `${PREFIX.notification}${caseId}#${slot}`, sk: 'NOTIFY' }),
  /** What a notification's unsubscribe link names (by the SHA-256 of its token): the contact to suppress. */
  unsubscribeLink: (linkKey: string) => ({ pk: `${PREFIX.unsubscribeLink}${linkKey}`, sk: 'UNSUBSCRIBE' }),
  /** One person's record of one announcement (functions/announce/): at most one email per announcement id and contact. */
  announcement: (announcementId: string, contactKey: string) => ({ pk: `ANNOUNCE#${announcementId}#${contactKey}`, sk: 'ANNOUNCE' }),
  /** One delivery of the log (functions/deliver/): by integration, then event time and webhook-id, so a replay since a moment is one Query. */
  delivery: (integrationId: string, eventTime: string, webhookId: string) => ({
    pk: keys.deliveries(integrationId),
    sk: `${new Date(eventTime).toISOString()}#${webhookId}`,
  }),
  /** The partition of an integration's delivery log. */
  deliveries: (integrationId: string) => `${PREFIX.delivery}${integrationId}`,
  /** A day bucket of a program's counters in a segment, sharded. */
  dayBucket: (programId: string, segment: string, shard: number, day: string) => ({
    pk: `${PREFIX.dayBucket}${programId}#${segment}#${shard}`,
    sk: keys.day(day),
  }),
  /** The sort key of a day bucket (ranges of days are Queries between two). */
  day: (day: string) => `${PREFIX.day}${day}`,
  /** The once-only marker of a change counted into the buckets. */
  applied: (changeId: string) => ({ pk: `APPLIED#${changeId}`, sk: 'APPLIED' }),
  /** The segments a program has counters in. */
  segments: (programId: string) => ({ pk: `${PREFIX.segments}${programId}`, sk: 'SEGMENTS' }),
  /** A program's rolling-score alert state in a segment. */
  alert: (programId: string, segment: string) => ({ pk: `ALERT#${programId}#${segment}`, sk: 'ALERT' }),
  /** An accepted inbound hook's webhook-id (replay guard). */
  hookReceipt: (integrationId: string, webhookId: string) => ({ pk: `${PREFIX.hookReceipt}${integrationId}#${webhookId}`, sk: 'RECEIPT' }),
  /** A digest's sent record for one week and recipient. */
  digestSend: (digestId: string, week: string, recipient: string) => ({ pk: `DIGEST#${digestId}#${week}`, sk: `TO#${recipientKey(recipient)}` }),
  /** The marker of a finished data migration (docs/upgrading.md). */
  migration: (name: string) => ({ pk: `MIGRATION#${name}`, sk: 'MIGRATION' }) as const,
};

/** The beginning of every rest period's sort key. */
export const REST_PREFIX = PREFIX.rest;

function idAfter(prefix: string, pk: unknown): string {
  const key = String(pk);
  if (!key.startsWith(prefix)) throw new Error(`table key ${key} is not a ${prefix} key`);
  return key.slice(prefix.length);
}

/** The id a partition key names, by its family: the inverse of `keys`. */
export const idOf = {
  invitation: (pk: unknown) => idAfter(PREFIX.invitation, pk),
  contact: (pk: unknown) => idAfter(PREFIX.contact, pk),
  case: (pk: unknown) => idAfter(PREFIX.case, pk),
};

/** Whether a partition key is an invitation's. */
export const isInvitationKey = (pk: unknown) => String(pk).startsWith(PREFIX.invitation);
