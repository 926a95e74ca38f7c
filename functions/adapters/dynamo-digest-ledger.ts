import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DigestClaim, DigestLedger } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { keys } from './table-keys.js';

/** Sent records outlive any retry and any `closeloop digest send` of an old week someone might try. */
const RECORD_TTL_SECONDS = 400 * 86_400;

/** The digests' sent records in the survey table: one conditional PutItem per claim. */
export class DynamoDigestLedger implements DigestLedger {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async claim(digestId: string, week: string, recipient: string, now: number, leaseUntil: number): Promise<DigestClaim> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.digestSend(digestId, week, recipient),
            type: 'digest-send',
            status: 'claimed',
            leaseUntil,
            expiresAt: now + RECORD_TTL_SECONDS,
          },
          // New, or a claim whose holder died (its lease is over): never a send that went out.
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :claimed AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item?.status?.S === 'claimed' ? 'held' : 'sent';
    }
  }

  async markSent(digestId: string, week: string, recipient: string, at: Date, outcome: 'sent' | 'rejected' = 'sent'): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.digestSend(digestId, week, recipient),
        UpdateExpression: 'SET #status = :status, sentAt = :at REMOVE leaseUntil',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': outcome, ':at': at.toISOString() },
      }),
    );
  }

  async release(digestId: string, week: string, recipient: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.digestSend(digestId, week, recipient),
          ConditionExpression: '#status = :claimed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'claimed' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
