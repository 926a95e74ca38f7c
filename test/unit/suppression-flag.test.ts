import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoInvitationRepository, SUPPRESSION_FLAGS_MIGRATED, sendableChecks } from '../../functions/adapters/dynamo-invitation-repository.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import type { ReservationGuard } from '../../functions/ports.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const invitation: Invitation = {
  tokenHash: 'h',
  programId: 'order-delivered-nps',
  kind: 'nps',
  eventId: 'e1',
  contactKey: 'k1',
  locale: 'en',
  customer: { id: 'c1', email: 'a@example.com' },
  context: {},
  createdAt: '2026-11-30T00:00:00Z',
  expiresAt: 2e9,
};
const guard: ReservationGuard = { contactKey: 'k1', rests: [{ scope: 'all', until: 2e9 }], cancelKey: 'order-delivered-nps#1', now: 1.7e9 };
const LEASE = { token: 't', until: 1.7e9 + 90 };
const sortKeys = () =>
  dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.map((i) => String((i.Put?.Item ?? i.Update?.Key ?? i.ConditionCheck?.Key)?.sk));

describe('the suppression flag in a reservation', () => {
  beforeEach(() => dynamo.reset());

  it('checks the separate SUPPRESSED record until the table is migrated (marker absent or unreadable)', async () => {
    dynamo.on(GetCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    dynamo.on(TransactWriteCommand).resolves({});
    expect(await new DynamoInvitationRepository('t', client).reserve(invitation, guard, LEASE)).toBe('reserved');
    expect(sortKeys()).toEqual(['CLAIM', 'INVITATION', 'REST#all', 'SUPPRESSED', 'CANCEL']);
  });

  it('relies on the flag in the REST#all update once migrated, and still checks the record without that rest', async () => {
    dynamo.on(GetCommand, { Key: SUPPRESSION_FLAGS_MIGRATED }).resolves({ Item: { ...SUPPRESSION_FLAGS_MIGRATED } });
    dynamo.on(TransactWriteCommand).resolves({});
    const repository = new DynamoInvitationRepository('t', client);
    await repository.reserve(invitation, guard, LEASE);
    expect(sortKeys()).toEqual(['CLAIM', 'INVITATION', 'REST#all', 'CANCEL']);
    const rest = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![2]!.Update!;
    expect(rest.ConditionExpression).toContain('attribute_not_exists(suppressed)');

    dynamo.resetHistory();
    await repository.reserve(invitation, { ...guard, rests: [] }, LEASE);
    expect(sortKeys()).toEqual(['CLAIM', 'INVITATION', 'SUPPRESSED', 'CANCEL']);
    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('keeps sendableChecks(table, guard) as it was: the record and the cancellation', () => {
    expect(sendableChecks('t', guard).map((c) => [c.label, c.item.ConditionCheck.Key.sk])).toEqual([
      ['suppression', 'SUPPRESSED'],
      ['cancellation', 'CANCEL'],
    ]);
  });
});

describe('the cancellation in a reservation', () => {
  beforeEach(() => dynamo.reset());
  const migrated = () => dynamo.on(GetCommand, { Key: SUPPRESSION_FLAGS_MIGRATED }).resolves({ Item: { ...SUPPRESSION_FLAGS_MIGRATED } });

  it('leaves the check out when the consistent read finds no cancellation or an expired one', async () => {
    migrated();
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    const repository = new DynamoInvitationRepository('t', client);
    await repository.reserve(invitation, guard, LEASE);
    expect(sortKeys()).toEqual(['CLAIM', 'INVITATION', 'REST#all']);
    expect(dynamo.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!.t).toMatchObject({
      ConsistentRead: true,
      Keys: [{ pk: 'CANCEL#order-delivered-nps#1' }],
    });

    dynamo.resetHistory();
    dynamo.on(BatchGetCommand).resolves({ Responses: { t: [{ pk: 'CANCEL#order-delivered-nps#1', sk: 'CANCEL', expiresAt: guard.now }] } });
    await repository.reserve(invitation, guard, LEASE);
    expect(sortKeys()).toEqual(['CLAIM', 'INVITATION', 'REST#all']);
  });

  it('checks a live cancellation in the transaction (which then says cancelled, or duplicate first), and checks when the read fails', async () => {
    migrated();
    dynamo.on(BatchGetCommand).resolves({ Responses: { t: [{ pk: 'CANCEL#order-delivered-nps#1', sk: 'CANCEL', expiresAt: guard.now + 1 }] } });
    dynamo.on(TransactWriteCommand).rejects(
      Object.assign(new TransactionCanceledException({ message: 'cancelled', $metadata: {} }), {
        CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      }),
    );
    const repository = new DynamoInvitationRepository('t', client);
    expect(await repository.reserve(invitation, guard, LEASE)).toBe('cancelled');
    expect(sortKeys()).toEqual(['CLAIM', 'INVITATION', 'REST#all', 'CANCEL']);

    dynamo.resetHistory();
    dynamo.on(BatchGetCommand).rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    dynamo.on(TransactWriteCommand).resolves({});
    expect(await repository.reserve(invitation, guard, LEASE)).toBe('reserved');
    expect(sortKeys()).toEqual(['CLAIM', 'INVITATION', 'REST#all', 'CANCEL']);
  });
});
