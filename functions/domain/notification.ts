import type { Customer } from './event.js';
import type { FollowUpCase, FollowUpCaseRecord } from './follow-up-case.js';
import type { Invitation, InvitationCustomer } from './invitation.js';
import type { FollowUpRule, SurveyProgram } from './program.js';
import { surveyKind } from './survey-kinds.js';

/**
 * Emails to a respondent about their case (docs/notifications.md): the acknowledgement when it
 * opens, the team's public reply when it is resolved with one. Each is an outbox item written in the
 * same transaction as the case change that causes it, at most one per case and kind, and sent by the
 * notify stage. They are not surveys: no rest period is taken, and eNPS respondents are never
 * written to (their answers are anonymous).
 */
export type NotificationKind = 'acknowledgement' | 'resolution' | 'reply' | 'assignee';

/** `assignee`: not to the respondent but to the case's assignee (an address): the customer wrote back (functions/inbound). */
export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['acknowledgement', 'resolution', 'reply', 'assignee'];

/** One email owed to a respondent: the outbox item's content. */
export interface Notification {
  readonly caseId: string;
  readonly kind: NotificationKind;
  readonly programId: string;
  /** The respondent's hashed address: suppression is checked on it at send time, and `closeloop erase` finds the item by it. */
  readonly contactKey: string;
  /** The invitation's resolved language: the bundle the email is written from. */
  readonly locale: string;
  readonly to: Pick<Customer, 'email'> & Partial<Pick<Customer, 'name' | 'timeZone'>>;
  /** acknowledgement: ISO 8601, by when they will be contacted (the rule's acknowledge deadline, else the case's due time). */
  readonly deadline?: string;
  /** acknowledgement: who will contact them, in their language (the rule's `contactedBy`); else the bundle's wording. */
  readonly team?: string;
  /** resolution, reply: the team's public words; assignee: the customer's (forgotten once sent). */
  readonly reply?: string;
  /** reply, assignee: which of the case's replies (any number per case, each its own outbox item). */
  readonly replyId?: string;
  /** assignee: who wrote back (the customer's address; forgotten once sent). */
  readonly customerFrom?: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** Epoch seconds: the outbox item is deleted then (DynamoDB TTL), sent or not. */
  readonly expiresAt: number;
}

/**
 * The outbox item's place among the case's notifications: one per kind, but a reply per reply
 * (`NOTIFY#<caseId>#reply#<replyId>`), so each is sent exactly once.
 */
export const outboxSlot = (notification: Pick<Notification, 'kind' | 'replyId'>): string =>
  notification.kind === 'reply' || notification.kind === 'assignee' ? `${notification.kind}#${notification.replyId ?? ''}` : notification.kind;

/** An assignee the case can email: an address (an assignee may also be a name or a team, as a helpdesk names them). */
export const isEmailAddress = (value: string | undefined): value is string =>
  value !== undefined && /^[^\s@<>()"',;]+@[^\s@<>()"',;]+\.[^\s@<>()"',;]+$/.test(value);

/**
 * The email that tells a case's assignee (when an address) that the customer wrote back: written
 * with the reply, in its transaction, and sent once by the notify stage. Suppression is checked on
 * the assignee's address (its hash, `contactKey`): an assignee whose address bounced gets none.
 */
export function assigneeNoticeFor(
  record: FollowUpCaseRecord,
  reply: { readonly replyId: string; readonly from: string; readonly text: string },
  contactKeyOf: (address: string) => string,
  at: Date,
): Notification | undefined {
  const to = record.assignee;
  if (!isEmailAddress(to)) return undefined;
  return {
    caseId: record.message.caseId,
    kind: 'assignee',
    replyId: reply.replyId,
    programId: record.message.programId,
    contactKey: contactKeyOf(to),
    locale: 'en',
    to: { email: to },
    reply: reply.text,
    customerFrom: reply.from,
    createdAt: at.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + OUTBOX_DAYS * 86_400,
  };
}

/** Why the team cannot write to a case's respondent (undefined: it can): the rules of the resolution email. */
export function replyRefusal(record: FollowUpCaseRecord): string | undefined {
  if (surveyKind(record.message.kind).anonymous) return 'an eNPS respondent is anonymous: no one can write to them';
  if (record.erasedAt || !record.contactKey) return "the customer's data was erased: nothing can be sent to them";
  if (!recipient(record.message.customer)) return 'the case holds no address to write to';
  return undefined;
}

