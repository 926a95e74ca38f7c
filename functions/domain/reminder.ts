import { type Invitation, isExpired } from './invitation.js';
import { isSampledIn, nextSendTime, type QuietHours } from './policies.js';

/**
 * A program's one reminder (catalog `reminder`, docs/operations.md "One reminder"): the same link,
 * sent once more to a person who has not answered `after` the survey email. No AWS, no clock.
 */
export interface ReminderPolicy {
  /** Seconds after the survey email (from the ISO 8601 `after`). */
  readonly afterSeconds: number;
  /** Share of contacts (0 ≤ share ≤ 0.5) held out as a control group that is never reminded. */
  readonly holdout: number;
}

/** At most this share of contacts may be held out (the reminder would otherwise reach the minority). */
export const MAX_REMINDER_HOLDOUT = 0.5;

/**
 * Whether the contact is in the program's control group: the deterministic sampling of
 * policies.ts under a name of its own, so it is independent of the program's `sampleRate` and the
 * same for every survey of that contact.
 */
export function isHeldOut(programId: string, contactKey: string, holdout: number): boolean {
  return holdout > 0 && isSampledIn(`${programId}\u0000reminder-holdout`, contactKey, holdout);
}

/** What sending a survey decides about its reminder. */
export type ReminderDecision = { readonly plan: 'scheduled'; readonly at: Date } | { readonly plan: 'held-out' };

/**
 * The reminder of a survey sent at `sentAt`: held out, or due `after` it (moved to the end of the
 * recipient's quiet hours). None without a policy, or when that time is not before the link expires.
 */
export function planReminder(
  policy: ReminderPolicy | undefined,
  invitation: Pick<Invitation, 'programId' | 'contactKey' | 'expiresAt' | 'customer'>,
  sentAt: Date,
  quietHours: QuietHours,
): ReminderDecision | undefined {
  if (!policy) return undefined;
  if (isHeldOut(invitation.programId, invitation.contactKey, policy.holdout)) return { plan: 'held-out' };
  const at = nextSendTime(new Date(sentAt.getTime() + policy.afterSeconds * 1000), invitation.customer.timeZone, quietHours);
  return at.getTime() < invitation.expiresAt * 1000 ? { plan: 'scheduled', at } : undefined;
}

/** Why a due reminder is not sent. */
export type ReminderSkipReason =
  /** The invitation is gone: erased, rejected by the mail service, or released after a failed send. */
  | 'gone'
  | 'answered'
  | 'expired'
  | 'held-out'
  /** The program has no reminder (any more), is disabled or was removed from the catalog. */
  | 'not-planned'
  | 'reminded'
  | 'suppressed'
  | 'cancelled'
  /** The mail service refused the address for good: the contact is suppressed. */
  | 'rejected';

/**
 * What the invitation as read says about its due reminder: undefined when it may go out. The write
 * that claims it checks the same conditions again, atomically with the suppression check.
 */
export function reminderBlocked(invitation: Invitation | undefined, now: Date): ReminderSkipReason | undefined {
  if (!invitation) return 'gone';
  if (invitation.response) return 'answered';
  if (isExpired(invitation, now)) return 'expired';
  if (invitation.reminder?.plan === 'held-out') return 'held-out';
  if (invitation.reminder?.plan !== 'scheduled') return 'not-planned';
  if (invitation.reminder.sentAt) return 'reminded';
  return undefined;
}

/**
 * The message a reminder's schedule puts on the dispatch buffer. It names the invitation and
 * carries its link token (the reminder sends the same link), never an address or a name: the rest
 * is read from the invitation when it fires, so an erasure leaves nothing behind in the schedule.
 */
export interface ReminderMessage {
  readonly programId: string;
  readonly tokenHash: string;
  readonly token: string;
  /** ISO 8601: when it was due. */
  readonly at: string;
}

const ENVELOPE_KEY = 'closeloopReminder';

