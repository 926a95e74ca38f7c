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

  it('counts a batch in one transaction: a marker per change, one update per bucket with the counters summed', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const store = new DynamoAggregateStore(TABLE, client);
    const changes = Array.from({ length: 40 }, (_, i) => ({ changeId: `sent#t${i}`, buckets: [bucket('all', { sent: 1 })], shardKey: 'same-shard' }));

    expect(await store.applyAll(changes)).toEqual(changes.map(() => 'applied'));

    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const items = sentItems(0) as unknown as { Put?: { Item: { pk: string } }; Update?: { ExpressionAttributeValues: Record<string, unknown> } }[];
    expect(items.filter((i) => i.Put?.Item.pk.startsWith('APPLIED#'))).toHaveLength(40);
    const updates = items.filter((i) => i.Update);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.Update!.ExpressionAttributeValues[':c0']).toBe(40);
  });

  it("applies a retried batch's new changes only: the changes whose markers exist are left out, the rest counted once", async () => {
    const canceled = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
    });
    dynamo.on(TransactWriteCommand).rejectsOnce(canceled).resolves({});
    const store = new DynamoAggregateStore(TABLE, client);
    const changes = ['a', 'b', 'c'].map((t) => ({ changeId: `sent#${t}`, buckets: [bucket('all', { sent: 1 })], shardKey: 'same-shard' }));

    expect(await store.applyAll(changes)).toEqual(['applied', 'duplicate', 'applied']);

    const retry = sentItems(1) as unknown as { Put?: { Item: { pk: string } }; Update?: { ExpressionAttributeValues: Record<string, unknown> } }[];
    expect(retry.flatMap((i) => (i.Put ? [i.Put.Item.pk] : []))).toEqual(['APPLIED#sent#a', 'APPLIED#sent#c']);
    expect(retry.find((i) => i.Update)!.Update!.ExpressionAttributeValues[':c0']).toBe(2);
  });

  it('splits a batch into transactions of at most 100 items', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const store = new DynamoAggregateStore(TABLE, client);
    const changes = Array.from({ length: 150 }, (_, i) => ({ changeId: `sent#t${i}`, buckets: [bucket('all', { sent: 1 })], shardKey: `t${i}` }));

    await store.applyAll(changes);

    const sizes = dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!.length);
    expect(sizes.every((n) => n <= 100)).toBe(true);
    const markers = dynamo
      .commandCalls(TransactWriteCommand)
      .flatMap((call) => call.args[0].input.TransactItems!.flatMap((i) => (i.Put ? [String(i.Put.Item!.pk)] : [])));
    expect(new Set(markers).size).toBe(150);
    expect(markers).toHaveLength(150);
  });

  it('tries a batch again when it met a concurrent transaction, and fails it on any other cancellation', async () => {
    const conflict = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });
    dynamo.on(TransactWriteCommand).rejectsOnce(conflict).resolves({});
    const store = new DynamoAggregateStore(TABLE, client);
    expect(await store.applyAll([{ changeId: 'sent#a', buckets: [bucket('all', { sent: 1 })], shardKey: 'a' }])).toEqual(['applied']);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 2);

    dynamo.reset();
    const throttled = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
    });
    dynamo.on(TransactWriteCommand).rejects(throttled);
    await expect(store.applyAll([{ changeId: 'sent#b', buckets: [bucket('all', { sent: 1 })], shardKey: 'b' }])).rejects.toThrow(TransactionCanceledException);
  });
});
