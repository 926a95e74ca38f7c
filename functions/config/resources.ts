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

/** Where events end that cannot be surveyed: contract violations (with a reason) and exhausted retries. */
export const deadLetterQueue = { name: 'dispatch-dead-letters', retentionDays: 14 } as const;

/** On-failure destination of the rules stage (stream records that kept failing). */
export const rulesFailureQueue = { name: 'rules-failures', retentionDays: 14 } as const;

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
