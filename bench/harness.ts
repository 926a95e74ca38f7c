import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { surveyTable } from '../functions/config/resources.js';
import { freePort, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDb, type RunningEmulator } from '../sandbox/emulators.js';

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** A DynamoDB Local with the survey table, for one benchmark. */
export async function benchTable(
  tableName = 'closeloop-bench',
  /** With the stack's GSIs (the contact and deadline indexes), whose writes count in the write units. */
  indexes = false,
): Promise<{ dynamo: RunningEmulator; client: DynamoDBClient; documents: DynamoDBDocumentClient; tableName: string }> {
  const dynamo = await startDynamoDb(await freePort());
  const client = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: dynamo.endpoint });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        ...(indexes
          ? [
              { AttributeName: surveyTable.slaIndex.partitionKey, AttributeType: 'S' as const },
              { AttributeName: surveyTable.slaIndex.sortKey, AttributeType: 'N' as const },
              { AttributeName: surveyTable.contactIndex.partitionKey, AttributeType: 'S' as const },
            ]
          : []),
      ],
      KeySchema: [
        { AttributeName: surveyTable.partitionKey, KeyType: 'HASH' },
        { AttributeName: surveyTable.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      ...(indexes
        ? {
            GlobalSecondaryIndexes: [
              {
                IndexName: surveyTable.slaIndex.name,
                KeySchema: [
                  { AttributeName: surveyTable.slaIndex.partitionKey, KeyType: 'HASH' as const },
                  { AttributeName: surveyTable.slaIndex.sortKey, KeyType: 'RANGE' as const },
                ],
                Projection: { ProjectionType: 'ALL' as const },
              },
              {
                IndexName: surveyTable.contactIndex.name,
                KeySchema: [{ AttributeName: surveyTable.contactIndex.partitionKey, KeyType: 'HASH' as const }],
                Projection: { ProjectionType: 'KEYS_ONLY' as const },
              },
            ],
          }
        : {}),
    }),
  );
  return { dynamo, client, documents: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), tableName };
}

export function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, n) => {
      const line = `| ${r.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ')} |`;
      return n === 0 ? `${line}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|` : line;
    })
    .join('\n');
}
