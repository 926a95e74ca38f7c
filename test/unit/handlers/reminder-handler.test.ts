// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../../fixtures/handler-env.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { toItem } from '../../../functions/adapters/dynamo-invitation-repository.js';
import { metrics } from '../../../functions/adapters/observability.js';
import { ENV } from '../../../functions/config/env.js';
import { contactKeyOf } from '../../../functions/domain/policies.js';
import { isHeldOut, reminderEnvelope, reminderScheduleName } from '../../../functions/domain/reminder.js';
import { hashToken } from '../../../functions/domain/tokens.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { sandboxCatalog } from '../../fixtures/catalog.js';

// The demo catalog plus the reminder's test program (PT6H, half held out), as the function's asset holds it.
const catalogFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'closeloop-reminder-')), 'catalog.json');
writeFileSync(catalogFile, JSON.stringify(sandboxCatalog));
process.env[ENV.RUNTIME_CATALOG] = catalogFile;

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
mockClient(SQSClient);
const events = mockClient(EventBridgeClient);
const scheduler = mockClient(SchedulerClient);

let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
beforeAll(async () => {
  ({ handler } = (await import('../../../functions/dispatch/handler.js')) as unknown as { handler: typeof handler });
});

const sqsEvent = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body,
    attributes: { ApproximateReceiveCount: '1' } as never,
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:buffer',
    awsRegion: 'us-east-1',
  })),
});

const emails = Array.from({ length: 40 }, (_, i) => `guest-${i}@example.com`);
const reminded = emails.find((email) => !isHeldOut('reminder-nps', contactKeyOf(email), 0.5)) as string;
const heldOut = emails.find((email) => isHeldOut('reminder-nps', contactKeyOf(email), 0.5)) as string;
const visit = (email: string) =>
  JSON.stringify({
    source: 'test.reminders',
    'detail-type': 'VisitCompleted',
    detail: { eventId: `v-${email}`, occurredAt: new Date().toISOString(), customer: { id: 'g', email, locale: 'hr', name: 'Ivo' } },
  });

const TOKEN = 'ReminderToken000000000';
const TOKEN_HASH = hashToken(TOKEN);
const now = () => Math.floor(Date.now() / 1000);
/** The invitation as stored, planned for a reminder. */
const stored = (extra: Record<string, unknown> = {}) => ({
  ...toItem({
    tokenHash: TOKEN_HASH,
    programId: 'reminder-nps',
    kind: 'nps',
    eventId: 'v-1',
    contactKey: contactKeyOf(reminded),
    locale: 'hr',
    customer: { id: 'g', email: reminded, name: 'Ivo' },
    context: {},
    createdAt: new Date(Date.now() - 6 * 3_600_000).toISOString(),
    expiresAt: now() + 8 * 86_400,
    reminder: { plan: 'scheduled' },
  }),
  ...extra,
});
const fireMessage = JSON.stringify(reminderEnvelope({ programId: 'reminder-nps', tokenHash: TOKEN_HASH, token: TOKEN, at: new Date().toISOString() }));
const cancelled = (...reasons: { Code: string; Item?: Record<string, unknown> }[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: reasons.map((r) => ({ Code: r.Code, ...(r.Item ? { Item: marshall(r.Item) } : {}) })),
  });

