import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo-client.js';
import { createHash } from 'node:crypto';
import { addCounters } from '../domain/aggregates.js';
import type { AggregateStore, BucketChange } from '../ports.js';

/**
 * Counters are spread over this many partition keys per program and segment: a burst of responses
 * writes to different keys instead of one hot key (DynamoDB allows about 1,000 writes/s per key).
 */
export const AGGREGATE_SHARDS = 8;
/** How long "this change was applied" markers are kept (well past any stream retry). */
const MARKER_TTL_SECONDS = 7 * 86_400;

const bucketKey = (programId: string, segment: string, shard: number, day: string) => ({ pk: `AGG#${programId}#${segment}#${shard}`, sk: `DAY#${day}` });
const shardOf = (key: string) => createHash('sha256').update(key).digest().readUInt32BE(0) % AGGREGATE_SHARDS;
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
    const shard = shardOf(shardKey);
    const programId = changes[0]?.programId;
    const known = programId === undefined ? undefined : (this.knownSegments.get(programId) ?? this.knownSegments.set(programId, new Set()).get(programId));
    const fresh = known ? segments.filter((segment) => !known.has(segment)) : [];
    const now = Math.floor(Date.now() / 1000);
    const updates = changes
      .map((change) => {
        const entries = Object.entries(change.counters).filter(([, value]) => value !== 0);
        const names = Object.fromEntries(entries.map(([name], i) => [`#c${i}`, attribute(name)]));
        const values = Object.fromEntries(entries.map(([, value], i) => [`:c${i}`, value]));
        return {
          Update: {
            TableName: this.tableName,
            Key: bucketKey(change.programId, change.segment, shard, change.day),
            UpdateExpression: `SET #type = :type ADD ${entries.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
            ExpressionAttributeNames: { ...names, '#type': 'type' },
            ExpressionAttributeValues: { ...values, ':type': 'aggregate' },
          },
        };
      })
      .filter((update) => Object.keys(update.Update.ExpressionAttributeValues).length > 1);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: `APPLIED#${changeId}`, sk: 'APPLIED', type: 'applied', expiresAt: now + MARKER_TTL_SECONDS },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...updates,
            ...(fresh.length && programId !== undefined ? [this.segmentsUpdate(programId, fresh)] : []),
          ],
        }),
      );
      for (const segment of fresh) known?.add(segment);
      return 'applied';
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        // The change was applied before, with the segments it named.
        for (const segment of fresh) known?.add(segment);
        return 'duplicate';
      }
      throw error;
    }
  }

  /** Adds segments to the program's list the report offers (a set: adding one again changes nothing). */
  private segmentsUpdate(programId: string, segments: readonly string[]) {
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: `SEGMENTS#${programId}`, sk: 'SEGMENTS' },
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
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `SEGMENTS#${programId}`, sk: 'SEGMENTS' } }));
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
            ExpressionAttributeValues: { ':pk': bucketKey(programId, segment, shard, '').pk, ':from': `DAY#${fromDay}`, ':to': `DAY#${toDay}` },
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
          Key: { pk: `ALERT#${programId}#${segment}`, sk: 'ALERT' },
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
