import { createHash } from 'node:crypto';
import type { Customer } from './event.js';
import type { Invitation, InvitationCustomer, SurveyResponse } from './invitation.js';
import type { FollowUpRule, SurveyProgram } from './program.js';
import type { Classification, SurveyKind } from './survey-kinds.js';

export type CaseStatus = 'open' | 'acknowledged' | 'escalated' | 'resolved';
/** Every status of a case still to be closed (what the inbox lists by default, what can be overdue). */
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = ['open', 'acknowledged', 'escalated'];

/** Follow-up message contract v1: the body of every message on a follow-up queue (zod: follow-up-message.ts; JSON Schema: schema/follow-up-message.schema.json). */
export interface FollowUpCase {
  readonly version: 1;
  /** Stable for one response and rule: consumers de-duplicate on it. */
  readonly caseId: string;
  readonly programId: string;
  readonly kind: SurveyKind;
  readonly score: number;
  readonly classification: Classification;
  readonly comment: string | null;
  /** The answer to the program's second question, if it has one and it was answered. */
  readonly secondAnswer: string | null;
  /** Topics found in the comment by the taxonomy (e.g. "delivery"). */
  readonly topics: readonly string[];
  readonly rule: string;
  readonly queue: string;
  readonly ownerTeam: string;
  readonly customer: Customer;
  readonly eventId: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly respondedAt: string;
  /** ISO 8601: acknowledge by then, or the case escalates (absent when the rule sets no such deadline). */
  readonly acknowledgeBy: string | null;
  /** ISO 8601: respondedAt + the rule's dueInHours. */
  readonly dueAt: string;
  readonly links: { readonly case: string };
  /** Present on messages sent to an escalation rung. */
  readonly escalation?: {
    readonly rung: number;
    readonly reason: 'not-acknowledged' | 'not-resolved';
    readonly at: string;
    /** Who the case is assigned to, when someone is. */
    readonly assignee?: string;
  };
}

/** One change of a case, with who made it and when. */
export interface CaseChange {
  readonly at: string;
  readonly actor: string;
  readonly action: 'opened' | 'acknowledged' | 'escalated' | 'resolved' | 'assigned' | 'noted' | 'replied' | 'customer-replied';
  readonly note?: string;
  /** Who the case was given to (assignments only). */
  readonly assignee?: string;
  /** The public reply sent to the respondent (resolutions and replies); the note never is. */
  readonly reply?: string;
  readonly rootCause?: string;
  readonly rung?: number;
  /** A customer's reply by email (`customer-replied`): who wrote (the From address) and what, quotes and signature removed. */
  readonly from?: string;
  readonly text?: string;
  /** The reply's Message-ID, hashed: a second delivery of it is not recorded again. */
  readonly messageId?: string;
  /** What was left out of the reply (attachments, the part past 1 MB, text past the limit). */
  readonly dropped?: readonly string[];
}

/** A follow-up case as stored: the message it was opened with, and its life since. */
export interface FollowUpCaseRecord {
  readonly message: FollowUpCase;
  readonly status: CaseStatus;
  /** Rungs of the escalation ladder climbed so far. */
  readonly rung: number;
  readonly escalateTo: readonly string[];
  readonly recoverySurvey: boolean;
  /** Epoch ms of the next deadline to check, while one is pending and the ladder has a rung left. */
  readonly nextDeadline?: number;
  readonly rootCause?: string;
  readonly note?: string;
  readonly acknowledgedAt?: string;
  readonly resolvedAt?: string;
  readonly history: readonly CaseChange[];
  /** The respondent's hashed address: lets `closeloop erase` find the case. */
  readonly contactKey?: string;
  /** Epoch seconds: the case is deleted then (retention.caseDays after opening) and reads skip it from then on. */
  readonly expiresAt?: number;
  /** ISO 8601: when the respondent's data was erased from the case. */
  readonly erasedAt?: string;
  /** Set at opening when the rule emails the respondent on resolution: in which language (domain/notification.ts). */
  readonly notifyOnResolve?: { readonly locale: string };
  /** The public reply the case was resolved with (sent to the respondent when `notifyOnResolve`). */
  readonly reply?: string;
  /** Who works the case (`POST /cases/{id}/assign`): named in its escalations. */
  readonly assignee?: string;
  /** Set at opening when the rule pauses while waiting for the customer (and the stack receives replies). */
  readonly pauseWhileWaiting?: boolean;
  /**
   * While the team waits for the customer's answer (after a team reply, `pauseWhileWaiting`): since
   * when, and the deadline set aside (the case is out of the escalation index meanwhile).
   */
  readonly waiting?: { readonly since: string; readonly nextDeadline?: number };
}

