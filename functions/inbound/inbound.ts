import { createHash } from 'node:crypto';
import { addCustomerReply, type CaseChange, type FollowUpCaseRecord } from '../domain/follow-up-case.js';
import { followUpCustomerReplied, type IntegrationEvent } from '../domain/integration-events.js';
import { assigneeNoticeFor } from '../domain/notification.js';
import { contactKeyOf } from '../domain/policies.js';
import type { ReplyTokens } from '../domain/reply-token.js';
import type { CaseRepository, IntegrationEventPublisher, RawMailStore } from '../ports.js';
import { type IgnoredReason, MAX_MAIL_BYTES, readMail } from './mail.js';

/** A reply to a case closed longer ago than this is dropped: the conversation is over. */
export const REPLY_WINDOW_DAYS = 30;
/** Optimistic writes retried when the case changed between its read and the reply's write. */
const ATTEMPTS = 5;

/** One message SES received for the inbound domain: its receipt, as the receipt rule's Lambda action passes it. */
export interface ReceivedMail {
  /** SES's id of the message: the stored object is `<prefix><messageId>`. */
  readonly messageId: string;
  /** The envelope sender (MAIL FROM). */
  readonly source: string;
  /** The envelope recipients that matched the rule (the inbound domain's). */
  readonly recipients: readonly string[];
  readonly virusVerdict?: string;
  readonly spamVerdict?: string;
}

export interface InboundMailDeps {
  readonly mail: RawMailStore;
  readonly cases: Pick<CaseRepository, 'get' | 'update'>;
  readonly tokens: ReplyTokens;
  /** The inbound domain (`inbound.domain`): only its reply addresses are read. */
  readonly domain: string;
  readonly senderEmail: string;
  /** FollowUpCustomerReplied, when the catalog publishes it (events.publish or an integration's `on:`). */
  readonly events: IntegrationEventPublisher;

  readonly now: () => Date;
}

export type InboundOutcome =
  /** `assigneeTold`: the case's assignee (an address) will be emailed (its outbox item was written with the reply). */
  | { readonly status: 'recorded'; readonly caseId: string; readonly assigneeTold?: boolean }
  /** The same Message-ID is in the case already (SES delivered twice, or the customer's client sent it twice). */
  | { readonly status: 'duplicate'; readonly caseId: string }
  /** Not a person's reply: an auto-reply, a bounce, one of Closeloop's own messages, nothing to read. */
  | { readonly status: 'ignored'; readonly reason: IgnoredReason }
  /** A reply that has no case to go to: no token of ours, no such case (expired), closed too long ago, erased. */
  | { readonly status: 'dropped'; readonly reason: 'unknown-token' | 'unknown-case' | 'closed' | 'erased' };

/** The key of the raw message the receipt rule's S3 action stored. */
export const rawMailKey = (prefix: string, messageId: string) => `${prefix}${messageId}`;

/** A Message-ID as the history keeps it: a hash (the id may carry a host name or an address). */
export const messageIdHash = (messageId: string) => createHash('sha256').update(messageId.trim().toLowerCase()).digest('base64url').slice(0, 22);

/**
 * A customer's answer to an email about their case: read (loop guards, quoted history and signature
 * stripped, cleaned), appended to the case's history as `customer-replied` with who wrote and when,
 * once per Message-ID (a write conditional on the case's version: a second delivery finds the first),
 * then the raw message deleted. Anything that is no reply, or has no case to go to, is deleted too,
 * with the reason. A storage or table failure throws: the invocation is retried, then kept on the
 * stage's failure queue with the error, and the raw message stays (the bucket deletes it after 7 days).
 */
export async function receiveMail(received: ReceivedMail, key: string, deps: InboundMailDeps): Promise<InboundOutcome> {
  const { outcome, announce } = await decide(received, key, deps);
  // Before the raw message goes: a failed put is retried with the invocation, which then finds the reply recorded and announces it again.
  if (announce) await deps.events.publish([announce]);
  await deps.mail.delete(key);
  return outcome;
}

/** The outcome, and the event to put for a reply in its case (recorded now, or found recorded by a retry: at least once). */
async function decide(received: ReceivedMail, key: string, deps: InboundMailDeps): Promise<{ outcome: InboundOutcome; announce?: IntegrationEvent }> {
  const outcome = await recordReply(received, key, deps);
  if (outcome.status !== 'recorded' && outcome.status !== 'duplicate') return { outcome };
  const { caseRecord, entry } = outcome;
  return {
    outcome: { status: outcome.status, caseId: outcome.caseId, ...(outcome.assigneeTold ? { assigneeTold: true } : {}) },
    announce: followUpCustomerReplied(caseRecord, { at: entry.at, messageId: entry.messageId ?? '' }),
  };
}

type Recorded = {
  readonly status: 'recorded' | 'duplicate';
  readonly caseId: string;
  readonly caseRecord: FollowUpCaseRecord;
  readonly entry: CaseChange;
  readonly assigneeTold?: boolean;
};

async function recordReply(
  received: ReceivedMail,
  key: string,
  deps: InboundMailDeps,
): Promise<Exclude<InboundOutcome, { status: 'recorded' | 'duplicate' }> | Recorded> {
  const caseId = received.recipients.map((address) => deps.tokens.caseOfAddress(address, deps.domain)).find((id) => id !== undefined);
  const { bytes, size } = await deps.mail.read(key, MAX_MAIL_BYTES);
  const mail = await readMail(
    bytes,
    {
      source: received.source,
      messageId: received.messageId,
      truncated: size > bytes.length,
      ...(received.virusVerdict ? { virusVerdict: received.virusVerdict } : {}),
    },
    { senderEmail: deps.senderEmail },
  );
  if (mail.kind === 'ignored') return { status: 'ignored', reason: mail.reason };
  if (!caseId) return { status: 'dropped', reason: 'unknown-token' };
  const messageId = messageIdHash(mail.messageId);
  for (let attempt = 1; ; attempt++) {
    const record = await deps.cases.get(caseId);
    if (!record) return { status: 'dropped', reason: 'unknown-case' };
    const refused = refusal(record, deps.now());
    if (refused) return { status: 'dropped', reason: refused };
    const earlier = record.history.find((change) => change.action === 'customer-replied' && change.messageId === messageId);
    if (earlier) return { status: 'duplicate', caseId, caseRecord: record, entry: earlier };
    const now = deps.now();
    const after = addCustomerReply(record, now, { from: mail.from, text: mail.text, messageId, dropped: mail.dropped });
    // The assignee's email (when an address), in the reply's transaction: sent once by the notify stage.
    const tell = assigneeNoticeFor(after, { replyId: String(after.history.length), from: mail.from, text: mail.text }, contactKeyOf, now);
    if (await deps.cases.update(record, after, tell)) {
      return { status: 'recorded', caseId, caseRecord: after, entry: after.history.at(-1) as CaseChange, ...(tell ? { assigneeTold: true } : {}) };
    }
    if (attempt >= ATTEMPTS) throw new Error(`case ${caseId} kept changing while its customer's reply was being recorded (${ATTEMPTS} attempts)`);
  }
}

/** Why a case takes no more replies: erased, or resolved more than REPLY_WINDOW_DAYS ago. */
function refusal(record: FollowUpCaseRecord, now: Date): 'erased' | 'closed' | undefined {
  if (record.erasedAt) return 'erased';
  if (record.status === 'resolved' && record.resolvedAt && now.getTime() - Date.parse(record.resolvedAt) > REPLY_WINDOW_DAYS * 86_400_000) return 'closed';
  return undefined;
}
