import type { Catalog } from '../domain/program.js';

/**
 * Shapes of the table and queues, read by the CDK constructs and by the sandbox, which creates
 * the same table and queues on its emulators. Physical names are CDK's in AWS.
 */
export const surveyTable = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after (lazily). */
  timeToLiveAttribute: 'expiresAt',
  streamView: 'NEW_AND_OLD_IMAGES',
  /**
   * Sparse index of follow-up cases with a pending deadline: only such cases carry `slaShard`, so
   * the escalation sweep reads what is due and nothing else (no table scan).
   */
  slaIndex: { name: 'sla-due', partitionKey: 'slaShard', sortKey: 'slaDueAt', shards: 4 },
  /**
   * Items holding a person's data (invitations with their responses, follow-up cases) by the hashed
   * address, keys only: what `closeloop erase` finds without scanning the table.
   */
  contactIndex: { name: 'by-contact', partitionKey: 'contactKey' },
  /**
   * Sparse index of follow-up cases for the case inbox (`GET /cases`): only case items carry
   * `inboxKey` (`<queue>#<status>`) and `inboxDue` (the resolve-by time, epoch ms), so a listing is
   * one Query per queue and status (overdue: `inboxDue` < now), oldest due first. Keys only: the page's
   * cases are then read from the table (current, never a stale status), and an index entry stays
   * under 100 bytes (1 write unit per index write).
   */
  inboxIndex: { name: 'inbox', partitionKey: 'inboxKey', sortKey: 'inboxDue' },
  /**
   * Answered invitations by program and answer time, keys only: what `closeloop announce` reads
   * instead of scanning the table. Sparse on attributes the answer already writes (`respondedAt`
   * exists only once answered): no write of its own; one index entry (1 WRU) per first answer.
   */
  answerIndex: { name: 'by-program-answer', partitionKey: 'programId', sortKey: 'respondedAt' },
} as const;

/** Visibility must exceed the dispatch function's timeout so an in-flight batch is not redelivered. */
export const DISPATCH_TIMEOUT_SECONDS = 30;
export const RULES_TIMEOUT_SECONDS = 30;

export const bufferQueue = {
  name: 'dispatch-buffer',
  visibilityTimeoutSeconds: DISPATCH_TIMEOUT_SECONDS * 6,
  /** Transient failures (SES throttling, DynamoDB errors) are retried this many times before the DLQ. */
  maxReceiveCount: 5,
} as const;

/**
 * How long a delivery that reserved a survey holds it while sending. Longer than the dispatch
 * function's timeout (plus a minute for clocks), so a delivery still running is never sent over;
 * shorter than the buffer's visibility timeout less that timeout, so the first redelivery after a
 * crash or a timeout (which comes a visibility timeout after the receive) finds it ended and sends.
 */
export const DISPATCH_LEASE_SECONDS = DISPATCH_TIMEOUT_SECONDS * 3;

/** Where events end that cannot be surveyed: contract violations (with a reason) and exhausted retries. */
export const dispatchFailureQueue = { name: 'dispatch-failures', retentionDays: 14 } as const;

/** The notify stage (stream → respondent notifications). */
export const NOTIFY_TIMEOUT_SECONDS = 30;
/**
 * How long a delivery that claimed a notification holds it while sending: longer than the notify
 * function's timeout plus a minute for clocks, so a delivery still running is never sent over.
 */
export const NOTIFY_LEASE_SECONDS = NOTIFY_TIMEOUT_SECONDS * 3;
/**
 * Retries of a failing notify batch (the stream's event source) before its description goes to the
 * on-failure queue: more than the rules stage's, as a claim held by a delivery that died is taken
 * over only after its lease.
 */
export const NOTIFY_RETRY_ATTEMPTS = 10;
/** On-failure destination of the notify stage (stream records that kept failing). */
export const notifyFailureQueue = { name: 'notify-failures', retentionDays: 14 } as const;

/** On-failure destination of the rules stage (stream records that kept failing), and where it sets a record it can never route aside. */
export const rulesFailureQueue = { name: 'rules-failures', retentionDays: 14 } as const;
/** The measure stage's: stream records that kept failing, and the corrupted ones it sets aside. */
export const measureFailureQueue = { name: 'measure-failures', retentionDays: 14 } as const;
/** The escalation sweep's: runs that kept failing (its DLQ), and the cases it cannot escalate. */
export const escalateFailureQueue = { name: 'escalate-failures', retentionDays: 14 } as const;
/** The inbound stage's: received messages whose invocation kept failing (its DLQ, with the error), redriven within the bucket's 7 days. */
export const inboundFailureQueue = { name: 'inbound-failures', retentionDays: 14 } as const;

/**
 * Received mail (`inbound`): the receipt rule's S3 action stores each message under `prefix` + SES's
 * message id; the inbound stage deletes it once read, and the bucket whatever is left after `expireDays`.
 */
export const inboundMail = { prefix: 'inbound/', expireDays: 7 } as const;

/**
 * SES bounce and complaint events of Closeloop's configuration set. SES publishes them to the
 * account's default event bus; a rule there forwards them to the feedback queue.
 */
export const sesFeedbackEvents = {
  source: 'aws.ses',
  detailTypes: ['Email Bounced', 'Email Complaint'],
} as const;

export const FEEDBACK_TIMEOUT_SECONDS = 30;

