import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReminderClaim, ReminderRepository, ReservationGuard } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { type InvitationItem, sendableChecks } from './dynamo-invitation-repository.js';
import { conditionFailures, transactItems } from './dynamo-transaction.js';
import { keys } from './table-keys.js';

/** Why the claim's condition on the invitation failed, from the item as it was (ALL_OLD). */
function refusedBy(old: Partial<InvitationItem> | undefined, now: number): ReminderClaim {
  if (!old?.pk || old.type !== 'invitation') return 'gone';
  if (old.respondedAt !== undefined) return 'answered';
  if ((old.expiresAt ?? 0) <= now) return 'expired';
  if (old.reminderPlan === 'held-out') return 'held-out';
  if (old.reminderPlan !== 'scheduled') return 'not-planned';
  if (old.remindedAt !== undefined) return 'reminded';
  return 'held';
}

/**
 * The reminder's claim and mark, as attributes of the invitation item itself (no item of its own:
 * an erasure that deletes or anonymises the invitation takes them along). Neither write changes
 * `respondedAt` or `revision`, so the stages on the table's stream ignore them (the rules stage's
 * filter wants an answer; measure counts only new items and new revisions, and the mark).
 */
export class DynamoReminderRepository implements ReminderRepository {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async claimReminder(tokenHash: string, guard: ReservationGuard, leaseUntil: number): Promise<ReminderClaim> {
    const TableName = this.tableName;
    const items = [
      {
        label: 'invitation' as const,
        item: {
          Update: {
            TableName,
            Key: keys.invitation(tokenHash),
            UpdateExpression: 'SET reminderLeaseUntil = :leaseUntil',
            // Two deliveries of the same schedule message cannot both take it; a lease that ended (a crashed send) can be taken over.
            ConditionExpression:
              'attribute_exists(pk) AND attribute_not_exists(respondedAt) AND expiresAt > :now AND reminderPlan = :scheduled ' +
              'AND attribute_not_exists(remindedAt) AND (attribute_not_exists(reminderLeaseUntil) OR reminderLeaseUntil <= :now)',
            ExpressionAttributeValues: { ':leaseUntil': leaseUntil, ':now': guard.now, ':scheduled': 'scheduled' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
          },
        },
      },
      ...sendableChecks(TableName, guard),
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: transactItems(items) }));
      return 'claimed';
    } catch (error) {
      const failed = conditionFailures(error, items);
      if (!failed) throw error;
      if (failed.has('invitation')) return refusedBy(failed.oldItem('invitation') as Partial<InvitationItem> | undefined, guard.now);
      if (failed.has('cancellation')) return 'cancelled';
      if (failed.has('suppression')) return 'suppressed';
      throw error;
    }
  }

  async markReminded(tokenHash: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.invitation(tokenHash),
          UpdateExpression: 'SET remindedAt = :at REMOVE reminderLeaseUntil',
          // Not on an erased (deleted or anonymised) invitation, nor a second time.
          ConditionExpression: 'attribute_exists(pk) AND reminderPlan = :scheduled AND attribute_not_exists(remindedAt)',
          ExpressionAttributeValues: { ':at': at.toISOString(), ':scheduled': 'scheduled' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async releaseReminder(tokenHash: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.invitation(tokenHash),
          UpdateExpression: 'REMOVE reminderLeaseUntil',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(remindedAt)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
