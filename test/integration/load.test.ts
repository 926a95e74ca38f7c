/**
 * Concurrent answers against the sandbox's HTTP API: exact counts, no 5xx. Invitations are written
 * straight to the table as dispatch stores them (no email round trip), in a segment of their own.
 */

import { randomUUID } from 'node:crypto';
import { BatchGetCommand, BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys, toItem } from '../../functions/adapters/dynamo-invitation-repository.js';
import { caseIdFor } from '../../functions/domain/follow-up-case.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import { hashToken, newToken } from '../../functions/domain/tokens.js';
import { answer, collectMessages, dynamodb, mentioning, pageStamp, sandbox, sleep } from './sandbox-clients.js';

const run = randomUUID().slice(0, 8);
const table = sandbox.tables.surveys;

async function seed(count: number, name: string): Promise<{ token: string; invitation: Invitation }[]> {
  const now = new Date();
  const seeded = Array.from({ length: count }, (_, i) => {
    const token = newToken();
    const invitation: Invitation = {
      tokenHash: hashToken(token),
      programId: 'order-delivered-nps',
      kind: 'nps',
      eventId: `load-${run}-${name}-${i}`,
      contactKey: `k-load-${run}-${name}-${i}`,
      locale: 'en',
      customer: { id: `load-${run}-${name}-${i}`, email: `load-${run}-${name}-${i}@example.com`, segment: `load-${run}`, tier: 'silver' },
      context: { orderId: String(i) },
      createdAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
    };
    return { token, invitation };
  });
  for (let i = 0; i < seeded.length; i += 25) {
    const items = seeded.slice(i, i + 25).map(({ invitation }) => ({ PutRequest: { Item: toItem(invitation) } }));
    const { UnprocessedItems } = await dynamodb.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
    expect(UnprocessedItems?.[table] ?? []).toEqual([]);
  }
  return seeded;
}

const link = (token: string) => `${sandbox.publicBaseUrl}/r/${token}`;

/** Runs the POSTs all at once; returns each one's status and latency. */
async function burst(posts: (() => Promise<Response>)[]) {
  const started = performance.now();
  const results = await Promise.all(
    posts.map(async (post) => {
      const at = performance.now();
      const response = await post();
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - at };
    }),
  );
  const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!);
  return {
    statuses: results.map((r) => r.status),
    summary: `${posts.length} concurrent POSTs in ${((performance.now() - started) / 1000).toFixed(1)} s (p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms)`,
  };
}

describe('concurrent answers (shared sandbox)', () => {
  it('stores 500 concurrent answers to 500 invitations exactly once each, without a 5xx', async () => {
    const seeded = await seed(500, 'many');

    // Passives (7, 8): no follow-up rule matches, so the shared follow-up queues stay quiet.
    // Each page opened first (its signed render stamp), as people do; then the POSTs, at once.
    const stamps = await Promise.all(seeded.map(({ token }) => pageStamp(link(token))));
    await sleep(600);
    const { statuses, summary } = await burst(
      seeded.map(
        ({ token }, i) =>
          () =>
            answer(link(token), { score: String(7 + (i % 2)) }, undefined, stamps[i]),
      ),
    );
    console.log(`load: ${summary}; ${statuses.filter((s) => s >= 500).length} × 5xx`);

    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const stored = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < seeded.length; i += 100) {
      const Keys = seeded.slice(i, i + 100).map(({ invitation }) => keys.invitation(invitation.tokenHash));
      const { Responses } = await dynamodb.send(new BatchGetCommand({ RequestItems: { [table]: { Keys, ConsistentRead: true } } }));
      for (const item of Responses?.[table] ?? []) stored.set(item.tokenHash as string, item);
    }
    expect(stored.size).toBe(500);
    seeded.forEach(({ invitation }, i) => {
      const item = stored.get(invitation.tokenHash);
      expect(item).toMatchObject({ score: 7 + (i % 2), revision: 1 });
      expect(item).not.toHaveProperty('history');
    });
  });

  it('stores one answer (revision 1) and opens one case under 100 concurrent POSTs for the same invitation', async () => {
    const [{ token, invitation }] = (await seed(1, 'same')) as [{ token: string; invitation: Invitation }];

    const stamp = await pageStamp(link(token));
    await sleep(600);
    const { statuses, summary } = await burst(
      Array.from({ length: 100 }, () => () => answer(link(token), { score: '3', comment: 'Late again.' }, undefined, stamp)),
    );
    console.log(`load (one invitation): ${summary}; ${statuses.filter((s) => s >= 500).length} × 5xx`);

    expect(statuses).toEqual(Array(100).fill(200));
    const { Item } = await dynamodb.send(new GetCommand({ TableName: table, Key: keys.invitation(invitation.tokenHash), ConsistentRead: true }));
    expect(Item).toMatchObject({ score: 3, comment: 'Late again.', revision: 1 });
    expect(Item).not.toHaveProperty('history');
    const messages = await collectMessages(sandbox.followUpQueues['customer-success']!, mentioning(invitation.customer.id!), {
      settleMs: 3000,
    });
    expect(messages.map((m) => JSON.parse(m.Body!).caseId)).toEqual([caseIdFor(invitation.tokenHash, 'detractor')]);
    const { Item: row } = await dynamodb.send(
      new GetCommand({ TableName: table, Key: { pk: `CASE#${caseIdFor(invitation.tokenHash, 'detractor')}`, sk: 'CASE' }, ConsistentRead: true }),
    );
    // The shared sandbox compresses SLAs: the case may have escalated meanwhile, but it was opened once.
    expect(row).toMatchObject({ type: 'case', message: { caseId: caseIdFor(invitation.tokenHash, 'detractor') } });
    expect((row!.history as { action: string }[]).filter((h) => h.action === 'opened')).toHaveLength(1);
  });
});
