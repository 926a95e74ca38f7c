// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../../fixtures/handler-env.js';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { BadRequestException, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/dispatch/handler.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { orderDelivered } from '../../fixtures/events.js';
import { HANDLER_ENV } from '../../fixtures/handler-env.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const sqs = mockClient(SQSClient);
const events = mockClient(EventBridgeClient);
const scheduler = mockClient(SchedulerClient);

const sqsEvent = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body,
    attributes: {} as never,
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:buffer',
    awsRegion: 'us-east-1',
  })),
});

/** A silver-tier customer: only the NPS program applies (the gold-tier CSAT program does not). */
const silver = (eventId: string, email = 'ana@example.com') => orderDelivered({ eventId, customer: { tier: 'silver', email } });

describe('dispatch handler', () => {
  beforeEach(() => {
    dynamo.reset();
    ses.reset();
    sqs.reset();
    events.reset();
    scheduler.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    // No live cancellation.
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
  });

  it('reserves with one transaction, sends one email and marks it sent: three AWS calls, plus one PutEvents for the batch', async () => {
    const result = await handler(sqsEvent(JSON.stringify(silver('a')), JSON.stringify(silver('b'))), lambdaContext('dispatch'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 2);
    // Four writes, one read of both surveys' cancellations (the batch's records run in parallel); and, once
    // per cold start, the read of whether suppression flags are migrated (docs/upgrading.md).
    expect(dynamo.calls().filter((call) => !(call.args[0] instanceof GetCommand) && !(call.args[0] instanceof BatchGetCommand))).toHaveLength(4);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 1);
    expect(Object.values(dynamo.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!)[0]).toMatchObject({
      ConsistentRead: true,
      // Both events are for order 1042: one key, asked for once.
      Keys: [{ pk: 'CANCEL#order-delivered-nps#1042', sk: 'CANCEL' }],
    });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'DISPATCH#order-delivered-nps#a', sk: 'CLAIM' },
      UpdateExpression: 'SET #status = :sent, sentAt = :at REMOVE #token, leaseUntil',
    });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries).toEqual([
      expect.objectContaining({ EventBusName: 'closeloop-test-bus', Source: 'closeloop', DetailType: 'SurveySent' }),
      expect.objectContaining({ DetailType: 'SurveySent' }),
    ]);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => i.Put?.Item?.pk ?? i.Update?.Key?.pk ?? i.ConditionCheck?.Key?.pk)).toEqual([
      'DISPATCH#order-delivered-nps#a',
      expect.stringMatching(/^INV#/),
      expect.stringMatching(/^CONTACT#/),
      expect.stringMatching(/^CONTACT#/),
    ]);
    expect(items[2]!.Update?.ConditionExpression).toBe('(attribute_not_exists(pk) OR #until <= :now) AND attribute_not_exists(suppressed)');
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: 'surveys@example.com',
      Destination: { ToAddresses: ['ana@example.com'] },
      ReplyToAddresses: ['support@example.com'],
      ConfigurationSetName: 'closeloop-test',
      EmailTags: [
        { Name: 'program', Value: 'order-delivered-nps' },
        { Name: 'kind', Value: 'nps' },
        { Name: 'survey', Value: expect.any(String) },
      ],
      Content: {
        Simple: expect.objectContaining({
          Headers: [
            { Name: 'List-Unsubscribe', Value: expect.stringMatching(/^<https:\/\/feedback\.example\.com\/u\/[\w-]{43}>$/) },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        }),
      },
    });
  });

  it('schedules a survey held back by quiet hours with Scheduler, targeting the buffer', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-22T23:30:00Z'), toFake: ['Date'] });
    try {
      const night = orderDelivered({ customer: { tier: 'silver', timeZone: 'Europe/Zagreb' } });
      await handler(sqsEvent(JSON.stringify(night)), lambdaContext('dispatch'));
    } finally {
      vi.useRealTimers();
    }
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      GroupName: 'closeloop-test',
      ScheduleExpression: 'at(2026-11-23T07:00:00)',
      ActionAfterCompletion: 'DELETE',
      Target: expect.objectContaining({ Arn: 'arn:aws:sqs:us-east-1:123456789012:buffer', RoleArn: 'arn:aws:iam::123456789012:role/scheduler' }),
    });
    const input = JSON.parse(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target!.Input!);
    expect(input.closeloopDue).toEqual({ programId: 'order-delivered-nps', at: '2026-11-23T07:00:00.000Z' });
  });

  it('treats an existing schedule as a duplicate', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    vi.useFakeTimers({ now: new Date('2026-11-22T23:30:00Z'), toFake: ['Date'] });
    try {
      await handler(sqsEvent(JSON.stringify(orderDelivered({ customer: { tier: 'silver', timeZone: 'Europe/Zagreb' } }))), lambdaContext('dispatch'));
    } finally {
      vi.useRealTimers();
    }
    expect(events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]).toMatchObject({
      DetailType: 'SurveySkipped',
      Detail: expect.stringContaining('"reason":"duplicate"'),
    });
  });

  it('suppresses an address SES refuses for good instead of retrying', async () => {
    ses.on(SendEmailCommand).rejects(new BadRequestException({ message: 'Illegal address', $metadata: {} }));
    const result = await handler(sqsEvent(JSON.stringify(silver('x'))), lambdaContext('dispatch'));
    expect(result).toEqual({ batchItemFailures: [] });
    const reject = dynamo.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems!;
    expect(reject.map((i) => Object.keys(i)[0])).toEqual(['Update', 'Delete', 'Update', 'Update']);
    // The suppression record (the first reason kept) and the flag on the contact's REST#all item.
    expect(reject[2]!.Update).toMatchObject({ Key: { sk: 'SUPPRESSED' }, ExpressionAttributeValues: { ':reason': 'rejected' } });
    expect(reject[3]!.Update).toMatchObject({ Key: { sk: 'REST#all' }, ExpressionAttributeValues: { ':reason': 'rejected' } });
  });

  it('skips a duplicate without sending, and announces it', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: marshall({ status: 'sent', tokenHash: 'h' }) }, { Code: 'None' }],
      }),
    );
    const result = await handler(sqsEvent(JSON.stringify(silver('d'))), lambdaContext('dispatch'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    // The cancellation read, then the reservation that meets the claim.
    expect(dynamo.calls().map((call) => call.args[0].constructor.name)).toEqual(['BatchGetCommand', 'TransactWriteCommand']);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('defers, without sending, a redelivery whose survey another delivery holds and has not marked sent', async () => {
    const leaseUntil = Math.floor(Date.now() / 1000) + 60;
    dynamo.on(TransactWriteCommand).rejectsOnce(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [
          {
            Code: 'ConditionalCheckFailed',
            Item: marshall({
              status: 'sending',
              tokenHash: 'h',
              token: 'AAAAAAAAAAAAAAAAAAAAAA',
              at: new Date().toISOString(),
              expiresAt: leaseUntil + 86_400,
              leaseUntil,
            }),
          },
          { Code: 'None' },
        ],
      }),
    );
    // The second record, another event, is sent: only the held one comes back later.
    const result = await handler(sqsEvent(JSON.stringify(silver('e')), JSON.stringify(silver('f', 'bo@example.com'))), lambdaContext('dispatch'));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, { Destination: { ToAddresses: ['bo@example.com'] } });
  });

  it('reports only the failing record when SES fails, after releasing its claim', async () => {
    ses.on(SendEmailCommand).resolvesOnce({ MessageId: 'ses-1' }).rejects(new Error('Throttling: Maximum sending rate exceeded.'));
    const event = sqsEvent(JSON.stringify(silver('a')), JSON.stringify(silver('b', 'bo@example.com')));

    const result = await handler(event, lambdaContext('dispatch'));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
    const release = dynamo.commandCalls(TransactWriteCommand)[2]!.args[0].input.TransactItems!;
    expect(release.map((i) => i.Delete?.Key?.pk)).toEqual([
      'DISPATCH#order-delivered-nps#b',
      expect.stringMatching(/^INV#/),
      expect.stringMatching(/^CONTACT#/),
    ]);
    expect(events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries).toHaveLength(1);
  });

  it('dead-letters a contract violation with its reason and does not fail the batch', async () => {
    const result = await handler(sqsEvent('{"source":"shop.orders"}', JSON.stringify(silver('ok'))), lambdaContext('dispatch'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: HANDLER_ENV.CLOSELOOP_DISPATCH_FAILURE_QUEUE_URL,
      MessageBody: '{"source":"shop.orders"}',
      MessageAttributes: expect.objectContaining({ reason: { DataType: 'String', StringValue: expect.stringContaining('detail-type') } }),
    });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
  });

  it('retries (reports) a record whose transaction fails for another reason', async () => {
    dynamo.on(TransactWriteCommand).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
    const result = await handler(sqsEvent(JSON.stringify(silver('e'))), lambdaContext('dispatch')).catch((e: Error) => e);
    // Powertools throws when every record of the batch failed: Lambda retries the whole batch.
    expect(result).toBeInstanceOf(Error);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });
});
