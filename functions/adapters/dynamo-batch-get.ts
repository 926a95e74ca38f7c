import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type Key = { pk: string; sk: string };
export type Item = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys. */
const BATCH = 100;
/** Unprocessed keys (throttling) are asked for again, with backoff, this many times in all. */
const MAX_BATCH_ATTEMPTS = 8;

const keyId = (key: Key) => `${key.pk}\u0000${key.sk}`;

export interface BatchGetOptions {
  /** Strongly consistent reads (1 RRU per 4 KB instead of 0.5). */
  readonly consistent?: boolean;
  readonly projection?: string;
  readonly names?: Record<string, string>;
}

/** Items by key, 100 at a time, unprocessed keys asked for again; missing items are simply absent. */
export async function batchGet(client: DynamoDBDocumentClient, tableName: string, all: readonly Key[], options: BatchGetOptions = {}): Promise<Item[]> {
  const { consistent, projection, names } = options;
  const unique = [...new Map(all.map((key) => [keyId(key), key])).values()];
  const found: Item[] = [];
  for (let start = 0; start < unique.length; start += BATCH) {
    let pending: Key[] = unique.slice(start, start + BATCH);
    for (let attempt = 1; pending.length; attempt++) {
      if (attempt > MAX_BATCH_ATTEMPTS) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const { Responses, UnprocessedKeys } = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ...(consistent ? { ConsistentRead: true } : {}),
              ...(projection ? { ProjectionExpression: projection.includes('pk') ? projection : `pk, ${projection}` } : {}),
              ...(names ? { ExpressionAttributeNames: names } : {}),
            },
          },
        }),
      );
      found.push(...((Responses?.[tableName] ?? []) as Item[]));
      pending = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    }
  }
  return found;
}

/**
 * Consistent reads by key, coalesced: the keys asked for in one turn of the event loop (the records
 * of a batch that a Lambda handler processes in parallel) go out as one BatchGetItem. Each caller
 * gets its own item (or undefined), or the read's error.
 */
export class CoalescedReads {
  private pending = new Map<string, { key: Key; waiting: { resolve: (item: Item | undefined) => void; reject: (error: unknown) => void }[] }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(key: Key): Promise<Item | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) setImmediate(() => void this.flush());
      const id = keyId(key);
      const entry = this.pending.get(id) ?? { key, waiting: [] };
      entry.waiting.push({ resolve, reject });
      this.pending.set(id, entry);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    try {
      const items = await batchGet(
        this.client,
        this.tableName,
        [...batch.values()].map((entry) => entry.key),
        { consistent: true },
      );
      const byId = new Map(items.map((item) => [keyId(item as Key), item]));
      for (const [id, entry] of batch) for (const { resolve } of entry.waiting) resolve(byId.get(id));
    } catch (error) {
      for (const entry of batch.values()) for (const { reject } of entry.waiting) reject(error);
    }
  }
}
