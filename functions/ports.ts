import type { AttemptResult } from './domain/delivery-policy.js';
import type { CaseStatus, FollowUpCase, FollowUpCaseRecord } from './domain/follow-up-case.js';
import type { IntegrationEvent } from './domain/integration-events.js';
import type { DeliverableEvent } from './domain/integrations.js';
import type { Invitation, SurveyResponse } from './domain/invitation.js';
import type { Notification } from './domain/notification.js';
import type { ReminderSkipReason } from './domain/reminder.js';

/** Why a survey was not sent. */
/** Why no survey was sent. `dry-run` and `disabled` come from the program's catalog switches. */
export type SkipReason = 'throttled' | 'suppressed' | 'cancelled' | 'sampled-out' | 'rejected' | 'duplicate' | 'dry-run' | 'disabled' | 'event-id-reused';

/** What must hold, atomically with storing an invitation, for its email to go out. */
export interface ReservationGuard {
  readonly contactKey: string;
  /** Rest periods to take: 'all' across programs, or a program id. Each refuses the send while a previous one runs. */
  readonly rests: readonly { readonly scope: string; readonly until: number }[];
  /** Set when the program can be cancelled: `${programId}#${matchValue}`. */
  readonly cancelKey?: string;
  /** Epoch seconds. */
  readonly now: number;
}

/**
 * What the delivery that reserves a claim holds while it sends: the link token (the only copy of it
 * the table ever keeps, removed by `markSent`; see docs/security.md) and, in epoch seconds, the end
 * of its lease. Until then it may still be sending; after it, a redelivery sends in its place.
 */
export interface SendLease {
  readonly token: string;
  readonly until: number;
}

/** A claim whose email may not have gone out: reserved, never marked sent. */
export interface UnsentClaim {
  readonly tokenHash: string;
  readonly token: string;
  /** The invitation's, ISO 8601 and epoch seconds. */
  readonly createdAt: string;
  readonly expiresAt: number;
  /** Epoch seconds. */
  readonly leaseUntil: number;
}

/** `{ unsent }` when the event was reserved before but its send was never marked (a crash or a timeout). */
export type ReservationResult = 'reserved' | 'duplicate' | 'throttled' | 'suppressed' | 'cancelled' | { readonly unsent: UnsentClaim };

/** Taking over an unsent claim: 'resumed' (send now), 'held' (another delivery holds or finished it), or why not to send. */
/** `reused`: the unsent invitation belongs to another contact (the event id came back for someone else): nothing to send, the claim left as it is. */
export type ResumeResult = 'resumed' | 'held' | 'answered' | 'suppressed' | 'cancelled' | 'reused';

