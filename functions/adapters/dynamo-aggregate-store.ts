import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { addCounters } from '../domain/aggregates.js';
import type { AggregateStore, BucketChange, CounterChange } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { keys } from './table-keys.js';

/**
 * Counters are spread over this many partition keys per program and segment: a burst of responses
 * writes to different keys instead of one hot key (DynamoDB allows about 1,000 writes/s per key).
 */
export const AGGREGATE_SHARDS = 8;
/** DynamoDB's limit on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** A batch's transaction that met another on a shared bucket is tried again this many times before the batch fails. */
const MAX_CONFLICT_RETRIES = 3;
/** How long "this change was applied" markers are kept (well past any stream retry). */
const MARKER_TTL_SECONDS = 7 * 86_400;

const shardOf = (key: string) => createHash('sha256').update(key).digest().readUInt32BE(0) % AGGREGATE_SHARDS;
/** The items applying `change` writes: its marker, its buckets and the program's segment list (for accounting, e.g. the write-unit benchmark). */
export const itemsWrittenBy = (change: CounterChange): { pk: string; sk: string }[] => [
  keys.applied(change.changeId),
  ...change.buckets.map((b) => keys.dayBucket(b.programId, b.segment, shardOf(change.shardKey), b.day)),
  ...(change.segments?.length && change.buckets[0] ? [keys.segments(change.buckets[0].programId)] : []),
];
/** Counter attributes carry a prefix, so a bucket's other attributes are never mistaken for counters. */
const attribute = (name: string) => `c_${name}`;

export class DynamoAggregateStore implements AggregateStore {
  /**
   * Segments this instance knows `SEGMENTS#<program>` holds (it wrote them, or an earlier delivery of
   * the same change did): the item is written only for a segment not in here, so once per segment
   * and cold start instead of in every response's transaction (it was a hot key at 2 WRU a response).
   */
  private readonly knownSegments = new Map<string, Set<string>>();

  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async applyOnce(changeId: string, changes: readonly BucketChange[], shardKey: string, segments: readonly string[] = []): Promise<'applied' | 'duplicate'> {
    const [outcome] = await this.applyAll([{ changeId, buckets: changes, shardKey, segments }]);
    return outcome as 'applied' | 'duplicate';
  }

  /**
   * A stream batch's changes in as few transactions as DynamoDB allows (100 items): one marker per
   * change (its exactly-once proof) and one update per bucket the batch touches, its counters summed
   * over the changes, instead of a marker and a bucket update per change. A marker found already
   * there names a change applied before (a retried batch): it is left out and the rest tried again.
   */
  async applyAll(changes: readonly CounterChange[]): Promise<('applied' | 'duplicate')[]> {
    const outcomes: ('applied' | 'duplicate')[] = [];
    let chunk: { change: CounterChange; index: number }[] = [];
    for (const [index, change] of changes.entries()) {
      if (chunk.length && this.itemsOf([...chunk.map((c) => c.change), change]) > MAX_TRANSACTION_ITEMS) {
        await this.applyChunk(chunk, outcomes);
        chunk = [];
      }
      chunk.push({ change, index });
    }
    if (chunk.length) await this.applyChunk(chunk, outcomes);
    return outcomes;
  }

  /** The items a transaction of these changes writes: markers, distinct buckets, segment lists. */
  private itemsOf(changes: readonly CounterChange[]): number {
    const { updates, fresh } = this.merged(changes);
    return changes.length + updates.length + fresh.size;
  }

  /** The changes' buckets merged by key (counters summed, zeros left out), and the segments new to this instance per program. */
  private merged(changes: readonly CounterChange[]) {
    const buckets = new Map<string, { key: { pk: string; sk: string }; counters: Record<string, number> }>();
    const fresh = new Map<string, Set<string>>();
    for (const change of changes) {
      const shard = shardOf(change.shardKey);
      for (const bucket of change.buckets) {
        const key = keys.dayBucket(bucket.programId, bucket.segment, shard, bucket.day);
        const id = `${key.pk}|${key.sk}`;
        const merged = buckets.get(id) ?? buckets.set(id, { key, counters: {} }).get(id)!;
        addCounters(merged.counters, bucket.counters);
      }
      const programId = change.buckets[0]?.programId;
      if (programId === undefined) continue;
      for (const segment of change.segments ?? []) {
        if (this.knownSegments.get(programId)?.has(segment)) continue;
        (fresh.get(programId) ?? fresh.set(programId, new Set()).get(programId)!).add(segment);
      }
    }
    const updates = [...buckets.values()]
      .map(({ key, counters }) => {
        const entries = Object.entries(counters).filter(([, value]) => value !== 0);
        return {
          entries,
          Update: {
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET #type = :type ADD ${entries.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
            ExpressionAttributeNames: { ...Object.fromEntries(entries.map(([name], i) => [`#c${i}`, attribute(name)])), '#type': 'type' },
            ExpressionAttributeValues: { ...Object.fromEntries(entries.map(([, value], i) => [`:c${i}`, value])), ':type': 'aggregate' },
          },
        };
      })
      .filter((update) => update.entries.length > 0)
      .map(({ Update }) => ({ Update }));
    return { updates, fresh };
  }