/**
 * A reply the team writes to the respondent from the workspace (any number per case): in their
 * language (the one the case keeps for its resolution email, else the customer's, else English).
 */
export function replyFor(record: FollowUpCaseRecord, replyId: string, text: string, at: Date): Notification {
  const refused = replyRefusal(record);
  const to = recipient(record.message.customer);
  if (refused || !to || !record.contactKey) throw new Error(refused ?? 'no recipient');
  return {
    caseId: record.message.caseId,
    kind: 'reply',
    replyId,
    programId: record.message.programId,
    contactKey: record.contactKey,
    locale: record.notifyOnResolve?.locale ?? record.message.customer.locale ?? 'en',
    to,
    reply: text.trim(),
    createdAt: at.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + OUTBOX_DAYS * 86_400,
  };
}

/** How long an outbox item is kept: the stream retries a record for a day at most; a week leaves room to inspect one. */
export const OUTBOX_DAYS = 7;

/** The rule's notice, unless the program is eNPS (anonymity wins over any configuration). */
function noticeOf(program: SurveyProgram, rule: FollowUpRule) {
  return surveyKind(program.kind).anonymous ? undefined : rule.notifyRespondent;
}

/** Where a notification goes: undefined when the invitation no longer holds an address (it forgot the respondent). */
const recipient = (customer: InvitationCustomer): Notification['to'] | undefined =>
  customer.email === undefined
    ? undefined
    : {
        email: customer.email,
        ...(customer.name ? { name: customer.name } : {}),
        ...(customer.timeZone ? { timeZone: customer.timeZone } : {}),
      };

/** The team's wording for the respondent's language: exact tag, then its language ("pt-br" → "pt"). */
function wordingFor(byLocale: Partial<Record<string, string>> | undefined, locale: string): string | undefined {
  return byLocale?.[locale] ?? byLocale?.[locale.split('-')[0] ?? ''];
}

/**
 * The acknowledgement a newly opened case owes its respondent, if its rule says `onOpen` (never on
 * eNPS). `at` is the opening time.
 */
export function acknowledgementFor(
  program: SurveyProgram,
  rule: FollowUpRule,
  invitation: Invitation,
  message: FollowUpCase,
  at: Date,
): Notification | undefined {
  const notice = noticeOf(program, rule);
  const to = recipient(invitation.customer);
  if (!notice?.onOpen || !to) return undefined;
  const team = wordingFor(notice.contactedBy, invitation.locale);
  return {
    caseId: message.caseId,
    kind: 'acknowledgement',
    programId: program.id,
    contactKey: invitation.contactKey,
    locale: invitation.locale,
    to,
    deadline: message.acknowledgeBy ?? message.dueAt,
    ...(team ? { team } : {}),
    createdAt: at.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + OUTBOX_DAYS * 86_400,
  };
}

/** What a case remembers at opening so that its resolution can write to the respondent: the language (undefined: no resolution email). */
export function resolutionNoticeFor(program: SurveyProgram, rule: FollowUpRule, invitation: Invitation): FollowUpCaseRecord['notifyOnResolve'] {
  return noticeOf(program, rule)?.onResolve ? { locale: invitation.locale } : undefined;
}

/**
 * The resolution email a just-resolved case owes: only when its rule asked for it at opening, the
 * team gave a public reply, and the respondent was not erased. The internal note is never part of it.
 */
export function resolutionFor(resolved: FollowUpCaseRecord, at: Date): Notification | undefined {
  const { notifyOnResolve, reply, contactKey, message } = resolved;
  const to = recipient(message.customer);
  if (!notifyOnResolve || !reply?.trim() || !contactKey || resolved.erasedAt || surveyKind(message.kind).anonymous || !to) return undefined;
  return {
    caseId: message.caseId,
    kind: 'resolution',
    programId: message.programId,
    contactKey,
    locale: notifyOnResolve.locale,
    to,
    reply: reply.trim(),
    createdAt: at.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + OUTBOX_DAYS * 86_400,
  };
}

/**
 * A deadline as the respondent reads it: day, month and time in their language and time zone (UTC
 * when the event gave none), with the zone named so it is never ambiguous.
 */
export function formatDeadline(iso: string, locale: string, timeZone?: string): string {
  const date = new Date(iso);
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: timeZone ?? 'UTC' }).format(date);
  } catch {
    // An unknown time zone (the event contract checks it, older records may not): UTC rather than no email.
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).format(date);
  }
}
