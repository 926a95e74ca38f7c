import {
  type AnnouncementRequest,
  type AnsweredInvitation,
  checkAnnouncement,
  countByLocale,
  type Recipient,
  selectRecipients,
} from '../domain/announcement.js';
import { caseIdFor } from '../domain/follow-up-case.js';
import { unsubscribePageUrl } from '../domain/links.js';
import type { Messages } from '../domain/messages.js';
import type { Brand, Catalog } from '../domain/program.js';
import { newToken, unsubscribeKeyOf, unsubscribeTokenFor } from '../domain/tokens.js';
import type { SurveyMailer } from '../ports.js';
import { SendInProgressError, sendClaimed } from '../send-ledger.js';
import { renderAnnouncementEmail } from './announcement-email.js';

/** One email to send: a message on the announce queue (no address or name: those are read at send time). */
export interface AnnouncementJob {
  readonly announcementId: string;
  readonly programId: string;
  readonly tokenHash: string;
  readonly contactKey: string;
  readonly locale: string;
  readonly subject: string;
  readonly body: string;
}

/** Where the selection reads: the answer index and the items it names. Reads only. */
export interface AnnouncementReader {
  /** Token hashes of the program's answered invitations since `since` (ISO 8601), a page at a time (the answer index: no table scan). */
  answeredSince(programId: string, since: string): AsyncIterable<readonly string[]>;
  /** The answered invitations among these token hashes (erased and expired ones are left out). */
  answers(tokenHashes: readonly string[]): Promise<AnsweredInvitation[]>;
  /** The root cause of each of these cases that has one (missing, unresolved or expired cases are left out). */
  rootCauses(caseIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** The contacts among these that are suppressed (unsubscribed, bounced, complained, erased). */
  suppressed(contactKeys: readonly string[]): Promise<ReadonlySet<string>>;
  /** The contacts among these that already have a record of this announcement (sent, skipped or being sent). */
  announced(announcementId: string, contactKeys: readonly string[]): Promise<ReadonlySet<string>>;
}

export interface AnnouncementQueue {
  enqueue(jobs: readonly AnnouncementJob[]): Promise<void>;
}

export type AnnouncementClaim =
  /** Taken: send now, then `markSent` (or `release` on a transient failure). */
  | 'claimed'
  /** Sent or decided before: nothing to do. */
  | 'done'
  /** Another send holds it until its lease ends: try again later. */
  | 'held'
  /** The contact is suppressed: nothing written. */
  | 'suppressed';

/**
 * The per-recipient announcement records, taken like the notification outbox: a conditional claim
 * with a lease (atomically with the suppression check and the unsubscribe link), then a sent mark.
 */
export interface AnnouncementRecords {
  /** The invitation's recipient as it is now (undefined when erased, expired or forgotten). */
  recipient(tokenHash: string): Promise<{ contactKey: string; email: string; name?: string } | undefined>;
  claim(job: AnnouncementJob, now: number, leaseUntil: number, link: { key: string; expiresAt: number }, expiresAt: number): Promise<AnnouncementClaim>;
  markSent(announcementId: string, contactKey: string, at: Date): Promise<void>;
  release(announcementId: string, contactKey: string): Promise<void>;
  skip(announcementId: string, contactKey: string, reason: 'rejected', at: Date): Promise<void>;
}

export interface PlanDeps {
  readonly catalog: Catalog;
  readonly reader: AnnouncementReader;
  readonly queue: AnnouncementQueue;
}

export interface AnnouncementPlan {
  readonly announcementId: string;
  readonly programId: string;
  readonly dryRun: boolean;
  /** People whose answer matched (one per person). */
  readonly matched: number;
  /** Emails queued (or, in a dry run, that would be). */
  readonly recipients: number;
  readonly byLocale: Readonly<Record<string, number>>;
  readonly skipped: { readonly suppressed: number; readonly alreadyAnnounced: number };
}

/**
 * Selects the recipients of an announcement and, unless a dry run, queues one email per recipient.
 * Idempotent per announcement id: people with a record of it are not queued again (and the send's
 * conditional claim stops any that a concurrent run queued).
 */
export async function planAnnouncement(request: AnnouncementRequest, dryRun: boolean, deps: PlanDeps): Promise<AnnouncementPlan> {
  const program = checkAnnouncement(deps.catalog, request);
  const answers: AnsweredInvitation[] = [];
  for await (const page of deps.reader.answeredSince(request.programId, request.since)) answers.push(...(await deps.reader.answers(page)));

  let rootCauseOf: (tokenHash: string) => string[] = () => [];
  if ('rootCause' in request.filter) {
    // A case's id is derived from its answer and rule: the answer's cases are read by key, not searched for.
    const caseIds = answers.filter((answer) => answer.email).flatMap((answer) => program.rules.map((rule) => caseIdFor(answer.tokenHash, rule.id)));
    const causes = await deps.reader.rootCauses(caseIds);
    rootCauseOf = (tokenHash) => program.rules.flatMap((rule) => causes.get(caseIdFor(tokenHash, rule.id)) ?? []);
  }
  const matched = selectRecipients(answers, request, program, deps.catalog, rootCauseOf);
  const contactKeys = matched.map((recipient) => recipient.contactKey);
  const [suppressed, announced] = await Promise.all([deps.reader.suppressed(contactKeys), deps.reader.announced(request.announcementId, contactKeys)]);
  const recipients: Recipient[] = matched.filter((r) => !suppressed.has(r.contactKey) && !announced.has(r.contactKey));
  if (!dryRun && recipients.length) {
    await deps.queue.enqueue(
      recipients.map((recipient) => {
        const text = request.messages[recipient.locale] as { subject: string; body: string };
        return { announcementId: request.announcementId, programId: request.programId, ...recipient, subject: text.subject, body: text.body };
      }),
    );
  }
  return {
    announcementId: request.announcementId,
    programId: request.programId,
    dryRun,
    matched: matched.length,
    recipients: recipients.length,
    byLocale: countByLocale(recipients),
    skipped: {
      suppressed: matched.filter((r) => suppressed.has(r.contactKey)).length,
      alreadyAnnounced: matched.filter((r) => !suppressed.has(r.contactKey) && announced.has(r.contactKey)).length,
    },
  };
}

export interface SendDeps {
  readonly brand: Brand;
  readonly locales: Readonly<Record<string, Messages>>;
  readonly records: AnnouncementRecords;
  readonly mailer: SurveyMailer;
  /** Public base URL of the pages (the unsubscribe link). */
  readonly publicBaseUrl: string;
  readonly now: () => Date;
  /** How long a claim is held for its send (config/resources.ts `ANNOUNCE_LEASE_SECONDS`). */
  readonly leaseSeconds: number;
  /** How long the unsubscribe link works and the record is kept, in days (`retention.responseDays`: past it, no answer can select the person again). */
  readonly keepDays: number;
  /** @default a fresh 128-bit token per send */
  readonly newUnsubscribeToken?: () => string;
}

export type SendOutcome =
  | { status: 'sent'; messageId: string; marked: boolean }
  | { status: 'skipped'; reason: 'suppressed' | 'rejected' | 'gone' }
  | { status: 'duplicate' };

/**
 * Sends one queued announcement email at most once and at least once: the invitation read (an
 * erasure since the selection wins), the claim (with the suppression check and the unsubscribe
 * link), the send, the sent mark. A transient failure releases the claim and throws, so the queue's
 * retry sends it; SES throttling is retried by the SDK first.
 */
export async function sendAnnouncement(job: AnnouncementJob, deps: SendDeps): Promise<SendOutcome> {
  const recipient = await deps.records.recipient(job.tokenHash);
  if (!recipient || recipient.contactKey !== job.contactKey) return { status: 'skipped', reason: 'gone' };
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const keepUntil = nowSeconds + deps.keepDays * 86_400;
  const token = deps.newUnsubscribeToken?.() ?? unsubscribeTokenFor(newToken());
  const claimed = await deps.records.claim(job, nowSeconds, nowSeconds + deps.leaseSeconds, { key: unsubscribeKeyOf(token), expiresAt: keepUntil }, keepUntil);
  if (claimed === 'held') throw new SendInProgressError(`announcement ${job.announcementId} to one recipient is held by another send`);
  if (claimed === 'done') return { status: 'duplicate' };
  if (claimed === 'suppressed') return { status: 'skipped', reason: 'suppressed' };
  const email = renderAnnouncementEmail(job, recipient, unsubscribePageUrl(deps.publicBaseUrl, token), deps);
  const { announcementId, contactKey } = job;
  return sendClaimed(
    {
      markSent: (at) => deps.records.markSent(announcementId, contactKey, at),
      release: () => deps.records.release(announcementId, contactKey),
      reject: (at) => deps.records.skip(announcementId, contactKey, 'rejected', at),
    },
    () => deps.mailer.send(email),
    deps.now,
  );
}
