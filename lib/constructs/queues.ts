import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';

/** House defaults for every queue: SSE-SQS encryption (EventBridge can deliver to it) and TLS only. */
export function secureQueue(scope: Construct, id: string, props: QueueProps = {}): Queue {
  return new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, ...props });
}

/** A dead-letter queue: kept 14 days, and itself without a DLQ (nothing further to send to). */
export function deadLetterQueue(scope: Construct, id: string, retentionDays: number): Queue {
  const queue = secureQueue(scope, id, { retentionPeriod: Duration.days(retentionDays) });
  const reason = 'This queue is a dead-letter queue; operators inspect and redrive it.';
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  Validations.of(queue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason });
  return queue;
}

/**
 * A function fed only by an SQS event source: the Serverless pack asks for a function DLQ and an
 * event-source failure destination, neither of which SQS sources support. The queue's redrive
 * policy is what keeps the failed message.
 */
export function acknowledgeQueueRedrive(fn: IConstruct, queue: string, maxReceiveCount: number): void {
  const reason =
    'Invoked only by the SQS event source, which supports no on-failure destination or function DLQ: ' +
    `the ${queue} queue's redrive policy moves a message that failed ${maxReceiveCount} receives to its dead-letter queue.`;
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason });
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaEventSourceMappingDestination', reason });
}