/** The case with `deadline` as its next one, or, while it waits for the customer, as the one set aside for when it answers. */
function withDeadline(record: FollowUpCaseRecord, deadline: number | undefined): FollowUpCaseRecord {
  const { nextDeadline: _old, waiting, ...rest } = record;
  if (waiting) return { ...rest, waiting: { since: waiting.since, ...(deadline !== undefined ? { nextDeadline: deadline } : {}) } };
  return { ...rest, ...(deadline !== undefined ? { nextDeadline: deadline } : {}) };
}

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/**
 * The customer answered while the case waited for them: every deadline moves on by the time waited
 * (acknowledge-by, resolve-by, the next escalation), and the case is back in the escalation index.
 */
function resumed(record: FollowUpCaseRecord, at: Date): FollowUpCaseRecord {
  const { waiting, nextDeadline: _none, ...rest } = record;
  if (!waiting) return record;
  const waited = Math.max(0, at.getTime() - Date.parse(waiting.since));
  const { message } = record;
  return {
    ...rest,
    message: { ...message, dueAt: later(message.dueAt, waited), acknowledgeBy: message.acknowledgeBy === null ? null : later(message.acknowledgeBy, waited) },
    ...(waiting.nextDeadline !== undefined ? { nextDeadline: waiting.nextDeadline + waited } : {}),
  };
}

export function caseIdFor(tokenHash: string, ruleId: string): string {
  return createHash('sha256').update(`${tokenHash}\u0000${ruleId}`).digest('base64url').slice(0, 22);
}

export interface CaseTiming {
  /** Multiplies SLA durations (1 in production; the sandbox compresses time with it). */
  readonly slaScale: number;
  /** Base URL of the case API, for the message's link. */
  readonly caseApiBaseUrl: string;
}

const HOUR_MS = 3_600_000;

/**
 * An anonymous respondent (eNPS) in a case message: the answered invitation no longer holds their
 * address or name, and contract v1 requires an address, so it is a placeholder that can receive no
 * mail (as an erased case's is).
 */
export const ANONYMOUS_ADDRESS = 'anonymous@anonymous.invalid';

function caseCustomer(customer: InvitationCustomer): Customer {
  return { ...customer, id: customer.id ?? 'anonymous', email: customer.email ?? ANONYMOUS_ADDRESS };
}

export function buildFollowUpCase(
  invitation: Invitation & { response: SurveyResponse },
  program: SurveyProgram,
  rule: FollowUpRule,
  classification: Classification,
  topics: readonly string[],
  timing: CaseTiming,
): FollowUpCase {
  const { response } = invitation;
  const respondedAt = Date.parse(response.respondedAt);
  const after = (hours: number) => new Date(respondedAt + hours * HOUR_MS * timing.slaScale).toISOString();
  const caseId = caseIdFor(invitation.tokenHash, rule.id);
  return {
    version: 1,
    caseId,
    programId: program.id,
    kind: invitation.kind,
    score: response.score,
    classification,
    comment: response.comment ?? null,
    secondAnswer: response.secondAnswer ?? null,
    topics: [...topics],
    rule: rule.id,
    queue: rule.queue,
    ownerTeam: program.ownerTeam,
    customer: caseCustomer(invitation.customer),
    eventId: invitation.eventId,
    context: invitation.context,
    respondedAt: response.respondedAt,
    acknowledgeBy: rule.acknowledgeWithinHours !== undefined ? after(rule.acknowledgeWithinHours) : null,
    dueAt: after(rule.dueInHours),
    links: { case: `${timing.caseApiBaseUrl.replace(/\/+$/, '')}/cases/${caseId}` },
  };
}

/** The deadline a case in `status` is held to next, if its ladder has a rung left to climb. */
function nextDeadlineFor(message: FollowUpCase, status: CaseStatus, rung: number, ladder: readonly string[]): number | undefined {
  if (status === 'resolved' || rung >= ladder.length) return undefined;
  if (status === 'open' && message.acknowledgeBy) return Date.parse(message.acknowledgeBy);
  return Date.parse(message.dueAt);
}

