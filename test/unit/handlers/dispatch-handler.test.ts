import '../../fixtures/handler-env.js';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/dispatch/handler.js';
import { lambdaContext } from '../../../lib/sandbox/lambda-context.js';
import { orderDelivered } from '../../fixtures/events.js';
import { HANDLER_ENV } from '../../fixtures/handler-env.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const sqs = mockClient(SQSClient);

const sqsEvent = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m${i}`, receiptHandle: `r${i}`, body, attributes: {} as never, messageAttributes: {},
    md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:buffer', awsRegion: 'us-east-1',
  })),
});

describe('dispatch handler', () => {
  beforeEach(() => {
    dynamo.reset();
    ses.reset();
    sqs.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  });

  it('claims the event and stores the invitation in one transaction, then sends one email', async () => {
    const result = await handler(sqsEvent(JSON.stringify(orderDelivered())), lambdaContext('dispatch'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => i.Put?.Item?.pk)).toEqual(['DISPATCH#order-delivered-nps#ord-1042-delivered', expect.stringMatching(/^INV#/)]);
    expect(items.every((i) => i.Put?.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: 'surveys@example.com',
      Destination: { ToAddresses: ['ana@example.com'] },
      ReplyToAddresses: ['support@example.com'],
      ConfigurationSetName: 'closeloop-test',
      EmailTags: [{ Name: 'program', Value: 'order-delivered-nps' }, { Name: 'kind', Value: 'nps' }],
    });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
  });

  it('skips a duplicate without sending', async () => {
    dynamo.on(TransactWriteCommand).rejects(new TransactionCanceledException({
      message: 'cancelled', $metadata: {},
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
    }));
    const result = await handler(sqsEvent(JSON.stringify(orderDelivered())), lambdaContext('dispatch'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('reports only the failing record when SES fails, after releasing its claim', async () => {
    ses.on(SendEmailCommand)
      .resolvesOnce({ MessageId: 'ses-1' })
      .rejects(new Error('Throttling: Maximum sending rate exceeded.'));
    const event = sqsEvent(JSON.stringify(orderDelivered({ eventId: 'a' })), JSON.stringify(orderDelivered({ eventId: 'b' })));

    const result = await handler(event, lambdaContext('dispatch'));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
    const release = dynamo.commandCalls(TransactWriteCommand)[2]!.args[0].input.TransactItems!;
    expect(release.map((i) => i.Delete?.Key?.pk)).toEqual(['DISPATCH#order-delivered-nps#b', expect.stringMatching(/^INV#/)]);
  });

  it('dead-letters a contract violation with its reason and does not fail the batch', async () => {
    const result = await handler(sqsEvent('{"source":"shop.orders"}', JSON.stringify(orderDelivered())), lambdaContext('dispatch'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: HANDLER_ENV.CLOSELOOP_DEAD_LETTER_QUEUE_URL,
      MessageBody: '{"source":"shop.orders"}',
      MessageAttributes: expect.objectContaining({ reason: { DataType: 'String', StringValue: expect.stringContaining('detail-type') } }),
    });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
  });

  it('retries (reports) a record whose transaction fails for another reason', async () => {
    dynamo.on(TransactWriteCommand).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
    const result = await handler(sqsEvent(JSON.stringify(orderDelivered())), lambdaContext('dispatch')).catch((e: Error) => e);
    // Powertools throws when every record of the batch failed: Lambda retries the whole batch.
    expect(result).toBeInstanceOf(Error);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });
});