export const feedbackQueue = {
  name: 'deliverability-feedback',
  visibilityTimeoutSeconds: FEEDBACK_TIMEOUT_SECONDS * 6,
  maxReceiveCount: 5,
} as const;

/** Feedback events that cannot be processed (with the reason) and exhausted retries. */
export const deliverabilityFailureQueue = { name: 'deliverability-failures', retentionDays: 14 } as const;

export const followUpQueueDefaults = {
  visibilityTimeoutSeconds: 300,
  retentionDays: 14,
  maxReceiveCount: 5,
} as const;

export function followUpQueueNames(catalog: Catalog): string[] {
  return Object.keys(catalog.followUpQueues);
}

/** A follow-up queue's dead-letter queue, named after it. */
export function followUpDeadLetterName(queue: string): string {
  return `${queue}-dead-letters`;
}

/**
 * Dispatch concurrency that keeps SES under its send rate: one instance sends a batch of 10 one
 * by one, about 10 emails a second; the SQS event source needs at least 2.
 */
export function dispatchConcurrencyFor(sesMaxSendRate: number): number {
  return Math.min(1000, Math.max(2, Math.floor(sesMaxSendRate / 10)));
}

/**
 * The send rate each dispatch instance paces itself to: its share of SES's, so that all of them
 * together stay within it (throttling stays the exception; the SES client's retry is the backstop).
 */
export function dispatchSendRateFor(sesMaxSendRate: number): number {
  return sesMaxSendRate / dispatchConcurrencyFor(sesMaxSendRate);
}

/** The sandbox's and the demo app's addresses (example.com: never delivered). */
export const EXAMPLE_ADDRESSES = { senderEmail: 'surveys@example.com', supportEmail: 'support@example.com', inboundDomain: 'inbound.example.com' } as const;

/**
 * Secrets the stack generates and passes to functions by id (ARN) in an environment variable. The
 * name is the sandbox's: it serves `CLOSELOOP_SECRET_<NAME>` from its environment, or a random value
 * of its own where `generated`; in AWS, CDK names the secret.
 */
export const pageSigningSecret = { name: 'page-signing-key', generated: true } as const;
/** The case inbox's cursor key: a secret of its own, so the case API never reads the pages' key. */
export const inboxCursorSecret = { name: 'inbox-cursor-key', generated: true } as const;
/** The reply addresses' key (`inbound` only): a secret of its own, read by the notify and inbound stages. */
export const replyTokenSecret = { name: 'reply-token-key', generated: true } as const;

export const DELIVER_TIMEOUT_SECONDS = 60;

/**
 * One delivery queue per catalog integration (fed by a bus rule on its `on:` detail-types). The
 * function sets each failed message's visibility to the backoff itself; the redrive policy is a
 * backstop for crashes only (a delivery that exhausts its retries is dead-lettered by the function,
 * with the reason), so maxReceiveCount sits above the attempts and retention above the window.
 */
export const integrationQueueDefaults = {
  visibilityTimeoutSeconds: DELIVER_TIMEOUT_SECONDS * 6,
  retentionDays: 4,
  /** MAX_DELIVERY_ATTEMPTS (13) plus two crashes' worth of slack. */
  maxReceiveCount: 15,
} as const;

export const deliverFailureQueue = { name: 'deliver-failures', retentionDays: 14 } as const;

/** An integration's delivery queue, named after it. */
export function integrationQueueName(integrationId: string): string {
  return `integration-${integrationId}`;
}

/** How long a delivery log item is kept (DynamoDB TTL): the replay horizon. */
export const DELIVERY_LOG_DAYS = 30;

/** The announce stage ("you said, we did"): POST /announcements plans, its queue sends one email per recipient. */
export const ANNOUNCE_TIMEOUT_SECONDS = 29;
/** How long a send that claimed an announcement record holds it: longer than the function's timeout plus a minute for clocks. */
export const ANNOUNCE_LEASE_SECONDS = ANNOUNCE_TIMEOUT_SECONDS * 3;
export const announceQueue = {
  name: 'announce-sends',
  visibilityTimeoutSeconds: ANNOUNCE_TIMEOUT_SECONDS * 6,
  /** SES throttling and faults are retried this many times (each retry claims again, so none sends twice) before the DLQ. */
  maxReceiveCount: 5,
} as const;
export const announceFailureQueue = { name: 'announce-failures', retentionDays: 14 } as const;

/**
 * Concurrency of the announce queue's consumer: like dispatch, one instance sends a batch of 10 one
 * by one (about 10 emails a second), but with half the SES send rate, so surveys keep flowing while
 * an announcement drains; the SQS event source needs at least 2.
 */
export function announceConcurrencyFor(sesMaxSendRate: number): number {
  return Math.min(1000, Math.max(2, Math.floor(sesMaxSendRate / 20)));
}

/** The digest stage (docs/digests.md): one invocation builds a week's report and sends it to a few recipients. */
export const DIGEST_TIMEOUT_SECONDS = 60;
/** How long a claimed digest send is held: longer than the function's timeout, so a running send is never sent over. */
export const DIGEST_LEASE_SECONDS = DIGEST_TIMEOUT_SECONDS * 2;
/** Schedules that could not invoke the function, and invocations that kept failing, with the reason. */
export const digestFailureQueue = { name: 'digest-failures', retentionDays: 14 } as const;