export function openCase(message: FollowUpCase, rule: FollowUpRule, at: Date, kept?: { contactKey: string; expiresAt: number }): FollowUpCaseRecord {
  const escalateTo = rule.escalateTo ?? [];
  return {
    message,
    status: 'open',
    rung: 0,
    escalateTo,
    recoverySurvey: Boolean(rule.recoverySurvey),
    ...kept,
    nextDeadline: nextDeadlineFor(message, 'open', 0, escalateTo),
    history: [{ at: at.toISOString(), actor: 'closeloop', action: 'opened' }],
  };
}

export class CaseTransitionError extends Error {
  override readonly name = 'CaseTransitionError';
}

export function acknowledge(record: FollowUpCaseRecord, actor: string, at: Date, note?: string): FollowUpCaseRecord {
  if (record.status === 'resolved') throw new CaseTransitionError('a resolved case cannot be acknowledged');
  if (record.acknowledgedAt) throw new CaseTransitionError('the case is already acknowledged');
  const status: CaseStatus = 'acknowledged';
  return withDeadline(
    {
      ...record,
      status,
      acknowledgedAt: at.toISOString(),
      history: [...record.history, { at: at.toISOString(), actor, action: 'acknowledged', ...(note ? { note } : {}) }],
    },
    nextDeadlineFor(record.message, status, record.rung, record.escalateTo),
  );
}

/** Gives the case to `assignee` (any status but resolved); the status and deadlines stay as they are. */
export function assign(record: FollowUpCaseRecord, actor: string, at: Date, assignee: string, note?: string): FollowUpCaseRecord {
  if (record.status === 'resolved') throw new CaseTransitionError('a resolved case cannot be assigned');
  if (record.assignee === assignee) throw new CaseTransitionError(`the case is already assigned to ${assignee}`);
  return {
    ...record,
    assignee,
    history: [...record.history, { at: at.toISOString(), actor, action: 'assigned', assignee, ...(note ? { note } : {}) }],
  };
}

/** An internal note on the case (any status): it never leaves the case; status and deadlines stay. */
export function addNote(record: FollowUpCaseRecord, actor: string, at: Date, note: string): FollowUpCaseRecord {
  return { ...record, history: [...record.history, { at: at.toISOString(), actor, action: 'noted', note }] };
}

/**
 * A reply written to the respondent (any status but resolved): kept in the history; the outbox item
 * sends it. With `pauseWhileWaiting`, the case then waits for the customer's answer: its next deadline
 * is set aside (out of the escalation index) until they answer (addCustomerReply).
 */
export function addReply(record: FollowUpCaseRecord, actor: string, at: Date, reply: string): FollowUpCaseRecord {
  if (record.status === 'resolved') throw new CaseTransitionError('the case is resolved: a reply goes with the resolution');
  const replied: FollowUpCaseRecord = { ...record, history: [...record.history, { at: at.toISOString(), actor, action: 'replied', reply }] };
  if (!record.pauseWhileWaiting || record.waiting) return replied;
  const { nextDeadline, ...rest } = replied;
  return { ...rest, waiting: { since: at.toISOString(), ...(nextDeadline !== undefined ? { nextDeadline } : {}) } };
}

/**
 * The customer answered an email about the case (functions/inbound): their words join the history as
 * `customer-replied`, whatever the status. A case that waited for them resumes, its deadlines moved on
 * by the time waited; otherwise status and deadlines stay.
 */
export function addCustomerReply(
  record: FollowUpCaseRecord,
  at: Date,
  reply: { readonly from: string; readonly text: string; readonly messageId: string; readonly dropped: readonly string[] },
): FollowUpCaseRecord {
  return {
    ...resumed(record, at),
    history: [
      ...record.history,
      {
        at: at.toISOString(),
        actor: 'customer',
        action: 'customer-replied',
        from: reply.from,
        text: reply.text,
        messageId: reply.messageId,
        ...(reply.dropped.length ? { dropped: reply.dropped } : {}),
      },
    ],
  };
}

/**
 * → resolved. `note` is internal (the team's); `reply` is public: the words the respondent is sent
 * (when the rule notifies on resolution), kept in the history beside the note.
 */
