import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { FollowUpCase } from '../domain/follow-up-case.js';
import type { DeadLetterSink, FollowUpPublisher } from '../ports.js';

// Send to the queue URL's own endpoint resolution, not its host: equal in AWS, and emulators'
// URLs (sqs.<region>.127.0.0.1) do not resolve.
export const sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });

/** SQS bodies are limited to 256 KiB; keep room for the reason attribute. */
const MAX_DEAD_LETTER_BODY = 200_000;

export class SqsFollowUpPublisher implements FollowUpPublisher {
  /** @param queueUrls follow-up queue name (as declared in the catalog) → URL */
  constructor(
    private readonly queueUrls: Readonly<Record<string, string>>,
    private readonly client: SQSClient = sqsClient,
  ) {}

  async publish(followUp: FollowUpCase): Promise<void> {
    const queueUrl = this.queueUrls[followUp.queue];
    if (!queueUrl) throw new Error(`no URL configured for follow-up queue "${followUp.queue}"`);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(followUp),
        MessageAttributes: {
          caseId: { DataType: 'String', StringValue: followUp.caseId },
          programId: { DataType: 'String', StringValue: followUp.programId },
          contract: { DataType: 'String', StringValue: 'closeloop.follow-up.v1' },
        },
      }),
    );
  }
}

export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly queueUrl: string,
    private readonly stage: string,
    private readonly client: SQSClient = sqsClient,
  ) {}

  async reject(body: string, reason: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body.length > MAX_DEAD_LETTER_BODY ? body.slice(0, MAX_DEAD_LETTER_BODY) : body || '(empty)',
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
          stage: { DataType: 'String', StringValue: this.stage },
        },
      }),
    );
  }
}
