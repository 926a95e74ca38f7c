import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Notification, NotificationKind } from '../domain/notification.js';
import type { NotificationOutbox, OutboxClaim } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { keys } from './table-keys.js';

/** Once decided (sent or skipped), the item keeps no address and no reply: only what counts and audits need. */
const FORGET = 'REMOVE #to, reply, team, leaseUntil, claimant';

/** The outbox items of respondent notifications in the survey table (written by the case repository). */
export class DynamoNotificationOutbox implements NotificationOutbox {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async claim(
    notification: Pick<Notification, 'caseId' | 'kind' | 'contactKey' | 'locale'>,
    now: number,
    leaseUntil: number,
    link: { key: string; expiresAt: number },
    claimant = '',
  ): Promise<OutboxClaim> {
    const TableName = this.tableName;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: keys.notification(notification.caseId, notification.kind),
                UpdateExpression: 'SET #status = :sending, leaseUntil = :lease, claimant = :me ADD attempts :one',
                // The same delivery may take its own claim again: its earlier claim's answer may have been lost (a 500 after the write).
                ConditionExpression:
                  'attribute_exists(pk) AND (#status = :pending OR (#status = :sending AND (leaseUntil <= :now OR (claimant = :me AND :me <> :none))))',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':sending': 'sending',
                  ':pending': 'pending',
                  ':lease': leaseUntil,
                  ':now': now,
                  ':one': 1,
                  ':me': claimant,
                  ':none': '',
                },
                // ALL_OLD: a retry learns why without a read (sent, skipped, held, gone).
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            // Checked at send time, not at writing: an unsubscribe or an erasure in between wins.
            { ConditionCheck: { TableName, Key: keys.suppression(notification.contactKey), ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Put: {
                TableName,
                Item: {
                  ...keys.unsubscribeLink(link.key),
                  type: 'unsubscribe-link',
                  contactKey: notification.contactKey,
                  locale: notification.locale,
                  expiresAt: link.expiresAt,
                },
              },
            },
          ],
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [item, suppression] = error.CancellationReasons ?? [];
      if (item?.Code === 'ConditionalCheckFailed') {
        if (!item.Item) return 'gone';
        const old = unmarshall(item.Item);
        return old.status === 'sending' ? 'held' : 'done';
      }
      if (suppression?.Code === 'ConditionalCheckFailed') return 'suppressed';
      // A conflicting transaction or throttling: transient, the stream retries.
      throw error;
    }
  }

  async markSent(caseId: string, kind: NotificationKind, at: Date): Promise<void> {
    await this.decide(caseId, kind, 'sent', at);
  }

  async skip(caseId: string, kind: NotificationKind, reason: 'suppressed' | 'rejected', at: Date): Promise<void> {
    await this.decide(caseId, kind, 'skipped', at, reason);
  }

  async release(caseId: string, kind: NotificationKind): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.notification(caseId, kind),
          UpdateExpression: 'SET #status = :pending REMOVE leaseUntil',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':sending': 'sending' },
        }),
      )
      // Released by the lease's end anyway: a failed release only delays the retry.
      .catch(() => undefined);
  }

  private async decide(caseId: string, kind: NotificationKind, status: 'sent' | 'skipped', at: Date, reason?: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.notification(caseId, kind),
          UpdateExpression: `SET #status = :status, decidedAt = :at${reason ? ', reason = :reason' : ''} ${FORGET}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status', '#to': 'to' },
          ExpressionAttributeValues: { ':status': status, ':at': at.toISOString(), ...(reason ? { ':reason': reason } : {}) },
        }),
      );
    } catch (error) {
      // Erased meanwhile: nothing left to mark.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}
