// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../../fixtures/handler-env.js';
import '../../fixtures/debug-logs.js';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BadRequestException, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toItem } from '../../../functions/adapters/dynamo-invitation-repository.js';
import { handler as deliverability } from '../../../functions/deliverability/handler.js';
import { handler as dispatch } from '../../../functions/dispatch/handler.js';
import { pageStamps } from '../../../functions/domain/page-stamp.js';
import { REDACTED, redact } from '../../../functions/domain/redaction.js';
import { hashToken } from '../../../functions/domain/tokens.js';
import { handler as erase } from '../../../functions/erase/handler.js';
import { handler as respond } from '../../../functions/respond/handler.js';
import { handler as followUp } from '../../../functions/rules/handler.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { orderDelivered } from '../../fixtures/events.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const sqs = mockClient(SQSClient);
const events = mockClient(EventBridgeClient);
const PAGE_KEY = 'page-signing-key-for-the-log-test-0123456789';
mockClient(SecretsManagerClient).on(GetSecretValueCommand).resolves({ SecretString: PAGE_KEY });
const EMAIL = 'ana.kovac@example.com';

describe('logs of a full flow', () => {
  const written: string[] = [];
  beforeAll(() => {
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('carry no email address, name or comment, even in errors', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const token = 'Zm9vYmFyYmF6cXV4MTIzNA';
    const customer = { id: 'c-1', email: EMAIL, name: 'Ana Kovač', tier: 'silver' };
    const event = orderDelivered({ eventId: 'log-1', customer });
    const sqsEvent = (body: string, id: string) => ({
      Records: [
        {
          messageId: id,
          receiptHandle: 'r',
          body,
          attributes: { ApproximateReceiveCount: '1' } as never,
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn',
          awsRegion: 'us-east-1',
        },
      ],
    });

    // Sent; then refused by SES with the address in the message; then a transient failure with it too.
    ses
      .on(SendEmailCommand)
      .resolvesOnce({ MessageId: 'm1' })
      .rejectsOnce(new BadRequestException({ message: `Illegal address: ${EMAIL}`, $metadata: {} }))
      .rejects(new Error(`Connection reset while sending to ${EMAIL}`));
    await dispatch(sqsEvent(JSON.stringify(event), 'a'), lambdaContext('dispatch'));
    await dispatch(sqsEvent(JSON.stringify(orderDelivered({ eventId: 'log-2', customer })), 'b'), lambdaContext('dispatch'));
    await dispatch(sqsEvent(JSON.stringify(orderDelivered({ eventId: 'log-3', customer })), 'c'), lambdaContext('dispatch')).catch(() => undefined);

    // Answered with a comment that names the person; then routed.
    const invitation = {
      ...toItem({
        tokenHash: hashToken(token),
        programId: 'order-delivered-nps',
        kind: 'nps',
        eventId: 'log-1',
        contactKey: 'k',
        locale: 'hr',
        customer,
        context: {},
        createdAt: new Date().toISOString(),
        expiresAt: 4e9,
      }),
    };
    dynamo.on(GetCommand).resolves({ Item: invitation });
    const answered = { ...invitation, score: 2, comment: `Ana Kovač here, write to ${EMAIL}`, respondedAt: new Date().toISOString(), revision: 1 };
    dynamo.on(UpdateCommand).resolves({ Attributes: answered });
    dynamo.on(PutCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    await respond(
      {
        version: '2.0',
        routeKey: 'POST /r/{token}',
        rawPath: '',
        rawQueryString: '',
        headers: { 'user-agent': 'Mozilla/5.0' },
        pathParameters: { token },
        requestContext: { http: { method: 'POST' } } as never,
        body: `score=2&comment=${encodeURIComponent(answered.comment)}&t=${pageStamps(PAGE_KEY).sign('rating', token, Date.now() - 5000)}&h=1&j=1`,
        isBase64Encoded: false,
      },
      lambdaContext('respond'),
    );
    await followUp(
      {
        Records: [
          {
            eventID: '1',
            eventName: 'MODIFY',
            dynamodb: { SequenceNumber: '1', OldImage: marshall(invitation) as never, NewImage: marshall(answered, { removeUndefinedValues: true }) as never },
          },
        ],
      },
      lambdaContext('rules'),
    );

    // SES reports a bounce of the address; the first attempt to record it fails with the address in the error.
    const bounce = JSON.stringify({
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      detail: {
        eventType: 'Bounce',
        mail: { messageId: 'm1', tags: { program: ['order-delivered-nps'] } },
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: EMAIL }], timestamp: new Date().toISOString(), feedbackId: 'f1' },
      },
    });
    // The suppression is a transaction (the record and the REST#all flag); earlier transactions were mocked to resolve.
    let throttled = false;
    dynamo.on(TransactWriteCommand).callsFake(() => {
      if (throttled) return {};
      throttled = true;
      throw new Error(`Throttled writing suppression of ${EMAIL}`);
    });
    await deliverability(sqsEvent(bounce, 'd'), lambdaContext('deliverability')).catch(() => undefined); // the batch fails: SQS retries it
    await deliverability(sqsEvent(bounce, 'e'), lambdaContext('deliverability'));
    // And the person asks to be forgotten.
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await erase(
      {
        version: '2.0',
        routeKey: 'POST /erasures',
        rawPath: '/erasures',
        rawQueryString: '',
        headers: {},
        body: JSON.stringify({ email: EMAIL }),
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST' }, authorizer: { iam: { userArn: 'arn:aws:iam::1:user/dpo' } } } as never,
      },
      lambdaContext('erase'),
    );

    const output = written.join('');
    expect(output).toContain('deliverability: bounce recorded');
    expect(output).toContain(`Throttled writing suppression of ${REDACTED}`);
    expect(output).toContain('contact erased');
    expect(output.length).toBeGreaterThan(500); // the flow did log
    expect(output).toContain('dispatch failed');
    expect(output).toContain(`Connection reset while sending to ${REDACTED}`); // the error keeps its message, masked
    expect(output).not.toContain(EMAIL);
    expect(output).not.toMatch(/[\w.+-]+@example\.com/);
    expect(output).not.toContain('Kovač');
  });

  it('redacts personal keys and addresses anywhere in a record', () => {
    expect(redact({ customer: { id: 'c' }, comment: 'x', nested: [{ email: 'a@b.co', note: 'mail me at a@b.co' }], id: 'keep' })).toEqual({
      customer: REDACTED,
      comment: REDACTED,
      nested: [{ email: REDACTED, note: `mail me at ${REDACTED}` }],
      id: 'keep',
    });
  });
});
