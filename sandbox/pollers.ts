import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

// biome-ignore lint/suspicious/noConfusingVoidType: the aws-lambda handler types' own return type
type BatchHandler<E> = (event: E, context: Context) => Promise<SQSBatchResponse | void>;

export interface Poller {
  stop(): Promise<void>;
}

export type ErrorReporter = (source: string, error: unknown) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `step` until stopped; a failing step is reported and retried after a pause. */
function loop(name: string, step: (stopping: () => boolean) => Promise<void>, report: ErrorReporter): Poller {
  let stopping = false;
  const done = (async () => {
    while (!stopping) {
      try {
        await step(() => stopping);
      } catch (error) {
        if (!stopping) report(name, error);
        await sleep(500);
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      await done;
    },
  };
}

/** The message attributes as Lambda's SQS event carries them (the four it always has, and the rest as SQS gave them). */
function lambdaAttributes(attributes: Record<string, string>): SQSRecord['attributes'] {
  return {
    ...attributes,
    ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
    SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
    SenderId: attributes.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
}

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  readonly queue: { readonly name: string; readonly url: string; readonly arn: string };
  readonly handler: BatchHandler<SQSEvent>;
  readonly functionName: string;
  /** How long a failed message stays invisible before its retry (Lambda waits the visibility timeout). */
  readonly retryDelaySeconds: number;
  /** The handler sets a failed message's visibility itself (its own backoff): leave it, as Lambda does. @default false */
  readonly handlerSetsVisibility?: boolean;
  readonly report: ErrorReporter;
}

/**
 * Lambda's SQS event source, locally: receive up to 10, invoke, delete what succeeded, and leave
 * the reported failures on the queue, where the redrive policy moves them to the DLQ in the end.
 */
export function pollQueue(options: SqsPollerOptions): Poller {
  const { sqs, queue } = options;
  return loop(
    options.functionName,
    async (stopping) => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (!Messages.length || stopping()) return;
      const records: SQSRecord[] = Messages.map((m) => ({
        messageId: m.MessageId as string,
        receiptHandle: m.ReceiptHandle as string,
        body: m.Body ?? '',
        attributes: lambdaAttributes(m.Attributes ?? {}),
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queue.arn,
        awsRegion: 'us-east-1',
      }));
      let failed: Set<string>;
      try {
        const result = await options.handler({ Records: records }, lambdaContext(options.functionName));
        failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        options.report(options.functionName, error);
        failed = new Set(records.map((r) => r.messageId));
      }
      const succeeded = records.filter((r) => !failed.has(r.messageId));
      const retried = records.filter((r) => failed.has(r.messageId));
      if (succeeded.length) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: succeeded.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
      if (retried.length && !options.handlerSetsVisibility) {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queue.url,
            Entries: retried.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle, VisibilityTimeout: options.retryDelaySeconds })),
          }),
        );
      }
    },
    options.report,
  );
}

export interface StreamPollerOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly handler: BatchHandler<DynamoDBStreamEvent>;
  readonly functionName: string;
  /** Retries of a failing record before it goes to the on-failure destination (as the stack's retryAttempts). */
  readonly retryAttempts: number;
  readonly sqs: SQSClient;
  readonly onFailureQueueUrl: string;
  readonly report: ErrorReporter;
}

/**
 * The Streams client reads an empty map attribute (`{"M":{}}` on the wire) back as `{}`, which no
 * unmarshaller accepts; Lambda hands functions the wire form. Restore it.
 */
type Attribute = { M?: Record<string, Attribute>; L?: Attribute[] } & Record<string, unknown>;

function restoreAttribute(attribute: Attribute): Attribute {
  if (Object.keys(attribute).length === 0) return { M: {} };
  if (attribute.M) return { M: restoreEmptyMaps(attribute.M) };
  if (attribute.L) return { L: attribute.L.map(restoreAttribute) };
  return attribute;
}

function restoreEmptyMaps(image: Record<string, Attribute>): Record<string, Attribute> {
  return Object.fromEntries(Object.entries(image).map(([key, attribute]) => [key, restoreAttribute(attribute)]));
}

