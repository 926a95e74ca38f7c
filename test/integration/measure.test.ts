import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { toItem } from '../../functions/adapters/dynamo-invitation-repository.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import { busEvents, dynamodb, sandbox, sleep } from './sandbox-clients.js';

const today = new Date().toISOString();

/** Answered invitations of one segment, written straight to the table (the stream does the rest). */
async function writeResponses(segment: string, scores: number[], offset = 0) {
  const items = scores.map((score, index) => {
    const i = index + offset;
    const invitation: Invitation = {
      tokenHash: `m-${segment}-${i}`,
      programId: 'order-delivered-nps',
      kind: 'nps',
      eventId: `m-${segment}-${i}`,
      contactKey: `k-${segment}-${i}`,
      locale: 'en',
      customer: { id: `m-${segment}-${i}`, email: `m${i}@example.com`, segment, tier: 'silver' },
      context: { orderId: String(i) },
      createdAt: today,
      expiresAt: Math.floor(Date.now() / 1000) + 86_400,
    };
    return { ...toItem(invitation), score, comment: score <= 6 ? 'late delivery' : '', respondedAt: today, revision: 1 };
  });
  for (let i = 0; i < items.length; i += 25) {
    await dynamodb.send(
      new BatchWriteCommand({ RequestItems: { [sandbox.tables.surveys]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }),
    );
  }
  return items.map((item) => item.pk);
}

describe('rolling-score alerts in the sandbox', () => {
  it("raises exactly one ThresholdBreached when 200 responses drive a segment's NPS below the level", async () => {
    const segment = `alert-${randomUUID().slice(0, 8)}`;
    const scores = Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 10 : i % 5 === 1 ? 8 : 2));

    await writeResponses(segment, scores.slice(0, 100));
    await sleep(1500);
    await writeResponses(segment, scores.slice(100), 100);
    const deadline = Date.now() + 90_000;
    let breaches: Awaited<ReturnType<typeof busEvents>> = [];
    while (Date.now() < deadline) {
      breaches = (await busEvents('ThresholdBreached')).filter((e) => e.detail.segment === segment);
      if (breaches.length) break;
      await sleep(300);
    }
    const store = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);
    const day = today.slice(0, 10);
    let totals: Record<string, number> = {};
    for (const until = Date.now() + 90_000; Date.now() < until && totals.responses !== 200; await sleep(300)) {
      totals = await store.totals('order-delivered-nps', segment, day, day);
    }
    await sleep(1000); // the last batch's alert check

    breaches = (await busEvents('ThresholdBreached')).filter((e) => e.detail.segment === segment);
    expect(breaches).toHaveLength(1);
    expect(breaches[0]!.detail).toMatchObject({ programId: 'order-delivered-nps', threshold: 0 });
    expect(breaches[0]!.detail.upper as number).toBeLessThan(0);
    expect(totals).toMatchObject({ sent: 200, responses: 200, class_promoter: 40, class_passive: 40, class_detractor: 120, topic_delivery: 120 });
  });
});
