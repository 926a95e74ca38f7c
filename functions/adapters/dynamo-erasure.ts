import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { surveyTable } from '../config/resources.js';
import { anonymiseCase, type FollowUpCaseRecord } from '../domain/follow-up-case.js';
import type { ErasureCounts, PersonalDataEraser } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { suppressionWrites } from './dynamo-invitation-repository.js';
import { CorruptItemError, items } from './table-items.js';
import { keys, REST_PREFIX } from './table-keys.js';

type Item = Record<string, unknown> & { pk: string; sk: string };
type Outcome = keyof ErasureCounts | 'gone';

/** A write lost to a concurrent one (an answer arriving, a case acknowledged) is retried on a fresh read. */
const MAX_ATTEMPTS = 5;

export class DynamoErasure implements PersonalDataEraser {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async erase(contactKey: string, at: Date): Promise<ErasureCounts> {
    const counts = { invitationsDeleted: 0, responsesAnonymised: 0, casesAnonymised: 0, contactRecordsDeleted: 0, notificationsDeleted: 0 };
    await this.suppress(contactKey, at);
    for await (const key of this.indexed(contactKey)) {
      const outcome = await this.eraseItem(key, contactKey, at);
      if (outcome !== 'gone') counts[outcome]++;
    }
    for await (const key of this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rest)',
      ExpressionAttributeValues: { ':pk': keys.suppression(contactKey).pk, ':rest': REST_PREFIX },
    })) {
      if (key.sk === keys.rest(contactKey, 'all').sk) {
        // Its rest period goes; the suppression flag the reservation checks stays (in one write: no moment without it).
        if (key.until === undefined && key.heldBy === undefined && key.expiresAt === undefined) continue;
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: key.pk, sk: key.sk },
            UpdateExpression: 'SET suppressed = if_not_exists(suppressed, :erased) REMOVE #until, heldBy, expiresAt',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':erased': 'erased' },
          }),
        );
      } else await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: key.pk, sk: key.sk } }));
      counts.contactRecordsDeleted++;
    }
    return counts;
  }

  /** Erased addresses stay suppressed: the record holds only the hash. An earlier reason (unsubscribed, bounced) is kept. */
  private async suppress(contactKey: string, at: Date): Promise<void> {
    // The record and the flag on REST#all the reservation checks (dynamo-invitation-repository.ts).
    await this.client.send(new TransactWriteCommand({ TransactItems: suppressionWrites(this.tableName, contactKey, 'erased', at.toISOString()) }));
  }

  private indexed(contactKey: string): AsyncGenerator<Item> {
    const index = surveyTable.contactIndex;
    return this.query({
      IndexName: index.name,
      KeyConditionExpression: '#contact = :contact',
      ExpressionAttributeNames: { '#contact': index.partitionKey },
      ExpressionAttributeValues: { ':contact': contactKey },
    });
  }

  private async *query(input: Record<string, unknown>): AsyncGenerator<Item> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ TableName: this.tableName, ...input, ExclusiveStartKey }));
      yield* (page.Items ?? []) as Item[];
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  private async eraseItem(key: Item, contactKey: string, at: Date): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }));
      const item = Item as Item | undefined;
      if (!item || item.contactKey !== contactKey) return 'gone';
      try {
        if (item.type === 'invitation') return await this.eraseInvitation(item, contactKey, at);
        if (item.type === 'case') return await this.eraseCase(item, contactKey, at);
        if (item.type === 'notification' || item.type === 'unsubscribe-link' || item.type === 'announcement') {
          return await this.deleteOwned(item, contactKey, 'notificationsDeleted');
        }
        if (item.type === 'delivery') return await this.deleteOwned(item, contactKey, 'contactRecordsDeleted');
        return 'gone';
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async eraseInvitation(item: Item, contactKey: string, at: Date): Promise<Outcome> {
    const TableName = this.tableName;
    if (item.respondedAt === undefined) {
      await this.client.send(
        new DeleteCommand({
          TableName,
          Key: { pk: item.pk, sk: item.sk },
          ConditionExpression: 'contactKey = :contact AND attribute_not_exists(respondedAt)',
          ExpressionAttributeValues: { ':contact': contactKey },
        }),
      );
      return 'invitationsDeleted';
    }
    // Replaced whole: no attribute of the person can survive. The stream readers ignore this type.
    await this.client.send(
      new PutCommand({
        TableName,
        Item: {
          pk: item.pk,
          sk: item.sk,
          type: 'anonymous-response',
          programId: item.programId,
          kind: item.kind,
          score: item.score,
          revision: item.revision,
          respondedAt: item.respondedAt,
          erasedAt: at.toISOString(),
          expiresAt: item.expiresAt,
        },
        ConditionExpression: 'contactKey = :contact AND respondedAt = :respondedAt',
        ExpressionAttributeValues: { ':contact': contactKey, ':respondedAt': item.respondedAt },
      }),
    );
    return 'responsesAnonymised';
  }

  /**
   * An item with nothing worth keeping anonymous, deleted whole while it is still the person's: a
   * notification's outbox item (sent or not: an unsent one is never sent, the contact being
   * suppressed first) or its unsubscribe link; an announcement record (the suppression stops any
   * rerun of the announcement); a delivery-log item of an integration that opted in
   * to personal data (a replay then has nothing of the person to send).
   */
  private async deleteOwned(item: Item, contactKey: string, outcome: Outcome): Promise<Outcome> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: item.pk, sk: item.sk },
        ConditionExpression: 'contactKey = :contact',
        ExpressionAttributeValues: { ':contact': contactKey },
      }),
    );
    return outcome;
  }

  /**
   * The case anonymised in place (its keys, version and inbox position kept; out of the deadline
   * index). A case item that cannot be read as one (hand-edited, corrupted) cannot be anonymised
   * field by field: it is deleted whole, still the person's.
   */
  private async eraseCase(item: Item, contactKey: string, at: Date): Promise<Outcome> {
    let record: FollowUpCaseRecord;
    try {
      record = items.case(item);
    } catch (error) {
      if (!(error instanceof CorruptItemError)) throw error;
      return this.deleteOwned(item, contactKey, 'casesAnonymised');
    }
    const { pk, sk, type, caseId, version, notifiedAt, inboxKey, inboxDue } = item;
    const anonymised = anonymiseCase(record, at);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk,
          sk,
          type,
          caseId,
          version,
          ...(notifiedAt ? { notifiedAt } : {}),
          ...(inboxKey !== undefined ? { inboxKey, inboxDue } : {}),
          ...anonymised,
        },
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': version },
      }),
    );
    return 'casesAnonymised';
  }
}