/** A decision not to send, kept so a re-delivered event gets the same answer. */
export interface SkipRecord {
  readonly programId: string;
  readonly eventId: string;
  readonly customerId: string;
  readonly reason: Exclude<SkipReason, 'duplicate'>;
  /** ISO 8601. */
  readonly at: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** Invitations and their responses, keyed by the hash of the link token. */
export interface InvitationRepository {
  /**
   * In one atomic write: claims (programId, eventId), stores the invitation, takes the contact's
   * rest periods, and checks the contact is not suppressed and the survey not cancelled. Nothing is
   * written unless all of it holds; the result says what did not. The claim keeps `lease.token`
   * until `markSent`; a claim found reserved but unsent comes back as `{ unsent }` (no extra read).
   */
  reserve(invitation: Invitation, guard: ReservationGuard, lease: SendLease): Promise<ReservationResult>;
  /**
   * The email of a reserved claim was accepted by the mail service: the claim becomes 'sent' and
   * forgets the token, so no redelivery sends it again. One UpdateItem on the claim (1 WRU).
   * Idempotent; does nothing when the claim is no longer this invitation's.
   */
  markSent(invitation: Pick<Invitation, 'programId' | 'eventId' | 'tokenHash'>, at: Date): Promise<void>;
  /**
   * Takes over an unsent claim whose lease ended (`claim.leaseUntil <= guard.now`), extending it to
   * `leaseUntil`, atomically with checking that the contact is not suppressed, the survey not
   * cancelled and the invitation still there and unanswered. Writes nothing unless all of it holds.
   */
  resume(invitation: Invitation, claim: UnsentClaim, guard: ReservationGuard, leaseUntil: number): Promise<ResumeResult>;
  /** Undoes `reserve` (claim, invitation and the rest periods it took) so a retry can send. */
  release(invitation: Invitation, guard: ReservationGuard): Promise<void>;
  /** Records a skip as the event's claim; 'duplicate' when the event was already decided. */
  recordSkip(skip: SkipRecord): Promise<'recorded' | 'duplicate'>;
  /** SES refused the address for good: the claim becomes a 'rejected' skip, the invitation goes, the contact is suppressed. */
  rejectRecipient(invitation: Invitation, at: Date): Promise<void>;
  /** Reads an invitation; never writes. */
  findByTokenHash(tokenHash: string): Promise<Invitation | undefined>;
  /**
   * Reads what a respondent notification's unsubscribe link names (by the SHA-256 of its token):
   * the contact and the page's language. Never writes. @default absent: only survey links unsubscribe
   */
  findUnsubscribeLink?(linkKey: string): Promise<UnsubscribeTarget | undefined>;
  /**
   * Records a response. The first answer is one conditional write (no read before it), which fails
   * without effect on an unknown, expired or already answered invitation, or on a score outside the
   * invitation's scale. A different answer before `answerWindowEnds` replaces it, keeping the earlier
   * one in its history (a second, conditional write); an identical one changes nothing, and so does
   * any change once the answer has reached MAX_REVISIONS. An answered eNPS invitation keeps no
   * address or name (domain/invitation.ts `forgetsRespondent`).
   * @param answerWindowEnds epoch seconds until which a first answer recorded now may be changed
   * @param retainUntil epoch seconds: the answered invitation is kept until then (retention), instead of the link's expiry
   */
  recordResponse(tokenHash: string, response: SurveyResponse, now: Date, answerWindowEnds: number, retainUntil?: number): Promise<RecordResult>;
}

/** Whom an unsubscribe link unsubscribes, and in which language its page speaks. */
export type UnsubscribeTarget = Pick<Invitation, 'contactKey' | 'locale' | 'expiresAt'>;

export type RecordResult =
  | { status: 'recorded'; invitation: Invitation }
  | { status: 'changed'; invitation: Invitation }
  | { status: 'already-answered'; invitation: Invitation }
  | { status: 'invalid-score'; invitation: Invitation }
  | { status: 'unavailable' };

/** What Closeloop knows about a contact beyond single surveys. */
export interface ContactRepository {
  /** Never email this contact again (unsubscribed, bounced, complained, rejected, erased). Idempotent. */
  suppress(contactKey: string, reason: string, at: Date): Promise<void>;
  /** Blocks pending surveys of a program for the cancelled match value (e.g. a returned order). Idempotent. */
  cancelPending(cancelKey: string, at: Date, expiresAt: number): Promise<void>;
  /** Extends the contact's rest across programs to at least `until` (epoch seconds). Idempotent. */
  extendRest(contactKey: string, until: number): Promise<void>;
}

/** One survey email, ready to send. */
export interface SurveyEmail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** Extra headers (List-Unsubscribe, List-Unsubscribe-Post). */
  readonly headers: Readonly<Record<string, string>>;
  /** Where a reply goes, when not the support address: the case's own address (`inbound`). */
  readonly replyTo?: string;
  /** SES message tags (name → value) for deliverability events and cost reports. */
  readonly tags: Readonly<Record<string, string>>;
}

/** The mail service refused this recipient for good (invalid address, rejected message): do not retry. */
export class RecipientRejectedError extends Error {
  override readonly name = 'RecipientRejectedError';
}

