import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DELIVERY_LOG_DAYS } from '../config/resources.js';
import type { DeliverableEvent } from '../domain/integrations.js';
import type { DeliveryLog, DeliveryRecord } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { keys } from './table-keys.js';

/**
 * The delivery log on the survey table, no index needed: one item per webhook-id under
 * pk `DELIVERY#<integration>`, sk `<event time>#<webhook-id>`, so a replay since a moment is one
 * Query of one partition. Kept DELIVERY_LOG_DAYS (TTL).
 */

export class DynamoDeliveryLog implements DeliveryLog {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async record(delivery: DeliveryRecord): Promise<void> {
    const at = delivery.at.toISOString();
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.delivery(delivery.integrationId, delivery.event.time, delivery.webhookId),
        UpdateExpression:
          'SET #type = :type, integrationId = :integration, webhookId = :id, detailType = :detailType, #event = :event, #status = :status, ' +
          'lastResult = :result, lastAttemptAt = :at, firstAttemptAt = if_not_exists(firstAttemptAt, :at), expiresAt = :expires' +
          (delivery.contactKey ? ', contactKey = :contact' : '') +
          ' ADD attempts :one',
        ExpressionAttributeNames: { '#type': 'type', '#event': 'event', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': 'delivery',
          ':integration': delivery.integrationId,
          ':id': delivery.webhookId,
          ':detailType': delivery.event['detail-type'],
          ':event': delivery.event,
          ':status': delivery.status,
          ':result': delivery.lastResult,
          ':at': at,
          ':expires': Math.floor(delivery.at.getTime() / 1000) + DELIVERY_LOG_DAYS * 86_400,
          ':one': 1,
          ...(delivery.contactKey ? { ':contact': delivery.contactKey } : {}),
        },
      }),
    );
  }

  async *since(integrationId: string, since: Date): AsyncIterable<{ webhookId: string; event: DeliverableEvent }> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: { ':pk': keys.deliveries(integrationId), ':since': since.toISOString() },
          ProjectionExpression: 'webhookId, #event, expiresAt',
          ExpressionAttributeNames: { '#event': 'event' },
          ExclusiveStartKey,
        }),
      );
      const now = Date.now() / 1000;
      for (const item of page.Items ?? []) {
        // TTL deletes lazily: an expired item is gone as far as replays go.
        if (typeof item.expiresAt === 'number' && item.expiresAt < now) continue;
        yield { webhookId: item.webhookId as string, event: item.event as DeliverableEvent };
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
}