export function reminderEnvelope(message: ReminderMessage): Record<string, unknown> {
  return { [ENVELOPE_KEY]: { version: 1, ...message } };
}

/** A buffer message that is a reminder's: its fields, or why they are unusable; undefined for any other message. */
export function parseReminderEnvelope(raw: unknown): { ok: true; value: ReminderMessage } | { ok: false; reason: string } | undefined {
  if (typeof raw !== 'object' || raw === null || !(ENVELOPE_KEY in raw)) return undefined;
  const body = (raw as Record<string, unknown>)[ENVELOPE_KEY];
  if (typeof body !== 'object' || body === null) return { ok: false, reason: `${ENVELOPE_KEY}: not an object` };
  const fields = body as Record<string, unknown>;
  if (fields.version !== 1) return { ok: false, reason: `${ENVELOPE_KEY}.version: ${JSON.stringify(fields.version)} is not 1` };
  for (const key of ['programId', 'tokenHash', 'token', 'at'] as const) {
    if (typeof fields[key] !== 'string' || !fields[key]) return { ok: false, reason: `${ENVELOPE_KEY}.${key}: a non-empty string is required` };
  }
  if (Number.isNaN(Date.parse(fields.at as string))) return { ok: false, reason: `${ENVELOPE_KEY}.at: "${fields.at}" is not a date` };
  const text = (key: 'programId' | 'tokenHash' | 'token' | 'at') => String(fields[key]);
  return { ok: true, value: { programId: text('programId'), tokenHash: text('tokenHash'), token: text('token'), at: text('at') } };
}

const SCHEDULE_PREFIX = 'closeloop-reminder-';

/**
 * The reminder's schedule, named after the invitation (62 characters, within Scheduler's 64): a
 * second attempt to create it (a redelivered send) finds it there. A reminder that fires late into
 * quiet hours is put off to the morning under a name that also carries the new time.
 */
export function reminderScheduleName(tokenHash: string, deferredTo?: Date): string {
  return deferredTo ? `${SCHEDULE_PREFIX}${tokenHash.slice(0, 30)}-${Math.floor(deferredTo.getTime() / 1000).toString(36)}` : `${SCHEDULE_PREFIX}${tokenHash}`;
}

/**
 * Day-bucket counters (measure stage) for the comparison in reports: surveys sent and first answers
 * in the reminder group and in the held-out control group, reminders sent, and answers given after one.
 */
export const REMINDER_COUNTERS = {
  reminderGroupSent: 'reminderGroupSent',
  reminderGroupResponses: 'reminderGroupResponses',
  holdoutGroupSent: 'holdoutGroupSent',
  holdoutGroupResponses: 'holdoutGroupResponses',
  remindersSent: 'remindersSent',
  respondedAfterReminder: 'respondedAfterReminder',
} as const;

/** Counted when the invitation is stored (its survey sent). */
export function reminderSentCounters(invitation: Pick<Invitation, 'reminder'>): Record<string, number> {
  const plan = invitation.reminder?.plan;
  if (plan === 'scheduled') return { [REMINDER_COUNTERS.reminderGroupSent]: 1 };
  if (plan === 'held-out') return { [REMINDER_COUNTERS.holdoutGroupSent]: 1 };
  return {};
}

/** Counted with an invitation's first answer. */
export function reminderResponseCounters(invitation: Pick<Invitation, 'reminder' | 'response'>): Record<string, number> {
  const plan = invitation.reminder?.plan;
  if (plan === 'held-out') return { [REMINDER_COUNTERS.holdoutGroupResponses]: 1 };
  if (plan !== 'scheduled') return {};
  const sentAt = invitation.reminder?.sentAt;
  const after = sentAt !== undefined && invitation.response !== undefined && invitation.response.respondedAt >= sentAt;
  return { [REMINDER_COUNTERS.reminderGroupResponses]: 1, ...(after ? { [REMINDER_COUNTERS.respondedAfterReminder]: 1 } : {}) };
}
