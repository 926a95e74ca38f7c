import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Notification, outboxSlot } from '../domain/notification.js';
import type { NotificationOutbox, OutboxClaim } from '../ports.js';
import { claimPersonalSend } from './dynamo-claims.js';
import { documentClient } from './dynamo-client.js';
import { keys } from './table-keys.js';

/** Once decided (sent or skipped), the item keeps no address and no reply (nor, for an assignee's, the customer's): only what counts and audits need. */
const FORGET = 'REMOVE #to, reply, team, customerFrom, leaseUntil, claimant';

/** The outbox items of respondent notifications in the survey table (written by the case repository). */
export class DynamoNotificationOutbox implements NotificationOutbox {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async claim(
    notification: Pick<Notification, 'caseId' | 'kind' | 'replyId' | 'contactKey' | 'locale'>,
    now: number,
    leaseUntil: number,
    link: { key: string; expiresAt: number },
    claimant = '',
  ): Promise<OutboxClaim> {
    const claimed = await claimPersonalSend(
      this.client,
      this.tableName,
      {
        Update: {
          TableName: this.tableName,
          Key: keys.notification(notification.caseId, outboxSlot(notification)),
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
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      notification,
      link,
    );
    if (typeof claimed === 'string') return claimed;
    // Refused: sent, skipped, held by another delivery, or gone (erased).
    if (!claimed.refused) return 'gone';
    return claimed.refused.status === 'sending' ? 'held' : 'done';
  }

  async markSent(caseId: string, slot: string, at: Date): Promise<void> {
    await this.decide(caseId, slot, 'sent', at);
  }

  async skip(caseId: string, slot: string, reason: 'suppressed' | 'rejected', at: Date): Promise<void> {
    await this.decide(caseId, slot, 'skipped', at, reason);
  }

  async release(caseId: string, slot: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.notification(caseId, slot),
          UpdateExpression: 'SET #status = :pending REMOVE leaseUntil',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':sending': 'sending' },
        }),
      )
      // Released by the lease's end anyway: a failed release only delays the retry.
      .catch(() => undefined);
  }

  private async decide(caseId: string, slot: string, status: 'sent' | 'skipped', at: Date, reason?: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.notification(caseId, slot),
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
