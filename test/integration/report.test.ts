import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { answer, dynamodb, putEvent, sandbox, sleep, waitForEmails } from './sandbox-clients.js';

const run = promisify(execFile);

/** Surveys a fresh segment through the real pipeline and answers with `scores`. */
export async function seedSegment(segment: string, scores: number[]) {
  await Promise.all(scores.map(async (score, i) => {
    const customer = { id: `${segment}-${i}`, email: `${segment}-${i}@example.com`, locale: 'en', segment, tier: 'silver' };
    await putEvent('shop.orders', 'OrderDelivered', { eventId: `${segment}-${i}`, occurredAt: new Date().toISOString(), customer, context: { orderId: String(i) } });
    const [email] = await waitForEmails(customer.email);
    const link = /^0: (\S+)$/m.exec(email!.body.text ?? '')![1]!;
    await answer(link, { score: String(score), comment: score <= 6 ? 'The parcel was late.' : '' });
  }));
  const store = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);
  const today = new Date().toISOString().slice(0, 10);
  for (const until = Date.now() + 20_000; Date.now() < until; await sleep(300)) {
    if ((await store.totals('order-delivered-nps', segment, today, today)).responses === scores.length) return;
  }
  throw new Error(`the measure stage did not count ${scores.length} responses of ${segment}: ${JSON.stringify(await store.totals("order-delivered-nps", segment, today, today))}`);
}

describe('closeloop report against the sandbox (the real CLI, a child process)', () => {
  it('prints JSON for a segment seeded through the whole pipeline', async () => {
    const segment = `report-${randomUUID().slice(0, 8)}`;
    await seedSegment(segment, [10, 9, 8, 5, 3, 0]);

    const { stdout } = await run('node', ['bin/closeloop.mjs', 'report', '--program', 'order-delivered-nps', '--segment', segment, '--granularity', 'day', '--json'], {
      env: {
        ...process.env, CLOSELOOP_TABLE: sandbox.tables.surveys, AWS_ENDPOINT_URL_DYNAMODB: sandbox.endpoints.dynamodb, AWS_REGION: sandbox.region,
        AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
      },
    });
    const [report] = JSON.parse(stdout);

    // 2 promoters, 1 passive, 3 detractors of 6 → NPS −16.7
    expect(report).toMatchObject({
      programId: 'order-delivered-nps', segment, sent: 6, responses: 6, responseRate: 100,
      score: { value: -16.7 }, split: { promoters: 33.3, passives: 16.7, detractors: 50 },
      topics: [{ name: 'delivery', count: 3, share: 100, cumulativeShare: 100 }],
    });
    expect(report.series).toHaveLength(1);
  });

  it('says clearly when there is nothing to read', async () => {
    const failed = await run('node', [`${process.cwd()}/bin/closeloop.mjs`, 'report'], { cwd: '/tmp', env: { ...process.env, CLOSELOOP_TABLE: '' } }).catch((e: { stderr: string; code: number }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain('No data source');
  });
});