function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const ddb = record.dynamodb ?? {};
  const created = ddb.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...ddb,
      ...(ddb.NewImage ? { NewImage: restoreEmptyMaps(ddb.NewImage as Record<string, Attribute>) } : {}),
      ...(ddb.OldImage ? { OldImage: restoreEmptyMaps(ddb.OldImage as Record<string, Attribute>) } : {}),
      ApproximateCreationDateTime: created instanceof Date ? Math.floor(created.getTime() / 1000) : (created as number | undefined),
    } as DynamoDBRecord['dynamodb'],
  };
}

/**
 * Lambda's DynamoDB stream event source, locally: every shard in order; with partial batch
 * responses the batch is retried from the first failed record; after `retryAttempts` that record
 * is described on the on-failure queue and skipped, so one poison record cannot stall the shard.
 */
export function pollStream(options: StreamPollerOptions): Poller {
  const { streams, streamArn } = options;
  const iterators = new Map<string, string | null>();
  const attempts = new Map<string, number>();

  const startAt = async (shardId: string, sequenceNumber?: string) => {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(sequenceNumber ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: sequenceNumber } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator ?? null;
  };

  return loop(
    options.functionName,
    async (stopping) => {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      for (const shard of StreamDescription?.Shards ?? []) {
        const shardId = shard.ShardId as string;
        if (!iterators.has(shardId)) iterators.set(shardId, await startAt(shardId));
      }
      let active = false;
      for (const [shardId, iterator] of iterators) {
        if (!iterator || stopping()) continue;
        const { Records = [], NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
        iterators.set(shardId, NextShardIterator ?? null);
        if (!Records.length) continue;
        active = true;
        const records = Records.map((r) => toLambdaRecord(r, streamArn));
        let failedAt: string | undefined;
        try {
          const result = await options.handler({ Records: records }, lambdaContext(options.functionName));
          // As Lambda: the checkpoint is the failed record with the lowest sequence number. Powertools
          // lists failures in the order they completed (records run concurrently), not in stream order.
          const failures = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
          failedAt = records.find((r) => failures.has(r.dynamodb?.SequenceNumber ?? ''))?.dynamodb?.SequenceNumber;
          if (failedAt)
            options.report(options.functionName, `${result?.batchItemFailures.length} of ${records.length} records failed; retrying from ${failedAt}`);
        } catch (error) {
          options.report(options.functionName, error);
          failedAt = records[0]?.dynamodb?.SequenceNumber;
        }
        if (!failedAt) continue;
        const tries = (attempts.get(failedAt) ?? 0) + 1;
        attempts.set(failedAt, tries);
        if (tries <= options.retryAttempts) {
          iterators.set(shardId, await startAt(shardId, failedAt));
          continue;
        }
        const poison = records.find((r) => r.dynamodb?.SequenceNumber === failedAt);
        await options.sqs.send(
          new SendMessageCommand({
            QueueUrl: options.onFailureQueueUrl,
            MessageBody: JSON.stringify({
              requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: tries, functionName: options.functionName },
              timestamp: new Date().toISOString(),
              DDBStreamBatchInfo: { shardId, startSequenceNumber: failedAt, endSequenceNumber: failedAt, streamArn, batchSize: 1 },
              record: poison,
            }),
          }),
        );
        attempts.delete(failedAt);
        const next = records[records.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt) + 1]?.dynamodb?.SequenceNumber;
        if (next) iterators.set(shardId, await startAt(shardId, next));
      }
      if (!active) await sleep(250);
    },
    options.report,
  );
}

/** Runs `task` every `intervalMs` (one at a time), like a scheduled rule with a single instance. */
export function every(intervalMs: number, task: () => Promise<unknown>, report: ErrorReporter, name: string): Poller {
  return loop(
    name,
    async (stopping) => {
      await task();
      const until = Date.now() + intervalMs;
      while (!stopping() && Date.now() < until) await sleep(Math.min(100, intervalMs));
    },
    report,
  );
}