/** Sends survey emails (SES in AWS and in the sandbox). Throws RecipientRejectedError for permanent refusals. */
export interface SurveyMailer {
  send(email: SurveyEmail): Promise<{ messageId: string }>;
}

/** Re-delivers a message to dispatch at a given time (EventBridge Scheduler one-time schedules). */
export interface SurveyScheduler {
  /** 'duplicate' when a schedule of that name already exists (the same event was scheduled before). */
  schedule(name: string, at: Date, message: string): Promise<'scheduled' | 'duplicate'>;
}

/** What taking a due reminder for its send found: 'claimed' (send it), 'held' (another delivery may be sending it), or why not. */
export type ReminderClaim = 'claimed' | 'held' | Exclude<ReminderSkipReason, 'rejected'>;

/**
 * The one reminder of an invitation (domain/reminder.ts), sent effectively once as surveys are: a
 * conditional claim with a lease on the invitation, then a sent mark.
 */
export interface ReminderRepository {
  /**
   * Takes the reminder for sending until `leaseUntil` (epoch seconds), in one transaction with
   * checking that the invitation is there, unanswered, unexpired, planned for a reminder and not
   * reminded (nor held by another delivery's unexpired lease), the contact not suppressed and the
   * survey not cancelled (`guard`, whose `rests` are ignored). Writes nothing unless all of it holds.
   */
  claimReminder(tokenHash: string, guard: ReservationGuard, leaseUntil: number): Promise<ReminderClaim>;
  /** The mail service accepted it: the invitation is marked reminded for good. Idempotent. */
  markReminded(tokenHash: string, at: Date): Promise<void>;
  /** A transient failure after the claim: the lease is dropped so the retry can send. */
  releaseReminder(tokenHash: string): Promise<void>;
}

/** Announces what happened on the event bus, for other systems to subscribe to. */
export interface IntegrationEventPublisher {
  publish(events: readonly IntegrationEvent[]): Promise<void>;
}

/** Delivers follow-up cases to the declared follow-up queues. */
export interface FollowUpPublisher {
  /** Sends to `followUp.queue`. */
  publish(followUp: FollowUpCase): Promise<void>;
}

/** Follow-up cases and their history. */
/** The raw messages SES received for the inbound domain (its receipt rule's S3 action stored them). */
export interface RawMailStore {
  /** The first `maxBytes` of a message, and its whole size: more than the bytes read means it was cut. */
  read(key: string, maxBytes: number): Promise<{ readonly bytes: Uint8Array; readonly size: number }>;
  /** Deletes it (nothing when already gone). */
  delete(key: string): Promise<void>;
}

export interface CaseRepository {
  /**
   * Stores a new case unless one with its id exists (a re-delivered stream record). Says whether its
   * queue message is still owed: 'opened' (new), 'unnotified' (exists, message not confirmed sent) or 'notified'.
   * With `survey`, a new case is opened only while that invitation still belongs to the contact:
   * 'erased' when the person's data was erased after the answer (the stream still carries it).
   * `notification` (the respondent's acknowledgement) is stored in the same transaction, as the outbox item the notify stage sends.
   */
  open(
    record: FollowUpCaseRecord,
    survey?: { tokenHash: string; contactKey: string },
    notification?: Notification,
  ): Promise<'opened' | 'unnotified' | 'notified' | 'erased'>;
  /** Records that the case's message is on its queue. */
  markNotified(caseId: string, at: Date): Promise<void>;
  get(caseId: string): Promise<FollowUpCaseRecord | undefined>;
  /**
   * Replaces `before` with `after` unless the case changed meanwhile; false if it did. With
   * `notification` (a resolution reply), its outbox item is written in the same transaction.
   */
  update(before: FollowUpCaseRecord, after: FollowUpCaseRecord, notification?: Notification): Promise<boolean>;
  /**
   * A reply to the respondent: `after` (the history with it) and its outbox item in one transaction,
   * only while the case is `before` and the contact is not suppressed (unsubscribed, bounced, erased).
   */
  reply(before: FollowUpCaseRecord, after: FollowUpCaseRecord, notification: Notification): Promise<'saved' | 'changed' | 'suppressed'>;
  /** Cases whose next deadline is at or before `now`, from the sparse deadline index; an item that cannot be read as a case comes as `UnreadableCase`. */
  due(now: Date, limit: number): Promise<DueCase[]>;
  /** Takes a case that cannot be escalated out of the deadline index; it stays stored, with the reason. */
  setAside(caseId: string, reason: string, at: Date): Promise<void>;
}

