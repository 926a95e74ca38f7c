import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AnnouncementJob, AnnouncementQueue } from '../announce/announce.js';
import { sqsClient } from './sqs-queues.js';

/** SendMessageBatch takes at most 10 entries. */
const BATCH = 10;
/** Entries SQS failed (throttling, a transient fault) are sent again this many times. */
const MAX_ATTEMPTS = 5;

/** The announce stage's queue: one message per recipient (no address or name in it). */
export class SqsAnnouncementQueue implements AnnouncementQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient = sqsClient,
  ) {}

  async enqueue(jobs: readonly AnnouncementJob[]): Promise<void> {
    for (let start = 0; start < jobs.length; start += BATCH) {
      let pending = jobs.slice(start, start + BATCH).map((job, i) => ({ Id: String(i), MessageBody: JSON.stringify(job) }));
      for (let attempt = 1; pending.length; attempt++) {
        const { Failed = [] } = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const failedIds = new Set(Failed.map((entry) => entry.Id));
        pending = pending.filter((entry) => failedIds.has(entry.Id));
        // A message queued twice is harmless (the send's claim is conditional); one never queued is a missed email.
        if (pending.length && attempt >= MAX_ATTEMPTS) {
          throw new Error(`SQS refused ${pending.length} announcement messages: ${Failed.map((f) => f.Message ?? f.Code).join('; ')}`);
        }
      }
    }
  }
}
