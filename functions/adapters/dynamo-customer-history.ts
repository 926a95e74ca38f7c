import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { surveyTable } from '../config/resources.js';
import type { CustomerHistory, EarlierContact } from '../ports.js';
import { documentClient } from './dynamo-client.js';
import { KEY_FAMILIES } from './table-keys.js';

/** How many of a customer's items the case page looks at (their latest answers and cases are among them for years of surveys). */
const MAX_KEYS = 100;
const SHOWN = 10;

/**
 * A customer's earlier answers and cases, from the `by-contact` index (keys only) and a batch read of
 * the invitations and cases among them: never a scan. An erased customer has no contact key left on
 * their items, so nothing is found; eNPS invitations keep no person (the index does not list them).
 */
export class DynamoCustomerHistory implements CustomerHistory {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async of(contactKey: string, exceptCaseId: string): Promise<EarlierContact[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: surveyTable.contactIndex.name,
        KeyConditionExpression: '#contact = :contact',
        ExpressionAttributeNames: { '#contact': surveyTable.contactIndex.partitionKey },
        ExpressionAttributeValues: { ':contact': contactKey },
        Limit: MAX_KEYS,
      }),
    );
    const keys = Items.filter((item) => {
      const pk = String(item.pk);
      return (pk.startsWith(KEY_FAMILIES.invitation) || pk.startsWith(KEY_FAMILIES.case)) && pk !== `${KEY_FAMILIES.case}${exceptCaseId}`;
    }).map((item) => ({ pk: item.pk, sk: item.sk }));
    const found: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let request:
        | Record<string, { Keys: Record<string, unknown>[]; ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> }>
        | undefined = {
        [this.tableName]: {
          Keys: keys.slice(i, i + 100),
          // Every name through a placeholder: several are DynamoDB reserved words.
          ProjectionExpression: '#pk, #type, #program, #status, #response, #message, #expires',
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#type': 'type',
            '#program': 'programId',
            '#status': 'status',
            '#response': 'response',
            '#message': 'message',
            '#expires': 'expiresAt',
          },
        },
      };
      // Unprocessed keys (throttling) are read again, as BatchGetItem asks.
      for (let round = 0; request && Object.keys(request).length && round < 5; round++) {
        const answer = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        found.push(...((answer.Responses?.[this.tableName] ?? []) as Record<string, unknown>[]));
        request = answer.UnprocessedKeys as typeof request;
      }
    }
    const now = Date.now() / 1000;
    const earlier = found.flatMap((item): EarlierContact[] => {
      if (typeof item.expiresAt === 'number' && item.expiresAt < now) return [];
      const response = item.response as { score?: number; comment?: string; respondedAt?: string } | undefined;
      if (item.type === 'invitation' && response?.respondedAt && typeof response.score === 'number') {
        return [
          {
            kind: 'answer',
            programId: String(item.programId),
            score: response.score,
            ...(response.comment ? { comment: response.comment } : {}),
            at: response.respondedAt,
          },
        ];
      }
      const message = item.message as { caseId?: string; score?: number; queue?: string; respondedAt?: string } | undefined;
      if (item.type === 'case' && message?.caseId && message.respondedAt) {
        return [
          {
            kind: 'case',
            caseId: message.caseId,
            status: String(item.status),
            score: Number(message.score),
            queue: String(message.queue),
            at: message.respondedAt,
          },
        ];
      }
      return [];
    });
    return earlier.sort((a, b) => b.at.localeCompare(a.at)).slice(0, SHOWN);
  }
}
