import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WebhookReceipts } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { keys } from './table-keys.js';

/** One item per accepted inbound webhook-id (ids and times only, no personal data), deleted by TTL. */

export class DynamoWebhookReceipts implements WebhookReceipts {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async claim(integrationId: string, webhookId: string, keepUntil: Date, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.hookReceipt(integrationId, webhookId),
            type: 'webhook-receipt',
            receivedAt: now.toISOString(),
            expiresAt: Math.ceil(keepUntil.getTime() / 1000),
          },
          // Absent, or past its TTL but not yet deleted (TTL deletes lazily).
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(integrationId: string, webhookId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.hookReceipt(integrationId, webhookId) }));
  }
}
