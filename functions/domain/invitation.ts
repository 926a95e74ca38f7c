import type { Customer } from './event.js';
import type { ResponseEvidence } from './evidence.js';
import type { Locale } from './messages.js';
import type { SurveyKind } from './survey-kinds.js';
import { surveyKind } from './survey-kinds.js';
import { cleanMultilineText } from './text.js';

/** A survey sent to one person for one event and program, found again by its token's hash. */
export interface Invitation {
  readonly tokenHash: string;
  readonly programId: string;
  readonly kind: SurveyKind;
  readonly eventId: string;
  /** The contact (hashed normalised email) that throttles and suppression apply to. */
  readonly contactKey: string;
  readonly locale: Locale;
  /** The event's customer; without address and name (and, on a skip, without id) once the invitation forgets the respondent. */
  readonly customer: InvitationCustomer;
  readonly context: Readonly<Record<string, unknown>>;
  /** ISO 8601. */
  readonly createdAt: string;
  /** Epoch seconds: the link stops working and DynamoDB's TTL removes the item. */
  readonly expiresAt: number;
  readonly response?: SurveyResponse;
  /** The program's one reminder (domain/reminder.ts): absent when the program has none. */
  readonly reminder?: InvitationReminder;
}

/** The customer as an invitation keeps them: anonymity and skips remove the address, the name and the id. */
export type InvitationCustomer = Omit<Customer, 'id' | 'email'> & Partial<Pick<Customer, 'id' | 'email'>>;

/** Whether this invitation gets a reminder, and whether it went out. */
export interface InvitationReminder {
  /** 'scheduled': due at a time; 'held-out': in the program's control group, never reminded. */
  readonly plan: 'scheduled' | 'held-out';
  /** ISO 8601: when the mail service accepted the reminder. */
  readonly sentAt?: string;
}

/** What a respondent answered, with the evidence kept for audit. */
export interface SurveyResponse {
  readonly score: number;
  readonly comment?: string;
  /** The answer to the program's optional second question. */
  readonly secondAnswer?: string;
  /** ISO 8601: when this answer (the first, or its latest change) was submitted. */
  readonly respondedAt: string;
  readonly userAgent?: string;
  /** Why this POST was taken for a person (see domain/evidence.ts). */
  readonly evidence?: ResponseEvidence;
  /** 1 for the first answer, +1 for each change within the answer window. */
  readonly revision?: number;
  /** Earlier answers, oldest first, when the respondent changed theirs. */
  readonly history?: readonly PreviousAnswer[];
}

export interface PreviousAnswer {
  readonly score: number;
  readonly comment?: string;
  readonly respondedAt: string;
}

export const MAX_COMMENT_LENGTH = 2000;

/**
 * An answer can be given and then changed within the answer window until it reaches this revision
 * (the first answer and four changes); beyond it the page thanks and nothing is written. Bounds
 * the item's history, and the measure transaction and event each change costs.
 */
export const MAX_REVISIONS = 5;

/**
 * eNPS is anonymous: once answered, its invitation keeps no address, no name and no customer id
 * (the hashed contact key stays, for rest periods, unsubscribe and erasure; the segment, for reports).
 */
export const forgetsRespondent = (invitation: Pick<Invitation, 'kind' | 'response' | 'customer'>): boolean =>
  surveyKind(invitation.kind).anonymous &&
  invitation.response !== undefined &&
  (invitation.customer.email !== undefined || invitation.customer.name !== undefined || invitation.customer.id !== undefined);

/** The invitation as kept after an anonymous answer: the customer without address, name and id. */
export function withoutRespondent(invitation: Invitation): Invitation {
  const { email: _email, name: _name, id: _id, ...customer } = invitation.customer;
  return { ...invitation, customer };
}

/**
 * A comment as stored: plain lines (cleanMultilineText: line breaks made LF, tabs spaces, control
 * and bidi characters removed), trimmed and cut to MAX_COMMENT_LENGTH code points. Empty becomes
 * undefined. It goes on to follow-up messages, Slack and Zendesk as it is.
 */
export function normaliseComment(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const cleaned = cleanMultilineText(raw);
  if (!cleaned) return undefined;
  return Array.from(cleaned).slice(0, MAX_COMMENT_LENGTH).join('');
}

export function isExpired(invitation: Pick<Invitation, 'expiresAt'>, now: Date): boolean {
  return invitation.expiresAt <= Math.floor(now.getTime() / 1000);
}
