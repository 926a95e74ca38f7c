// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../../fixtures/handler-env.js';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../../functions/adapters/dynamo-invitation-repository.js';
import type { Invitation } from '../../../functions/domain/invitation.js';
import { handler } from '../../../functions/rules/handler.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { HANDLER_ENV } from '../../fixtures/handler-env.js';

const sqs = mockClient(SQSClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const events = mockClient(EventBridgeClient);
const invitation: Invitation = {
  tokenHash: 'hash-1',
  programId: 'order-delivered-nps',
  kind: 'nps',
  eventId: 'ord-1042-delivered',
  contactKey: 'contact-77',
  locale: 'hr',
  customer: { id: 'c-77', email: 'ana@example.com' },
  context: { orderId: '1042' },
  createdAt: '2026-11-22T10:00:00Z',
  expiresAt: 4_000_000_000,
};
const answeredItem = (score: number, programId = invitation.programId) => ({
  ...toItem({ ...invitation, programId }),
  score,
  respondedAt: '2026-11-22T12:00:00Z',
});

const record = (seq: string, oldImage: object | undefined, newImage: object, eventName: 'INSERT' | 'MODIFY' = 'MODIFY'): DynamoDBRecord => ({
  eventID: seq,
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: {
    SequenceNumber: seq,
    OldImage: oldImage ? (marshall(oldImage) as never) : undefined,
    NewImage: marshall(newImage, { removeUndefinedValues: true }) as never,
  },
});
const queues = JSON.parse(HANDLER_ENV.CLOSELOOP_FOLLOW_UP_QUEUE_URLS as string) as Record<string, string>;

describe('follow-up handler', () => {
  beforeEach(() => {
    sqs.reset();
    dynamo.reset();
    events.reset();
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  });

  it('sends a detractor to the customer-success queue with the case attributes', async () => {
    const result = await handler({ Records: [record('1', toItem(invitation), answeredItem(3))] }, lambdaContext('rules'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe(queues['customer-success']);
    expect(JSON.parse(input.MessageBody!)).toMatchObject({ score: 3, customer: { id: 'c-77' }, context: { orderId: '1042' } });
    expect(input.MessageAttributes?.contract?.StringValue).toBe('closeloop.follow-up.v1');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: { pk: 'CONTACT#contact-77', sk: 'REST#all' } });
    // The case, a check that the respondent was not erased since, and (the demo's detractor rule notifies) the acknowledgement's outbox item, in one transaction.
    expect(dynamo).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        {
          Put: expect.objectContaining({
            Item: expect.objectContaining({ type: 'case', status: 'open', contactKey: 'contact-77' }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        },
        { ConditionCheck: expect.objectContaining({ Key: { pk: 'INV#hash-1', sk: 'INVITATION' }, ConditionExpression: 'contactKey = :contact' }) },
        { Put: expect.objectContaining({ Item: expect.objectContaining({ type: 'notification', kind: 'acknowledgement', status: 'pending' }) }) },
      ],
    });
    expect(events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries?.map((e) => e.DetailType)).toEqual(['SurveyResponded', 'FollowUpOpened']);
  });

  it('ignores inserts, claims, passives and responses that were already there', async () => {
    const result = await handler(
      {
        Records: [
          record('1', undefined, toItem(invitation), 'INSERT'),
          record('2', undefined, { pk: 'DISPATCH#p#e', sk: 'CLAIM', type: 'dispatch-claim' }, 'INSERT'),
          record('3', toItem(invitation), answeredItem(8)),
          record('4', answeredItem(3), { ...answeredItem(3), note: 'touched' }),
        ],
      },
      lambdaContext('rules'),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('reports exactly the record that failed', async () => {
    sqs.on(SendMessageCommand).resolvesOnce({}).rejects(new Error('SQS unavailable'));
    const result = await handler(
      {
        Records: [
          record('1', toItem(invitation), answeredItem(2)),
          record('2', toItem(invitation), answeredItem(8)),
          record('3', toItem(invitation), answeredItem(1)),
        ],
      },
      lambdaContext('rules'),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '3' }] });
  });

  it('sets a response to a program missing from the catalog aside, with the reason, instead of dropping or retrying it', async () => {
    const result = await handler(
      {
        Records: [record('7', toItem(invitation), answeredItem(2, 'retired-program')), record('8', toItem(invitation), answeredItem(2))],
      },
      lambdaContext('rules'),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/rules-failures',
      MessageAttributes: expect.objectContaining({ reason: { DataType: 'String', StringValue: 'program "retired-program" is not in the catalog' } }),
    });
  });
});