/** A stored case on the deadline index whose item is not of a case's shape (hand-edited, corrupted): why, and the raw item. */
export interface UnreadableCase {
  readonly unreadable: string;
  readonly caseId: string;
  readonly item: Readonly<Record<string, unknown>>;
}

export type DueCase = FollowUpCaseRecord | UnreadableCase;

/** Where a listing of the case inbox goes on: a partition of the query, and the index key after the last case read in it. */
export interface InboxPosition {
  /**
   * Per partition (in the query's order): the index key of the last case a page showed from it,
   * 'start' when none yet, 'end' when it has none left. A listing is merged across partitions by
   * resolve-by time, so each partition goes on from its own place.
   */
  readonly after: readonly (Readonly<Record<string, unknown>> | 'start' | 'end')[];
}

/** A page of the case inbox: its partitions are queue and status pairs, merged oldest due first. */
export interface InboxQuery {
  readonly partitions: readonly { readonly queue: string; readonly status: CaseStatus }[];
  /** Epoch ms: only cases due before then (overdue). */
  readonly dueBefore?: number;
  readonly limit: number;
  readonly start?: InboxPosition;
}

export interface InboxPage {
  readonly records: readonly FollowUpCaseRecord[];
  /** Absent on the last page. */
  readonly next?: InboxPosition;
}

/** What the case page shows of a customer's past: an earlier answer, or an earlier case. */
export type EarlierContact =
  | { readonly kind: 'answer'; readonly programId: string; readonly score: number; readonly comment?: string; readonly at: string }
  | { readonly kind: 'case'; readonly caseId: string; readonly status: string; readonly score: number; readonly queue: string; readonly at: string };

/** A customer's earlier answers and cases, newest first (the `by-contact` index; never a scan). */
export interface CustomerHistory {
  of(contactKey: string, exceptCaseId: string): Promise<EarlierContact[]>;
}

/** The case inbox: cases by queue and status from an index, oldest due first; never a table scan. */
export interface CaseInbox {
  list(query: InboxQuery): Promise<InboxPage>;
}

/** How many cases of a queue are still open (open, acknowledged, escalated) and past their resolve-by time: the inbox index, counted. */
export interface OverdueCases {
  countOverdue(queue: string, now: number): Promise<number>;
}

/** What taking an outbox item for its send found. */
export type OutboxClaim =
  /** Taken: send it now, then `markSent` (or `release` on a transient failure). */
  | 'claimed'
  /** Sent before, or decided not to send (suppressed, rejected): nothing to do. */
  | 'done'
  /** Another delivery holds it until its lease ends (it may be sending): try again later. */
  | 'held'
  /** The contact is suppressed (unsubscribed, bounced, complained, erased): nothing written; the caller records the skip. */
  | 'suppressed'
  /** No such item: erased with the person's data, or expired. */
  | 'gone';

/**
 * The notification outbox (one item per case and kind, written with the case change that owes it),
 * sent effectively once as dispatch sends surveys: a claim with a lease, taken atomically with the
 * suppression check, then a sent mark.
 */