export function resolve(record: FollowUpCaseRecord, actor: string, at: Date, rootCause: string, note?: string, reply?: string): FollowUpCaseRecord {
  if (record.status === 'resolved') throw new CaseTransitionError('the case is already resolved');
  const { nextDeadline: _done, waiting: _over, ...rest } = record;
  return {
    ...rest,
    status: 'resolved',
    resolvedAt: at.toISOString(),
    rootCause,
    ...(note ? { note } : {}),
    ...(reply ? { reply } : {}),
    ...(record.acknowledgedAt ? {} : { acknowledgedAt: at.toISOString() }),
    history: [...record.history, { at: at.toISOString(), actor, action: 'resolved', rootCause, ...(note ? { note } : {}), ...(reply ? { reply } : {}) }],
  };
}

/**
 * The escalation a case owes at `now`: the next rung of its ladder, once its deadline has passed.
 * The new state's next deadline is the resolve-by time (after a missed acknowledgement) or one more
 * full period (after a missed resolution), while rungs remain.
 */
export function escalation(record: FollowUpCaseRecord, now: Date): { record: FollowUpCaseRecord; message: FollowUpCase; queue: string } | undefined {
  if (record.nextDeadline === undefined || record.nextDeadline > now.getTime() || record.status === 'resolved') return undefined;
  const queue = record.escalateTo[record.rung];
  if (!queue) return undefined;
  const reason = record.acknowledgedAt ? 'not-resolved' : 'not-acknowledged';
  const rung = record.rung + 1;
  const message: FollowUpCase = { ...record.message, queue, escalation: { rung, reason, at: now.toISOString() } };
  const period = Date.parse(record.message.dueAt) - Date.parse(record.message.respondedAt);
  const due = Date.parse(record.message.dueAt);
  const next = rung >= record.escalateTo.length ? undefined : reason === 'not-acknowledged' && due > now.getTime() ? due : now.getTime() + period;
  const { nextDeadline: _old, ...rest } = record;
  return {
    queue,
    message,
    record: {
      ...rest,
      status: 'escalated',
      rung,
      ...(next !== undefined ? { nextDeadline: next } : {}),
      history: [...record.history, { at: now.toISOString(), actor: 'closeloop', action: 'escalated', rung }],
    },
  };
}

/** What an erased case says about its respondent: a placeholder that is never a deliverable address (RFC 2606 `.invalid`). */
export const ERASED_CUSTOMER: Customer = { id: 'erased', email: 'erased@erased.invalid' };

/**
 * A case with the respondent's data removed — who they are, their words (their comment and their
 * email replies: sender, text and Message-ID hash), the event's context and the team's notes — and its deadlines dropped (an escalation about nobody helps no one). Status,
 * scores, rule, queue, topics, root cause and times stay (the public reply goes with the notes), so the counts and SLA figures still add up.
 */
export function anonymiseCase(record: FollowUpCaseRecord, at: Date): FollowUpCaseRecord {
  const { nextDeadline: _deadline, waiting: _waiting, note: _note, reply: _reply, notifyOnResolve: _notify, contactKey: _contactKey, ...kept } = record;
  return {
    ...kept,
    message: { ...record.message, customer: ERASED_CUSTOMER, comment: null, secondAnswer: null, context: {} },
    history: record.history.map(
      ({ note: _changeNote, reply: _changeReply, from: _from, text: _text, messageId: _messageId, dropped: _dropped, ...change }) => change,
    ),
    erasedAt: at.toISOString(),
  };
}

/**
 * Why a stored case cannot be escalated (a corrupted or hand-edited item), or undefined. The sweep
 * checks it first, so such a case is set aside with the reason instead of failing every sweep for
 * the cases behind it.
 */
export function caseDefect(record: FollowUpCaseRecord, queues: readonly string[]): string | undefined {
  const undeclared = record.escalateTo.find((queue) => !queues.includes(queue));
  if (undeclared !== undefined) return `escalation queue "${undeclared}" is not declared`;
  if (!Number.isInteger(record.rung) || record.rung < 0) return `rung ${record.rung} is not a rung of the ladder`;
  for (const field of ['respondedAt', 'dueAt'] as const) {
    if (Number.isNaN(Date.parse(record.message[field]))) return `message.${field} "${record.message[field]}" is not a date`;
  }
  return undefined;
}
