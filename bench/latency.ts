/**
 * Rating page latency: GET (the page) and POST (the answer) through the respond use cases and the
 * page renderer, against DynamoDB Local, at 50 and 200 concurrent respondents, as a ratio to the
 * floor: the bare consistent GetItem and the bare conditional UpdateItem the handler must make, on
 * items of the same shape, same run, rounds interleaved.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoInvitationRepository, keys, toItem } from '../functions/adapters/dynamo-invitation-repository.js';
import { pageStamps } from '../functions/domain/page-stamp.js';
import { contactKeyOf } from '../functions/domain/policies.js';
import { hashToken, newToken } from '../functions/domain/tokens.js';
import { type PageSettings, renderView } from '../functions/respond/page.js';
import { type RespondDeps, recordRating, showRatingPage } from '../functions/respond/respond.js';
import { demoCatalog as catalog } from '../test/fixtures/catalog.js';
import { bareAnswer, benchTable, ms } from './harness.js';

export interface LatencyFigures {
  readonly concurrency: number;
  readonly get: { p50: number; p99: number; floorP50: number; floorP99: number };
  readonly post: { p50: number; p99: number; floorP50: number; floorP99: number };
}

/** Requests per side in the unrecorded warm-up round of each level. */
const WARM_UP = 200;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};

async function latencies(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const start = process.hrtime.bigint();
        await task(i);
        samples.push(ms(start));
      }
    }),
  );
  return samples;
}

export async function benchLatency(levels = [50, 200], requests = 1000, rounds = 2): Promise<LatencyFigures[]> {
  const { dynamo, tableName, documents: raw } = await benchTable('closeloop-latency');
  try {
    const documents = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const repository = new DynamoInvitationRepository(tableName, documents);
    const stamps = pageStamps(randomBytes(32).toString('base64url'));
    const deps: RespondDeps = { catalog, invitations: repository, contacts: repository, now: () => new Date(), stamps };
    const page: PageSettings = {
      brand: catalog.brand,
      locales: catalog.locales,
      supportEmail: 'support@example.com',
      publicBaseUrl: 'https://feedback.example.com',
    };
    let made = 0;
    /** Fresh unanswered invitations, as dispatch stores them. */
    const invitations = async (n: number) => {
      const tokens = Array.from({ length: n }, () => newToken());
      await latencies(n, 16, async (i) => {
        const token = tokens[i]!;
        const email = `lat-${made++}@example.com`;
        const now = new Date();
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem({
              tokenHash: hashToken(token),
              programId: 'order-delivered-nps',
              kind: 'nps',
              eventId: `lat-${made}`,
              contactKey: contactKeyOf(email),
              locale: 'en',
              customer: { id: `c${made}`, email, locale: 'en', tier: 'silver' },
              context: { orderId: String(made) },
              createdAt: now.toISOString(),
              expiresAt: Math.floor(now.getTime() / 1000) + 30 * 86_400,
            }),
          }),
        );
      });
      return tokens;
    };
    const results: LatencyFigures[] = [];
    for (const concurrency of levels) {
      const s = { get: [] as number[], getFloor: [] as number[], post: [] as number[], postFloor: [] as number[] };
      // Warm-up, not recorded: both sides' code compiled by V8's JIT before the first sample, as in a
      // warm Lambda instance (cold starts are section 1's). Unwarmed, the handler's first round carried
      // its compilation in the tail while the floor's SDK path was warm from the set-up's writes.
      for (let round = -1; round < rounds; round++) {
        const record = round >= 0;
        const n = record ? requests : WARM_UP;
        const tokens = await invitations(n);
        const floorTokens = await invitations(n);
        const sink = { get: [] as number[], getFloor: [] as number[], post: [] as number[], postFloor: [] as number[] };
        const into = record ? s : sink;
        // Interleaved: handler, floor, floor, handler in turn, so a busy moment of the machine hits both.
        const order = Math.abs(round) % 2 ? ['floor', 'handler'] : ['handler', 'floor'];
        for (const side of order) {
          if (side === 'handler') {
            into.get.push(...(await latencies(n, concurrency, async (i) => renderView(await showRatingPage({ token: tokens[i]!, score: '7' }, deps), page))));
          } else {
            into.getFloor.push(
              ...(await latencies(n, concurrency, (i) =>
                documents.send(new GetCommand({ TableName: tableName, Key: keys.invitation(hashToken(floorTokens[i]!)), ConsistentRead: true })),
              )),
            );
          }
        }
        for (const side of order) {
          if (side === 'handler') {
            into.post.push(
              ...(await latencies(n, concurrency, async (i) => {
                const token = tokens[i]!;
                const form = {
                  token,
                  score: '7',
                  stamp: stamps.sign('rating', token, Date.now() - 4000),
                  interaction: '1',
                  script: '1',
                  userAgent: 'Mozilla/5.0 bench',
                };
                return renderView(await recordRating(form, deps), page);
              })),
            );
          } else {
            // The adapter's conditional UpdateItem, same expressions and evidence, on an invitation of the same size.
            into.postFloor.push(...(await latencies(n, concurrency, (i) => documents.send(bareAnswer(tableName, hashToken(floorTokens[i]!))))));
          }
        }
      }
      results.push({
        concurrency,
        get: { p50: quantile(s.get, 0.5), p99: quantile(s.get, 0.99), floorP50: quantile(s.getFloor, 0.5), floorP99: quantile(s.getFloor, 0.99) },
        post: { p50: quantile(s.post, 0.5), p99: quantile(s.post, 0.99), floorP50: quantile(s.postFloor, 0.5), floorP99: quantile(s.postFloor, 0.99) },
      });
    }
    return results;
  } finally {
    await dynamo.stop();
  }
}