export interface NotificationOutbox {
  /**
   * Takes the item for sending until `leaseUntil` (epoch seconds) if it is pending or its lease ended,
   * atomically with checking the contact is not suppressed and storing the email's unsubscribe link
   * (by the SHA-256 of its token, kept until `link.expiresAt`). One transaction; nothing written unless all holds.
   * `claimant` (the delivery, e.g. the stream record's id) may take its own unexpired claim again.
   */
  claim(
    notification: Pick<Notification, 'caseId' | 'kind' | 'contactKey' | 'locale'>,
    now: number,
    leaseUntil: number,
    link: { key: string; expiresAt: number },
    claimant?: string,
  ): Promise<OutboxClaim>;
  /** The mail service accepted it: 'sent', and the address and reply are dropped from the item. Idempotent. */
  markSent(caseId: string, slot: string, at: Date): Promise<void>;
  /** A transient failure after the claim: back to 'pending' for the retry. */
  release(caseId: string, slot: string): Promise<void>;
  /** Not sent, for good ('suppressed', 'rejected'): the address and reply are dropped. Idempotent. */
  skip(caseId: string, slot: string, reason: 'suppressed' | 'rejected', at: Date): Promise<void>;
}

/** Keeps input that can never be processed, with the reason, where an operator can inspect it. */
export interface DeadLetterSink {
  reject(body: string, reason: string): Promise<void>;
}

/** A change to one day bucket of a program and segment. */
export interface BucketChange {
  readonly programId: string;
  readonly segment: string;
  /** yyyy-mm-dd (UTC). */
  readonly day: string;
  readonly counters: Readonly<Record<string, number>>;
}

/** One counted change (a stream record's): its bucket changes, applied at most once per `changeId`. */
export interface CounterChange {
  readonly changeId: string;
  readonly buckets: readonly BucketChange[];
  /** Spreads the buckets over shard keys (the same key, the same shard). */
  readonly shardKey: string;
  /** Segments of the change's program, remembered for reports. */
  readonly segments?: readonly string[];
}

/** Pre-aggregated counters per program, segment and day, kept from the stream. */
export interface AggregateStore {
  /**
   * Applies the changes together, once per `changeId`; 'duplicate' when that change was applied
   * before. `segments` (of the change's program) are remembered for reports.
   */
  applyOnce(changeId: string, changes: readonly BucketChange[], shardKey: string, segments?: readonly string[]): Promise<'applied' | 'duplicate'>;
  /**
   * Applies many changes (a stream batch's), each exactly once, in as few writes as fit: the
   * outcome of each, in order. All or none of a change is applied; a failure throws and a retry
   * finds the changes applied before it as 'duplicate'.
   */
  applyAll(changes: readonly CounterChange[]): Promise<('applied' | 'duplicate')[]>;
  /** The counters of the days from `fromDay` to `toDay` (inclusive), summed over shards and days. */
  totals(programId: string, segment: string, fromDay: string, toDay: string): Promise<Record<string, number>>;
  /** The same, per day (days without data are absent). */
  daily(programId: string, segment: string, fromDay: string, toDay: string): Promise<Record<string, Record<string, number>>>;
  /** The segments a program's responses were counted under. */
  segments(programId: string): Promise<string[]>;
  /** Moves the alert of a program and segment between 'ok' and 'breached'; false if it was not in `from`. */
  moveAlert(programId: string, segment: string, from: 'ok' | 'breached', to: 'ok' | 'breached', at: Date): Promise<boolean>;
}

/** What one erasure pass changed. */
export interface ErasureCounts {
  /** Unanswered invitations: deleted (nothing anonymous worth keeping). */
  readonly invitationsDeleted: number;
  /** Answered invitations: replaced by the anonymous score, kind, program and time. */
  readonly responsesAnonymised: number;
  readonly casesAnonymised: number;
  /** Rest periods of the contact, and delivery-log items of integrations that opted in to personal data. */
  readonly contactRecordsDeleted: number;
  /** Respondent notifications (outbox items, sent or not) and their unsubscribe links: deleted. */
  readonly notificationsDeleted: number;
}

/** Finds a person's data by their hashed address and erases it (GDPR Art. 17). */
export interface PersonalDataEraser {
  /**
   * Suppresses the contact first (so nothing new is sent meanwhile), then deletes or anonymises every
   * item tied to it. Idempotent: a second pass finds only what was written since.
   */
  erase(contactKey: string, at: Date): Promise<ErasureCounts>;
}

