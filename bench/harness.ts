import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../functions/adapters/table-keys.js';
import { surveyTable } from '../functions/config/resources.js';
import { freePort, LOCAL_CREDENTIALS, LOCAL_REGION, type RunningEmulator, startDynamoDb } from '../sandbox/emulators.js';
import { surveyTableDefinition } from '../sandbox/resources.js';
import { DEFAULT_PORTS, type RunningSandbox, type SandboxOptions, startSandbox } from '../sandbox/sandbox.js';

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** A DynamoDB Local with the survey table, for one benchmark. */
export async function benchTable(
  tableName = 'closeloop-bench',
  /** With the stack's GSIs (deadline, contact, inbox and answer indexes: the sandbox's table, without its stream), whose writes count in the write units. */
  indexes = false,
): Promise<{ dynamo: RunningEmulator; client: DynamoDBClient; documents: DynamoDBDocumentClient; tableName: string }> {
  const dynamo = await startDynamoDb(await freePort());
  const client = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: dynamo.endpoint });
  const { StreamSpecification: _stream, ...declared } = surveyTableDefinition(tableName);
  await client.send(
    new CreateTableCommand(
      indexes
        ? declared
        : {
            TableName: tableName,
            AttributeDefinitions: [
              { AttributeName: surveyTable.partitionKey, AttributeType: 'S' },
              { AttributeName: surveyTable.sortKey, AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: surveyTable.partitionKey, KeyType: 'HASH' },
              { AttributeName: surveyTable.sortKey, KeyType: 'RANGE' },
            ],
            BillingMode: 'PAY_PER_REQUEST',
          },
    ),
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

/**
 * The floor of an answer: the conditional UpdateItem the respond adapter makes, with the same
 * expressions, answer and evidence, as a bare call (the handler's work is measured against it).
 */
export function bareAnswer(tableName: string, tokenHash: string, now = new Date()): UpdateCommand {
  const seconds = Math.floor(now.getTime() / 1000);
  return new UpdateCommand({
    TableName: tableName,
    Key: keys.invitation(tokenHash),
    UpdateExpression:
      'SET score = :score, #comment = :comment, secondAnswer = :secondAnswer, respondedAt = :respondedAt, userAgent = :userAgent, evidence = :evidence, revision = :one, answerWindowEnds = :windowEnds, expiresAt = :retainUntil',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(respondedAt) AND expiresAt > :now AND :score BETWEEN scaleMin AND scaleMax',
    ExpressionAttributeNames: { '#comment': 'comment' },
    ExpressionAttributeValues: {
      ':score': 7,
      ':comment': '',
      ':secondAnswer': '',
      ':respondedAt': now.toISOString(),
      ':userAgent': 'Mozilla/5.0 bench',
      ':evidence': { clickedAt: new Date(now.getTime() - 4000).toISOString(), dwellMs: 4000, interaction: true, confirmed: false, automatedAgent: false },
      ':one': 1,
      ':windowEnds': seconds + 86_400,
      ':retainUntil': seconds + 365 * 86_400,
      ':now': seconds,
    },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
}

/** Dispatch's scheduler and dead-letter sink for a benchmark of immediate, valid events: either call is a fault of the benchmark. */
export const refusingDispatchPorts = {
  scheduler: {
    schedule: async (): Promise<never> => {
      throw new Error('no delayed program in this benchmark');
    },
  },
  deadLetters: {
    reject: async (_event: string, reason: string): Promise<never> => {
      throw new Error(`rejected: ${reason}`);
    },
  },
};

/** Every item of the table as a run leaves it (the write ledger sizes transactions' items from them). */
export async function scanTable(documents: DynamoDBDocumentClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** A sandbox of a benchmark's own: every port chosen free, a state folder of its own (removed on stop), silent. */
export async function benchSandbox(name: string, options: Omit<SandboxOptions, 'ports' | 'stateDir'>): Promise<RunningSandbox> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `closeloop-bench-${name}-`));
  const sandbox = await startSandbox({
    logLevel: 'SILENT',
    log: () => undefined,
    ...options,
    ports: Object.fromEntries(Object.keys(DEFAULT_PORTS).map((key) => [key, 0])),
    stateDir,
  }).catch((error: unknown) => {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...sandbox,
    async stop() {
      await sandbox.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
