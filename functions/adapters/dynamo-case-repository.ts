import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { surveyTable } from '../config/resources.js';
import { type FollowUpCaseRecord, OPEN_CASE_STATUSES } from '../domain/follow-up-case.js';
import { type Notification, outboxSlot } from '../domain/notification.js';
import type { CaseInbox, CaseRepository, DueCase, InboxPage, InboxQuery, OverdueCases } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { CorruptItemError, items } from './table-items.js';
import { idOf, keys } from './table-keys.js';

const { slaIndex, inboxIndex } = surveyTable;

/** Spreads pending deadlines over a few index partitions so no single key runs hot. */
const shardOf = (caseId: string) => `SLA#${[...caseId].reduce((sum, c) => sum + c.charCodeAt(0), 0) % slaIndex.shards}`;

/** Attributes a case may lose in a transition (a resolved case leaves the deadline index). */
const OPTIONAL_ATTRIBUTES = [
  'nextDeadline',
  'slaShard',
  'slaDueAt',
  'rootCause',
  'note',
  'reply',
  'acknowledgedAt',
  'resolvedAt',
  'assignee',
  'waiting',
] as const;

/** The inbox index's partition of a queue and status (queue names are kebab-case: never a `#`). */
export const inboxKeyOf = (queue: string, status: string) => `${queue}#${status}`;

/**
 * The outbox item of a notification, written in the transaction of the case change that owes it:
 * 'pending' until the notify stage claims it (functions/notify/). Its key is the idempotency key: one
 * per case and kind, whatever retries the writer makes.
 */
