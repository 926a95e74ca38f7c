import { describe, expect, it } from 'vitest';
import { catalog } from '../../functions/config/catalog.js';
import type { FollowUpCase } from '../../functions/domain/follow-up-case.js';
import type { Invitation, SurveyResponse } from '../../functions/domain/invitation.js';
import { responseChange, routeResponse, UnknownProgramError, type FollowUpDeps } from '../../functions/follow-up/follow-up.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

const answered = (score: number, overrides: Partial<Invitation> = {}): Invitation & { response: SurveyResponse } => ({
  tokenHash: 'hash-1', programId: 'order-delivered-nps', kind: 'nps', eventId: 'ord-1042-delivered', contactKey: 'contact-77', locale: 'hr',
  customer: { id: 'c-77', email: 'ana@example.com', name: 'Ana', tier: 'gold' }, context: { orderId: '1042' },
  createdAt: '2026-11-22T10:00:00Z', expiresAt: 2_000_000_000,
  response: { score, comment: 'late', respondedAt: '2026-11-22T12:00:00.000Z' }, ...overrides,
});

function publisher() {
  const published: FollowUpCase[] = [];
  return { published, publish: async (c: FollowUpCase) => { published.push(c); } };
}
const depsWith = (fake: FollowUpDeps['publisher'], contacts = new InMemoryInvitations()): FollowUpDeps => ({ catalog, publisher: fake, contacts });

describe('routeResponse', () => {
  it('opens a detractor case carrying the customer, the score and the order', async () => {
    const fake = publisher();
    await routeResponse(answered(3), depsWith(fake));
    expect(fake.published).toEqual([{
      version: 1, caseId: expect.stringMatching(/^[\w-]{22}$/), programId: 'order-delivered-nps', kind: 'nps',
      score: 3, classification: 'detractor', comment: 'late', secondAnswer: null, rule: 'detractor', queue: 'customer-success',
      ownerTeam: 'customer-success', customer: expect.objectContaining({ id: 'c-77' }), eventId: 'ord-1042-delivered',
      context: { orderId: '1042' }, respondedAt: '2026-11-22T12:00:00.000Z', dueAt: '2026-11-23T12:00:00.000Z',
    }]);
  });

  it('gives a re-delivered response the same case id', async () => {
    const fake = publisher();
    await routeResponse(answered(3), depsWith(fake));
    await routeResponse(answered(3), depsWith(fake));
    expect(fake.published[0]?.caseId).toBe(fake.published[1]?.caseId);
  });

  it('publishes nothing for a promoter', async () => {
    const fake = publisher();
    expect(await routeResponse(answered(9), depsWith(fake))).toEqual([]);
    expect(fake.published).toEqual([]);
  });

  it('fails loudly for a program that is no longer declared', async () => {
    await expect(routeResponse(answered(3, { programId: 'gone' }), depsWith(publisher()))).rejects.toThrow(UnknownProgramError);
  });

  it('recognises the first arrival of a response and a changed one, and nothing else', () => {
    const { response, ...unanswered } = answered(3);
    const changed = { ...answered(9), response: { ...answered(9).response, revision: 2 } };
    expect(responseChange(unanswered, answered(3))?.kind).toBe('first');
    expect(responseChange(undefined, answered(3))?.kind).toBe('first');
    expect(responseChange(answered(3), answered(3))).toBeUndefined();
    expect(responseChange(undefined, unanswered)).toBeUndefined();
    expect(responseChange(answered(3), changed)).toMatchObject({ kind: 'changed', previous: response });
  });

  it('opens no second case when a changed answer matches the same rule', async () => {
    const fake = publisher();
    await routeResponse(answered(2), depsWith(fake), answered(5).response);
    expect(fake.published).toEqual([]);
    await routeResponse(answered(2), depsWith(fake), answered(9).response);
    expect(fake.published.map((c) => c.rule)).toEqual(['detractor']);
  });

  it('rests a respondent for the after-response period (90 days)', async () => {
    const contacts = new InMemoryInvitations();
    await routeResponse(answered(9), depsWith(publisher(), contacts));
    expect(contacts.rests.get('contact-77#all')?.until).toBe(Date.parse('2026-11-22T12:00:00.000Z') / 1000 + 90 * 86_400);
  });
});
