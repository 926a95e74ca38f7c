import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { conditionFailures, type Labelled } from '../../functions/adapters/dynamo-transaction.js';

const cancelled = (codes: (string | [string, Record<string, unknown>])[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((code) => (typeof code === 'string' ? { Code: code } : { Code: code[0], Item: marshall(code[1]) })),
  });

const items: Labelled<'claim' | 'rest' | 'suppression'>[] = [
  { label: 'claim', item: { ConditionCheck: { TableName: 't', Key: { pk: 'a', sk: 'a' }, ConditionExpression: 'x' } } },
  { label: 'rest', item: { ConditionCheck: { TableName: 't', Key: { pk: 'b', sk: 'b' }, ConditionExpression: 'x' } } },
  { label: 'rest', item: { ConditionCheck: { TableName: 't', Key: { pk: 'c', sk: 'c' }, ConditionExpression: 'x' } } },
  { label: 'suppression', item: { ConditionCheck: { TableName: 't', Key: { pk: 'd', sk: 'd' }, ConditionExpression: 'x' } } },
];

describe('a cancelled transaction, read by the item', () => {
  it('names the items whose condition failed, whatever their position, with the old item returned', () => {
    const failed = conditionFailures(cancelled(['None', 'None', ['ConditionalCheckFailed', { pk: 'c', until: 5 }], 'ConditionalCheckFailed']), items);
    expect(failed?.has('rest')).toBe(true);
    expect(failed?.has('suppression')).toBe(true);
    expect(failed?.has('claim')).toBe(false);
    expect(failed?.oldItem('rest')).toEqual({ pk: 'c', until: 5 });
    expect(failed?.size).toBe(2);
  });

  it('says nothing for a cancellation that is not a failed condition (a conflict, throttling), nor for another error', () => {
    expect(conditionFailures(cancelled(['ConditionalCheckFailed', 'TransactionConflict', 'None', 'None']), items)).toBeUndefined();
    expect(conditionFailures(new Error('boom'), items)).toBeUndefined();
  });
});
