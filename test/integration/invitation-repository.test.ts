import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DynamoInvitationRepository } from '../../functions/adapters/dynamo-invitation-repository.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import { hashToken, newToken } from '../../functions/domain/tokens.js';
import { sandbox } from './sandbox-clients.js';

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb }),
  { marshallOptions: { removeUndefinedValues: true } },
);
const repository = new DynamoInvitationRepository(sandbox.tables.surveys, client);
const NOW = new Date();

function invitation(eventId: string, overrides: Partial<Invitation> = {}): Invitation {
  return {
    tokenHash: hashToken(newToken()), programId: 'order-delivered-nps', kind: 'nps', eventId, locale: 'et',
    customer: { id: 'c-1', email: 'a@example.com' }, context: { orderId: '1' }, createdAt: NOW.toISOString(),
    expiresAt: Math.floor(NOW.getTime() / 1000) + 3600, ...overrides,
  };
}

describe('DynamoInvitationRepository against DynamoDB Local', () => {
  it('lets exactly one of ten concurrent claims of one event win', async () => {
    const eventId = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => repository.create(invitation(eventId))));
    expect(results.filter((r) => r === 'created')).toHaveLength(1);
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(9);
  });

  it('frees a claim on release so the event can be dispatched again, and only by its holder', async () => {
    const eventId = randomUUID();
    const first = invitation(eventId);
    await repository.create(first);

    await expect(repository.release(invitation(eventId))).rejects.toThrow();
    expect(await repository.findByTokenHash(first.tokenHash)).toBeDefined();
    await repository.release(first);

    expect(await repository.findByTokenHash(first.tokenHash)).toBeUndefined();
    expect(await repository.create(invitation(eventId))).toBe('created');
  });

  it('records only the first of concurrent responses, with one conditional write each', async () => {
    const stored = invitation(randomUUID());
    await repository.create(stored);
    const answer = (score: number) => repository.recordResponse(stored.tokenHash, { score, respondedAt: new Date().toISOString() }, new Date());

    const results = await Promise.all([answer(1), answer(2), answer(3), answer(4), answer(5)]);

    expect(results.filter((r) => r.status === 'recorded')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'already-answered')).toHaveLength(4);
    const winner = results.find((r) => r.status === 'recorded');
    expect((await repository.findByTokenHash(stored.tokenHash))?.response?.score).toBe(winner?.status === 'recorded' ? winner.invitation.response?.score : -1);
  });

  it('refuses a score outside the scale, an expired link and an unknown token without writing', async () => {
    const stored = invitation(randomUUID(), { kind: 'ces' });
    const expired = invitation(randomUUID(), { expiresAt: Math.floor(NOW.getTime() / 1000) - 1 });
    await repository.create(stored);
    await repository.create(expired);
    const at = (score: number) => ({ score, respondedAt: NOW.toISOString() });

    expect((await repository.recordResponse(stored.tokenHash, at(8), NOW)).status).toBe('invalid-score');
    expect((await repository.recordResponse(stored.tokenHash, at(0), NOW)).status).toBe('invalid-score');
    expect((await repository.recordResponse(expired.tokenHash, at(5), NOW)).status).toBe('unavailable');
    expect((await repository.recordResponse(hashToken(newToken()), at(5), NOW)).status).toBe('unavailable');
    expect((await repository.findByTokenHash(stored.tokenHash))?.response).toBeUndefined();
    expect((await repository.recordResponse(stored.tokenHash, at(7), NOW)).status).toBe('recorded');
  });

  it('round-trips Persian and Thai text and free-form context', async () => {
    const stored = invitation(randomUUID(), {
      locale: 'fa', customer: { id: 'c-2', email: 'sara@example.com', name: 'سارا' }, context: { orderId: '2002', items: [1, 2], gift: true },
    });
    await repository.create(stored);
    const recorded = await repository.recordResponse(stored.tokenHash, { score: 2, comment: 'การจัดส่งล่าช้า', respondedAt: NOW.toISOString() }, NOW);
    expect(recorded.status === 'recorded' && recorded.invitation).toMatchObject({
      customer: { name: 'سارا' }, context: { items: [1, 2], gift: true }, response: { comment: 'การจัดส่งล่าช้า' },
    });
  });
});