  private async applyChunk(chunk: { change: CounterChange; index: number }[], outcomes: ('applied' | 'duplicate')[]): Promise<void> {
    let pending = chunk;
    for (let conflicts = 0; pending.length; ) {
      const { updates, fresh } = this.merged(pending.map((p) => p.change));
      const now = Math.floor(Date.now() / 1000);
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              ...pending.map(({ change }) => ({
                Put: {
                  TableName: this.tableName,
                  Item: { ...keys.applied(change.changeId), type: 'applied', expiresAt: now + MARKER_TTL_SECONDS },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
              ...updates,
              ...[...fresh].map(([programId, segments]) => this.segmentsUpdate(programId, [...segments])),
            ],
          }),
        );
        for (const { index } of pending) outcomes[index] = 'applied';
        this.remember(fresh);
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const applied = new Set(pending.flatMap((_, i) => (reasons[i]?.Code === 'ConditionalCheckFailed' ? [i] : [])));
        if (applied.size) {
          // Applied before, with the segments they named: those are recorded.
          this.remember(this.merged(pending.filter((_, i) => applied.has(i)).map((p) => p.change)).fresh);
          for (const i of applied) outcomes[pending[i]!.index] = 'duplicate';
          pending = pending.filter((_, i) => !applied.has(i));
        } else if (reasons.some((r) => r.Code === 'TransactionConflict') && ++conflicts <= MAX_CONFLICT_RETRIES) {
          // Another batch's transaction on a shared bucket at the same moment: try again shortly.
          await new Promise((resolve) => setTimeout(resolve, 20 * conflicts + Math.random() * 30));
        } else throw error;
      }
    }
  }

  private remember(fresh: Map<string, Set<string>>): void {
    for (const [programId, segments] of fresh) {
      const known = this.knownSegments.get(programId) ?? this.knownSegments.set(programId, new Set()).get(programId)!;
      for (const segment of segments) known.add(segment);
    }
  }

  /** Adds segments to the program's list the report offers (a set: adding one again changes nothing). */
  private segmentsUpdate(programId: string, segments: readonly string[]) {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.segments(programId),
        UpdateExpression: 'SET #type = :type ADD #segments :segments',
        ExpressionAttributeNames: { '#type': 'type', '#segments': 'segments' },
        ExpressionAttributeValues: { ':type': 'segments', ':segments': new Set(segments) },
      },
    };
  }

  async totals(programId: string, segment: string, fromDay: string, toDay: string): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const counters of Object.values(await this.daily(programId, segment, fromDay, toDay))) addCounters(totals, counters);
    return totals;
  }

  async segments(programId: string): Promise<string[]> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.segments(programId) }));
    return [...((Item?.segments as Set<string> | undefined) ?? [])].sort();
  }

  async daily(programId: string, segment: string, fromDay: string, toDay: string): Promise<Record<string, Record<string, number>>> {
    const days: Record<string, Record<string, number>> = {};
    const queries = Array.from({ length: AGGREGATE_SHARDS }, async (_, shard) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': keys.dayBucket(programId, segment, shard, '').pk, ':from': keys.day(fromDay), ':to': keys.day(toDay) },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const counters = Object.fromEntries(
            Object.entries(item)
              .filter(([key]) => key.startsWith('c_'))
              .map(([key, value]) => [key.slice(2), Number(value)]),
          );
          const day = String(item.sk).slice(4);
          days[day] = addCounters(days[day] ?? {}, counters);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    });
    await Promise.all(queries);
    return days;
  }

  async moveAlert(programId: string, segment: string, from: 'ok' | 'breached', to: 'ok' | 'breached', at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.alert(programId, segment),
          UpdateExpression: 'SET #type = :type, #state = :to, changedAt = :at',
          // A missing alert is 'ok': it has never breached.
          ConditionExpression: from === 'ok' ? 'attribute_not_exists(#state) OR #state = :from' : '#state = :from',
          ExpressionAttributeNames: { '#type': 'type', '#state': 'state' },
          ExpressionAttributeValues: { ':type': 'alert', ':to': to, ':from': from, ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
