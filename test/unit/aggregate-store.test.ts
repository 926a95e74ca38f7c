import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import type { BucketChange } from '../../functions/ports.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const TABLE = 'surveys';

const bucket = (segment: string, counters: Record<string, number> = { responses: 1 }): BucketChange => ({
  programId: 'order-delivered-nps',
  segment,
  day: '2026-11-30',
  counters,
});
const sentItems = (call: number) =>
  (dynamo.commandCalls(TransactWriteCommand)[call]!.args[0].input.TransactItems ?? []) as Record<string, { Key?: { pk: string } }>[];
const keysOf = (call: number) => sentItems(call).map((item) => Object.values(item)[0]!.Key?.pk ?? 'APPLIED');
const duplicate = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
  });

describe('DynamoAggregateStore', () => {
  beforeEach(() => dynamo.reset());

  it("writes the program's segment list only for a segment it has not recorded yet", async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const store = new DynamoAggregateStore(TABLE, client);

    await store.applyOnce('response#a#1', [bucket('all'), bucket('gold')], 'a', ['all', 'gold']);
    await store.applyOnce('response#b#1', [bucket('all'), bucket('gold')], 'b', ['all', 'gold']);
    await store.applyOnce('response#c#1', [bucket('all'), bucket('silver')], 'c', ['all', 'silver']);

    expect(keysOf(0)).toContain('SEGMENTS#order-delivered-nps');
    expect(keysOf(1)).not.toContain('SEGMENTS#order-delivered-nps');
    const third = sentItems(2).find((item) => item.Update?.Key?.pk === 'SEGMENTS#order-delivered-nps') as
      | { Update: { ExpressionAttributeValues: Record<string, unknown> } }
      | undefined;
    expect(third?.Update.ExpressionAttributeValues[':segments']).toEqual(new Set(['silver']));
  });

  it('does not count a segment as recorded when its transaction failed, and does when the change proves applied before', async () => {
    const store = new DynamoAggregateStore(TABLE, client);
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .rejectsOnce(duplicate())
      .resolves({});
    await expect(store.applyOnce('response#a#1', [bucket('gold')], 'a', ['gold'])).rejects.toThrow('throttled');
    expect(await store.applyOnce('response#a#1', [bucket('gold')], 'a', ['gold'])).toBe('duplicate');
    await store.applyOnce('response#b#1', [bucket('gold')], 'b', ['gold']);

    expect(keysOf(0)).toContain('SEGMENTS#order-delivered-nps');
    expect(keysOf(1)).toContain('SEGMENTS#order-delivered-nps');
    expect(keysOf(2)).not.toContain('SEGMENTS#order-delivered-nps');
  });
});