export function outboxPut(TableName: string, notification: Notification) {
  return {
    Put: {
      TableName,
      Item: { ...keys.notification(notification.caseId, outboxSlot(notification)), type: 'notification', status: 'pending', ...notification },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

interface CaseItem extends FollowUpCaseRecord {
  pk: string;
  sk: string;
  type: 'case';
  caseId: string;
  /** History length: the optimistic-locking version of the case. */
  version: number;
  notifiedAt?: string;
  slaShard?: string;
  slaDueAt?: number;
  /** The inbox index (sparse: case items only): `<queue>#<status>` and the resolve-by time in epoch ms. */
  inboxKey: string;
  inboxDue: number;
}

function toItem(record: FollowUpCaseRecord): CaseItem {
  const { caseId } = record.message;
  return {
    ...record,
    ...keys.case(caseId),
    type: 'case',
    caseId,
    version: record.history.length,
    inboxKey: inboxKeyOf(record.message.queue, record.status),
    inboxDue: Date.parse(record.message.dueAt),
    ...(record.nextDeadline !== undefined ? { slaShard: shardOf(caseId), slaDueAt: record.nextDeadline } : {}),
  };
}

const isExpired = (item: Record<string, unknown>) => typeof item.expiresAt === 'number' && item.expiresAt <= Math.floor(Date.now() / 1000);

/** A case item read back (the table map's codec), or why it cannot be: what the sweep sets aside. */
function dueCase(item: Record<string, unknown>): DueCase {
  try {
    return items.case(item);
  } catch (error) {
    if (!(error instanceof CorruptItemError)) throw error;
    return { unreadable: error.reason, caseId: typeof item.caseId === 'string' ? item.caseId : idOf.case(item.pk), item };
  }
}

export class DynamoCaseRepository implements CaseRepository, CaseInbox, OverdueCases {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async open(
    record: FollowUpCaseRecord,
    survey?: { tokenHash: string; contactKey: string },
    notification?: Notification,
  ): Promise<'opened' | 'unnotified' | 'notified' | 'erased'> {
    if (survey) return this.openForSurvey(record, survey, notification);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'opened';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item && unmarshall(error.Item).notifiedAt ? 'notified' : 'unnotified';
    }
  }

  /** The case and a check that its invitation was not erased meanwhile, in one transaction. */
  private async openForSurvey(
    record: FollowUpCaseRecord,
    survey: { tokenHash: string; contactKey: string },
    notification?: Notification,
  ): Promise<'opened' | 'unnotified' | 'notified' | 'erased'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: toItem(record),
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.invitation(survey.tokenHash),
                ConditionExpression: 'contactKey = :contact',
                ExpressionAttributeValues: { ':contact': survey.contactKey },
              },
            },
            // The respondent's acknowledgement, owed by this opening and by nothing else.
            ...(notification ? [outboxPut(this.tableName, notification)] : []),
          ],
        }),
      );
      return 'opened';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [existing, invitation] = error.CancellationReasons ?? [];
      if (existing?.Code === 'ConditionalCheckFailed') return existing.Item && unmarshall(existing.Item).notifiedAt ? 'notified' : 'unnotified';
      if (invitation?.Code === 'ConditionalCheckFailed') return 'erased';
      throw error;
    }
  }

  async markNotified(caseId: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.case(caseId),
        UpdateExpression: 'SET notifiedAt = if_not_exists(notifiedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  }

  async get(caseId: string): Promise<FollowUpCaseRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.case(caseId), ConsistentRead: true }));
    // Past its retention the case is gone, even before TTL has deleted it (TTL deletes lazily).
    return Item?.type === 'case' && !isExpired(Item) ? items.case(Item) : undefined;
  }

  /**
   * One conditional UpdateItem: sets every attribute of the new state and removes the optional ones
   * it no longer has (so a case leaves the deadline index), leaving `notifiedAt` alone.
   */
  /** The conditional update that replaces `before` with `after` (the version, the history's length, must not have moved). */
  private updateOf(before: FollowUpCaseRecord, after: FollowUpCaseRecord) {
    const { pk: _pk, sk: _sk, ...fields } = toItem(after);
    const present = Object.entries(fields).filter(([, value]) => value !== undefined);
    const absent = OPTIONAL_ATTRIBUTES.filter((name) => (fields as Record<string, unknown>)[name] === undefined);
    const names = Object.fromEntries([...present.map(([name]) => name), ...absent].map((name) => [`#${name}`, name]));
    return {
      TableName: this.tableName,
      Key: keys.case(before.message.caseId),
      UpdateExpression: `SET ${present.map(([name]) => `#${name} = :${name}`).join(', ')}${absent.length ? ` REMOVE ${absent.map((name) => `#${name}`).join(', ')}` : ''}`,
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...Object.fromEntries(present.map(([name, value]) => [`:${name}`, value])), ':expected': before.history.length },
    };
  }

  async update(before: FollowUpCaseRecord, after: FollowUpCaseRecord, notification?: Notification): Promise<boolean> {
    const update = this.updateOf(before, after);
    try {
      // With a notification, the change and its outbox item are one transaction: both or neither.
      if (notification) await this.client.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, outboxPut(this.tableName, notification)] }));
      else await this.client.send(new UpdateCommand(update));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  async reply(before: FollowUpCaseRecord, after: FollowUpCaseRecord, notification: Notification): Promise<'saved' | 'changed' | 'suppressed'> {
    const suppression = {
      ConditionCheck: { TableName: this.tableName, Key: keys.suppression(notification.contactKey), ConditionExpression: 'attribute_not_exists(pk)' },
    };
    try {
      await this.client.send(
        new TransactWriteCommand({ TransactItems: [{ Update: this.updateOf(before, after) }, outboxPut(this.tableName, notification), suppression] }),
      );
      return 'saved';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[2]?.Code === 'ConditionalCheckFailed') return 'suppressed';
      if (reasons[0]?.Code === 'ConditionalCheckFailed' || reasons[1]?.Code === 'ConditionalCheckFailed') return 'changed';
      throw error;
    }
  }

  async setAside(caseId: string, reason: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.case(caseId),
        UpdateExpression: 'SET setAsideReason = :reason, setAsideAt = :at REMOVE slaShard, slaDueAt, nextDeadline',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':reason': reason.slice(0, 1000), ':at': at.toISOString() },
      }),
    );
  }

  async due(now: Date, limit: number): Promise<DueCase[]> {
    const found: DueCase[] = [];
    for (let shard = 0; shard < slaIndex.shards && found.length < limit; shard++) {
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: slaIndex.name,
          KeyConditionExpression: 'slaShard = :shard AND slaDueAt <= :now',
          FilterExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :nowSeconds',
          ExpressionAttributeValues: { ':shard': `SLA#${shard}`, ':now': now.getTime(), ':nowSeconds': Math.floor(now.getTime() / 1000) },
          Limit: limit - found.length,
        }),
      );
      found.push(...Items.map(dueCase));
    }
    return found;
  }

  /**
   * One counting Query per status still open on the inbox index (`inboxDue` < now): its read units
   * follow the overdue cases' keys (about 100 bytes each), never the table's size.
   */
  async countOverdue(queue: string, now: number): Promise<number> {
    let total = 0;
    for (const status of OPEN_CASE_STATUSES) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: inboxIndex.name,
            KeyConditionExpression: '#key = :key AND #due < :now',
            ExpressionAttributeNames: { '#key': inboxIndex.partitionKey, '#due': inboxIndex.sortKey },
            ExpressionAttributeValues: { ':key': inboxKeyOf(queue, status), ':now': now },
            Select: 'COUNT',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        total += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return total;
  }

  /**
   * One Query per partition of the inbox index, in the query's order, from `start`, until the page
   * is full; then each case is read from the table (strongly consistent) and kept only while it still
   * belongs to its partition (the index lags a transition by a moment) and has not expired.
   */
  async list(query: InboxQuery): Promise<InboxPage> {
    const after = query.start?.after ?? query.partitions.map(() => 'start' as const);
    // Up to a page from every partition still open (keys only, < 100 bytes each), merged by resolve-by time.
    const heads = await Promise.all(
      query.partitions.map(async ({ queue, status }, partition) => {
        const from = after[partition];
        if (from === 'end') return { partition, items: [] as Record<string, unknown>[], more: false };
        const { Items = [], LastEvaluatedKey } = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: inboxIndex.name,
            KeyConditionExpression: query.dueBefore === undefined ? '#key = :key' : '#key = :key AND #due < :before',
            ExpressionAttributeNames: { '#key': inboxIndex.partitionKey, ...(query.dueBefore === undefined ? {} : { '#due': inboxIndex.sortKey }) },
            ExpressionAttributeValues: { ':key': inboxKeyOf(queue, status), ...(query.dueBefore === undefined ? {} : { ':before': query.dueBefore }) },
            // The position keeps the case's key and due time; the rest of the index key follows from the partition.
            ...(from && from !== 'start'
              ? {
                  ExclusiveStartKey: {
                    pk: from.pk,
                    sk: keys.case('').sk,
                    [inboxIndex.partitionKey]: inboxKeyOf(queue, status),
                    [inboxIndex.sortKey]: from.due,
                  },
                }
              : {}),
            Limit: query.limit,
          }),
        );
        return { partition, items: Items, more: LastEvaluatedKey !== undefined };
      }),
    );
    const page = heads
      .flatMap(({ partition, items }) => items.map((item) => ({ partition, item })))
      .sort((a, b) => Number(a.item[inboxIndex.sortKey]) - Number(b.item[inboxIndex.sortKey]) || String(a.item.pk).localeCompare(String(b.item.pk)))
      .slice(0, query.limit);
    const next = [...after];
    for (const { partition, item } of page) next[partition] = { pk: item.pk, due: item[inboxIndex.sortKey] };
    for (const { partition, items, more } of heads) {
      if (!more && page.filter((taken) => taken.partition === partition).length === items.length) next[partition] = 'end';
    }
    const read = await Promise.all(page.map(({ item }) => this.get(idOf.case(item.pk))));
    // The index lags a moment behind a change: a case no longer in the partition it was listed from is left out.
    const records = read.filter((record, k): record is FollowUpCaseRecord => {
      const partition = query.partitions[page[k]?.partition ?? -1];
      return record?.status === partition?.status && record?.message.queue === partition?.queue;
    });
    return { records, ...(next.every((position) => position === 'end') ? {} : { next: { after: next } }) };
  }
}
