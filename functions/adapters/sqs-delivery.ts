import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliverableEvent } from '../domain/integrations.js';
import type { DeliveryQueue } from '../ports.js';
import { sqsClient } from './sqs-queues.js';

/** The integrations' delivery queues: replays go back on them; a failed attempt's message waits out its backoff there. */
export class SqsDeliveryQueues implements DeliveryQueue {
  /** @param queueUrls integration id → delivery queue URL */
  constructor(
    private readonly queueUrls: Readonly<Record<string, string>>,
    private readonly client: SQSClient = sqsClient,
  ) {}

  /** The integration whose queue an event source ARN names (the queue name is the last part of both its ARN and its URL). */
  integrationOf(queueArn: string): string | undefined {
    const name = queueArn.split(':').pop();
    return Object.entries(this.queueUrls).find(([, url]) => url.split('/').pop() === name)?.[0];
  }

  async enqueue(integrationId: string, events: readonly DeliverableEvent[]): Promise<void> {
    const QueueUrl = this.urlOf(integrationId);
    for (let i = 0; i < events.length; i += 10) {
      const entries = events.slice(i, i + 10).map((event, j) => ({ Id: String(j), MessageBody: JSON.stringify(event) }));
      const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} of ${entries.length} replayed events`);
    }
  }

  /** Makes the message visible again in `seconds` (Lambda leaves a failed message's visibility alone, so this is its backoff). */
  async retryIn(integrationId: string, receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.urlOf(integrationId),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.round(seconds)),
      }),
    );
  }

  private urlOf(integrationId: string): string {
    const url = this.queueUrls[integrationId];
    if (!url) throw new Error(`no delivery queue URL for integration "${integrationId}"`);
    return url;
  }
}