/**
 * Reads secrets the stack generated (the pages' signing key; later webhook secrets) by the id the
 * stack passed in the environment. Each is read once per cold start, so a rotated value is used
 * from the next cold start on.
 */
export interface SecretStore {
  /** The secret's string value; throws when it cannot be read (the invocation fails, nothing is guessed). */
  read(secretId: string): Promise<string>;
}

/** The inbound hooks' replay guard: each webhook-id of an integration is accepted once. */
export interface WebhookReceipts {
  /** Records the id unless it was recorded before (and is still kept): false for a replay. Kept until `keepUntil`. */
  claim(integrationId: string, webhookId: string, keepUntil: Date, now: Date): Promise<boolean>;
  /** Gives the id back (the request changed nothing), so its sender may retry it. */
  release(integrationId: string, webhookId: string): Promise<void>;
}

/** One integration's delivery of one event, as the delivery log keeps it (one item per webhook-id). */
export interface DeliveryRecord {
  readonly integrationId: string;
  readonly webhookId: string;
  /** The event as the integration sees it (personal fields removed unless it opted in): what a replay re-sends. */
  readonly event: DeliverableEvent;
  readonly status: 'delivered' | 'retrying' | 'rejected' | 'dead-lettered';
  /** "HTTP 503", "timeout: …": the last attempt's outcome. */
  readonly lastResult: string;
  readonly at: Date;
  /** The respondent's hashed address, on the items of an integration that opted in to personal data: `closeloop erase` finds them. */
  readonly contactKey?: string;
}

/** The delivery log: what was sent where, kept for replays (DynamoDB TTL). */
export interface DeliveryLog {
  /** Records one attempt (the item's attempt count goes up by one). */
  record(delivery: DeliveryRecord): Promise<void>;
  /** The events delivered (or tried) to an integration since a moment, oldest first. */
  since(integrationId: string, since: Date): AsyncIterable<{ readonly webhookId: string; readonly event: DeliverableEvent }>;
}

/** An HTTP POST with a deadline; never throws for the receiver's failures (they are results). */
export interface WebhookSender {
  post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<AttemptResult>;
}

/** One answer of a helpdesk's API: the status (with Retry-After) and the body, or why there was none. */
export type HttpAnswer =
  | { readonly status: number; readonly retryAfterSeconds?: number; readonly body: string }
  | Extract<AttemptResult, { readonly error: unknown }>;

/** HTTP requests to a helpdesk's API, each with a deadline; never throws for the server's failures (they are answers). */
export interface HttpRequester {
  request(method: 'GET' | 'POST' | 'PUT', url: string, headers: Readonly<Record<string, string>>, body?: string): Promise<HttpAnswer>;
}

/** Puts events back on an integration's delivery queue (a replay). */
export interface DeliveryQueue {
  enqueue(integrationId: string, events: readonly DeliverableEvent[]): Promise<void>;
}

/** What taking a digest's send to one recipient for one week found. */
export type DigestClaim = 'claimed' | 'sent' | 'held';

/**
 * The digests' sent records: one per digest, week and recipient, taken with a conditional write
 * before the send, so a retried or repeated invocation never sends the same week twice.
 */
export interface DigestLedger {
  /**
   * Takes the send (digest, week starting `week`, recipient) until `leaseUntil` (epoch seconds):
   * 'sent' when it went out before (or was refused for good), 'held' when another invocation holds
   * an unexpired claim. One conditional write.
   */
  claim(digestId: string, week: string, recipient: string, now: number, leaseUntil: number): Promise<DigestClaim>;
  /** The send went out (or was refused for good: `outcome` 'rejected'): no later invocation sends it again. */
  markSent(digestId: string, week: string, recipient: string, at: Date, outcome?: 'sent' | 'rejected'): Promise<void>;
  /** A transient failure after the claim: the next invocation may send. */
  release(digestId: string, week: string, recipient: string): Promise<void>;
}
