import { CreateTableCommand, type CreateTableCommandInput, DescribeTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  announceFailureQueue,
  announceQueue,
  bufferQueue,
  deliverabilityFailureQueue,
  deliverFailureQueue,
  dispatchFailureQueue,
  escalateFailureQueue,
  feedbackQueue,
  followUpDeadLetterName,
  followUpQueueDefaults,
  followUpQueueNames,
  inboundFailureQueue,
  integrationQueueDefaults,
  integrationQueueName,
  measureFailureQueue,
  notifyFailureQueue,
  rulesFailureQueue,
  surveyTable,
} from '../functions/config/resources.js';
import type { Catalog } from '../functions/domain/program.js';

export interface SandboxQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface SandboxResources {
  readonly tableName: string;
  readonly streamArn: string;
  /** Every queue by its declared name: buffer, dead letters, rules failures, follow-up queues and their DLQs. */
  readonly queues: Record<string, SandboxQueue>;
}

export const SANDBOX_TABLE_NAME = 'closeloop-surveys';
/**
 * Sandbox only: every event Closeloop puts on its bus (source "closeloop": SurveySent, EventRejected…)
 * also lands here, as on a subscriber's queue in AWS; read it to see what a subscriber would get.
 */
/** The sandbox's Closeloop bus (its PutEvents endpoint serves this name). */
export const SANDBOX_BUS_NAME = 'closeloop-sandbox';

export const SANDBOX_INTEGRATION_EVENTS_QUEUE = 'closeloop-integration-events';

/** The bucket the sandbox's SMTP server stores received messages in (on fauxqs's S3), as the receipt rule's S3 action does. */
export const SANDBOX_INBOUND_BUCKET = 'closeloop-inbound-mail';

/** The survey table as the CDK stack declares it (keys, GSIs, stream): the sandbox's, and the benchmarks' that count index writes. */
export function surveyTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: surveyTable.partitionKey, AttributeType: 'S' },
      { AttributeName: surveyTable.sortKey, AttributeType: 'S' },
      { AttributeName: surveyTable.slaIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: surveyTable.slaIndex.sortKey, AttributeType: 'N' },
      { AttributeName: surveyTable.contactIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: surveyTable.inboxIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: surveyTable.inboxIndex.sortKey, AttributeType: 'N' },
      { AttributeName: surveyTable.answerIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: surveyTable.answerIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: surveyTable.partitionKey, KeyType: 'HASH' },
      { AttributeName: surveyTable.sortKey, KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: [
      {
        IndexName: surveyTable.slaIndex.name,
        KeySchema: [
          { AttributeName: surveyTable.slaIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: surveyTable.slaIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: surveyTable.contactIndex.name,
        KeySchema: [{ AttributeName: surveyTable.contactIndex.partitionKey, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: surveyTable.inboxIndex.name,
        KeySchema: [
          { AttributeName: surveyTable.inboxIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: surveyTable.inboxIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: surveyTable.answerIndex.name,
        KeySchema: [
          { AttributeName: surveyTable.answerIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: surveyTable.answerIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: surveyTable.streamView },
  };
}

/** Creates, on the emulators, the table and queues the CDK stack declares (same shapes, same catalog). */
export async function createResources(dynamodb: DynamoDBClient, sqs: SQSClient, catalog: Catalog): Promise<SandboxResources> {
  await dynamodb.send(new CreateTableCommand(surveyTableDefinition(SANDBOX_TABLE_NAME)));
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: SANDBOX_TABLE_NAME,
      TimeToLiveSpecification: { AttributeName: surveyTable.timeToLiveAttribute, Enabled: true },
    }),
  );
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: SANDBOX_TABLE_NAME }));
  if (!Table?.LatestStreamArn) throw new Error('DynamoDB Local created the table without a stream');

  const queues: Record<string, SandboxQueue> = {};
  const create = async (name: string, attributes: Record<string, string>, deadLetter?: { name: string; maxReceiveCount: number }) => {
    const withRedrive = deadLetter
      ? { ...attributes, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queues[deadLetter.name]?.arn, maxReceiveCount: deadLetter.maxReceiveCount }) }
      : attributes;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: withRedrive }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    queues[name] = { name, url: QueueUrl as string, arn: Attributes?.QueueArn as string };
  };
  const days = (n: number) => String(n * 86_400);

  await create(dispatchFailureQueue.name, { MessageRetentionPeriod: days(dispatchFailureQueue.retentionDays) });
  await create(
    bufferQueue.name,
    { VisibilityTimeout: String(bufferQueue.visibilityTimeoutSeconds) },
    { name: dispatchFailureQueue.name, maxReceiveCount: bufferQueue.maxReceiveCount },
  );
  await create(deliverabilityFailureQueue.name, { MessageRetentionPeriod: days(deliverabilityFailureQueue.retentionDays) });
  await create(
    feedbackQueue.name,
    { VisibilityTimeout: String(feedbackQueue.visibilityTimeoutSeconds) },
    { name: deliverabilityFailureQueue.name, maxReceiveCount: feedbackQueue.maxReceiveCount },
  );
  for (const failures of [rulesFailureQueue, measureFailureQueue, escalateFailureQueue, inboundFailureQueue]) {
    await create(failures.name, { MessageRetentionPeriod: days(failures.retentionDays) });
  }
  await create(notifyFailureQueue.name, { MessageRetentionPeriod: days(notifyFailureQueue.retentionDays) });
  await create(SANDBOX_INTEGRATION_EVENTS_QUEUE, { MessageRetentionPeriod: days(1) });
  for (const name of followUpQueueNames(catalog)) {
    await create(followUpDeadLetterName(name), { MessageRetentionPeriod: days(followUpQueueDefaults.retentionDays) });
    await create(
      name,
      { VisibilityTimeout: String(followUpQueueDefaults.visibilityTimeoutSeconds) },
      { name: followUpDeadLetterName(name), maxReceiveCount: followUpQueueDefaults.maxReceiveCount },
    );
  }
  await create(deliverFailureQueue.name, { MessageRetentionPeriod: days(deliverFailureQueue.retentionDays) });
  for (const integration of catalog.integrations ?? []) {
    await create(
      integrationQueueName(integration.id),
      { VisibilityTimeout: String(integrationQueueDefaults.visibilityTimeoutSeconds), MessageRetentionPeriod: days(integrationQueueDefaults.retentionDays) },
      { name: deliverFailureQueue.name, maxReceiveCount: integrationQueueDefaults.maxReceiveCount },
    );
  }
  await create(announceFailureQueue.name, { MessageRetentionPeriod: days(announceFailureQueue.retentionDays) });
  await create(
    announceQueue.name,
    { VisibilityTimeout: String(announceQueue.visibilityTimeoutSeconds) },
    { name: announceFailureQueue.name, maxReceiveCount: announceQueue.maxReceiveCount },
  );
  return { tableName: SANDBOX_TABLE_NAME, streamArn: Table.LatestStreamArn, queues };
}
