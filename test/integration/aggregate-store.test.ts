import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import type { CounterChange } from '../../functions/ports.js';
import { dynamodb, sandbox } from './sandbox-clients.js';

const DAY = '2026-11-30';
/** A program of its own per test: nothing else counts into its buckets. */
const programOf = () => `agg-${randomUUID().slice(0, 8)}`;
const sent = (programId: string, id: string, segments: string[] = []): CounterChange => ({
  changeId: `sent#${programId}#${id}`,
  buckets: ['all', ...segments].map((segment) => ({ programId, segment, day: DAY, counters: { sent: 1, responses: 1 } })),
  shardKey: id,
  ...(segments.length ? { segments: ['all', ...segments] } : {}),
});

describe('DynamoAggregateStore against DynamoDB Local', () => {
  it('counts a stream batch exactly once when the batch is retried, whole or overlapping a later one', async () => {
    const programId = programOf();
    const store = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);
    const batch = Array.from({ length: 150 }, (_, i) => sent(programId, `r${i}`, [`tier-${i % 3}`]));

    expect(new Set(await store.applyAll(batch))).toEqual(new Set(['applied']));
    // The same batch again (the function failed after the write), then one that overlaps it (bisected, grown).
    expect(new Set(await store.applyAll(batch))).toEqual(new Set(['duplicate']));
    const overlapping = [...batch.slice(100), ...Array.from({ length: 30 }, (_, i) => sent(programId, `n${i}`, [`tier-${i % 3}`]))];
    const outcomes = await store.applyAll(overlapping);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(50);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(30);

    expect(await store.totals(programId, 'all', DAY, DAY)).toEqual({ sent: 180, responses: 180 });
    expect(await store.totals(programId, 'tier-0', DAY, DAY)).toEqual({ sent: 60, responses: 60 });
    expect(await store.segments(programId)).toEqual(['all', 'tier-0', 'tier-1', 'tier-2']);
  });

  it('records a segment once per instance: a known segment is not written again, a new instance writes it again', async () => {
    const programId = programOf();
    const key = { pk: `SEGMENTS#${programId}`, sk: 'SEGMENTS' };
    const segmentsItem = async () => (await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: key, ConsistentRead: true }))).Item;
    const store = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);

    await store.applyOnce(`response#${programId}#1`, sent(programId, '1', ['gold']).buckets, '1', ['all', 'gold']);
    expect(await store.segments(programId)).toEqual(['all', 'gold']);

    await dynamodb.send(new DeleteCommand({ TableName: sandbox.tables.surveys, Key: key }));
    await store.applyOnce(`response#${programId}#2`, sent(programId, '2', ['gold']).buckets, '2', ['all', 'gold']);
    expect(await segmentsItem()).toBeUndefined();
    await store.applyOnce(`response#${programId}#3`, sent(programId, '3', ['silver']).buckets, '3', ['all', 'silver']);
    expect(await store.segments(programId)).toEqual(['silver']);

    await new DynamoAggregateStore(sandbox.tables.surveys, dynamodb).applyOnce(`response#${programId}#4`, sent(programId, '4', ['gold']).buckets, '4', [
      'all',
      'gold',
    ]);
    expect(await store.segments(programId)).toEqual(['all', 'gold', 'silver']);
    expect(await store.totals(programId, 'all', DAY, DAY)).toEqual({ sent: 4, responses: 4 });
  });
});