describe('dispatch handler: the one reminder', () => {
  let counted: string[];
  beforeEach(() => {
    dynamo.reset();
    ses.reset();
    events.reset();
    scheduler.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    counted = [];
    vi.spyOn(metrics, 'addMetric').mockImplementation((name: string) => {
      counted.push(name);
      return metrics;
    });
  });

  it('creates one one-time schedule named after the invitation when the survey is sent, targeting the buffer with the same token', async () => {
    const result = await handler(sqsEvent(visit(reminded)), lambdaContext('dispatch'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    const invitation = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![1]!.Put!.Item!;
    expect(invitation).toMatchObject({ type: 'invitation', programId: 'reminder-nps', reminderPlan: 'scheduled' });
    expect(input).toMatchObject({
      Name: reminderScheduleName(invitation.tokenHash),
      GroupName: 'closeloop-test',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:sqs:us-east-1:123456789012:buffer',
        RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:dead-letters' },
      },
    });
    const message = JSON.parse(input.Target!.Input!).closeloopReminder;
    expect(hashToken(message.token)).toBe(invitation.tokenHash);
    const text = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content!.Simple!.Body!.Text!.Data!;
    expect(text).toContain(`/r/${message.token}?s=0`);
    expect(Date.parse(message.at) - Date.now()).toBeGreaterThan(6 * 3_600_000 - 60_000);
    expect(counted).toEqual(expect.arrayContaining(['SurveySent', 'ReminderScheduled']));
  });

  it('creates no schedule for a held-out contact, and records the plan', async () => {
    await handler(sqsEvent(visit(heldOut)), lambdaContext('dispatch'));

    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![1]!.Put!.Item).toMatchObject({ reminderPlan: 'held-out' });
    expect(counted).toEqual(expect.arrayContaining(['SurveySent', 'ReminderHeldOut']));
  });

  it('when due: reads the invitation, claims the reminder with the suppression check in one transaction, sends it, marks it', async () => {
    dynamo.on(GetCommand).resolves({ Item: stored() });

    const result = await handler(sqsEvent(fireMessage), lambdaContext('dispatch'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { pk: `INV#${TOKEN_HASH}`, sk: 'INVITATION' }, ConsistentRead: true });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(2); // no rest period is taken
    expect(items[0]!.Update).toMatchObject({
      Key: { pk: `INV#${TOKEN_HASH}`, sk: 'INVITATION' },
      UpdateExpression: 'SET reminderLeaseUntil = :leaseUntil',
      ConditionExpression: expect.stringContaining('attribute_not_exists(respondedAt) AND expiresAt > :now AND reminderPlan = :scheduled'),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(items[0]!.Update!.ConditionExpression).toContain('attribute_not_exists(remindedAt)');
    expect(items[1]!.ConditionCheck).toMatchObject({ Key: { pk: `CONTACT#${contactKeyOf(reminded)}`, sk: 'SUPPRESSED' } });
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      Destination: { ToAddresses: [reminded] },
      Content: { Simple: expect.objectContaining({ Subject: { Data: 'Podsjetnik: kratko pitanje – Closeloop Demo Shop', Charset: 'UTF-8' } }) },
    });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content!.Simple!.Body!.Text!.Data).toContain(`/r/${TOKEN}?s=10`);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: `INV#${TOKEN_HASH}`, sk: 'INVITATION' },
      UpdateExpression: 'SET remindedAt = :at REMOVE reminderLeaseUntil',
    });
    expect(counted).toEqual(['ReminderSent']);
  });

  it.each([
    ['answered', { respondedAt: new Date().toISOString(), score: 9 }],
    ['reminded', { remindedAt: new Date().toISOString() }],
    ['expired', { expiresAt: now() - 1 }],
  ])('sends nothing, without a write, when the invitation read is %s', async (_reason, extra) => {
    dynamo.on(GetCommand).resolves({ Item: stored(extra) });

    expect(await handler(sqsEvent(fireMessage), lambdaContext('dispatch'))).toEqual({ batchItemFailures: [] });
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(counted).toEqual(['ReminderSkipped']);
  });

  it('sends nothing for an erased invitation (gone) or a suppressed contact (the claim fails on the suppression check)', async () => {
    dynamo.on(GetCommand).resolvesOnce({}).resolves({ Item: stored() });
    dynamo.on(TransactWriteCommand).rejects(cancelled({ Code: 'None' }, { Code: 'ConditionalCheckFailed' }));

    expect(await handler(sqsEvent(fireMessage, fireMessage), lambdaContext('dispatch'))).toEqual({ batchItemFailures: [] });
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(counted).toEqual(['ReminderSkipped', 'ReminderSkipped']);
  });

  it('sends once when the schedule message is delivered twice: the second claim finds it reminded', async () => {
    dynamo.on(GetCommand).resolves({ Item: stored() });
    dynamo
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejects(cancelled({ Code: 'ConditionalCheckFailed', Item: stored({ remindedAt: new Date().toISOString() }) }, { Code: 'None' }));

    await handler(sqsEvent(fireMessage), lambdaContext('dispatch'));
    await handler(sqsEvent(fireMessage), lambdaContext('dispatch'));

    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(counted).toEqual(['ReminderSent', 'ReminderSkipped']);
  });

  it("reports the record for a retry while another delivery's lease holds the reminder", async () => {
    dynamo.on(GetCommand).resolves({ Item: stored() });
    dynamo.on(TransactWriteCommand).rejects(cancelled({ Code: 'ConditionalCheckFailed', Item: stored({ reminderLeaseUntil: now() + 60 }) }, { Code: 'None' }));

    // The batch's only record failed: Powertools throws, and the whole batch comes back.
    await expect(handler(sqsEvent(fireMessage), lambdaContext('dispatch'))).rejects.toThrow('All records failed processing');
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(counted).toEqual(['SendDeferred']);
  });

  it('frees the claim when SES fails transiently, and reports the record for a retry', async () => {
    dynamo.on(GetCommand).resolves({ Item: stored() });
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    await expect(handler(sqsEvent(fireMessage), lambdaContext('dispatch'))).rejects.toThrow('All records failed processing');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { UpdateExpression: 'REMOVE reminderLeaseUntil' });
    expect(dynamo).not.toHaveReceivedCommandWith(UpdateCommand, { UpdateExpression: 'SET remindedAt = :at REMOVE reminderLeaseUntil' });
  });
});
