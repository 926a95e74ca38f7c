import { beforeEach, describe, expect, it } from 'vitest';
import type { Invitation } from '../../functions/domain/invitation.js';
import { hashToken } from '../../functions/domain/tokens.js';
import { parseScore, recordRating, showRatingPage, showUnsubscribe, unsubscribe, type RespondDeps } from '../../functions/respond/respond.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

const TOKEN = 'Zm9vYmFyYmF6cXV4MTIzNA';
const NOW = new Date('2026-11-22T12:00:00Z');

function invitation(overrides: Partial<Invitation> = {}): Invitation {
  return {
    tokenHash: hashToken(TOKEN), programId: 'order-delivered-nps', kind: 'nps', eventId: 'e1', contactKey: 'contact-1', locale: 'th',
    customer: { id: 'c-1', email: 'a@example.com' }, context: {}, createdAt: '2026-11-22T10:00:00Z',
    expiresAt: NOW.getTime() / 1000 + 3600, ...overrides,
  };
}

describe('rating page use cases', () => {
  let invitations: InMemoryInvitations;
  let deps: RespondDeps;

  beforeEach(async () => {
    invitations = new InMemoryInvitations();
    invitations.invitations.set(hashToken(TOKEN), invitation());
    deps = { invitations, contacts: invitations, now: () => NOW };
  });

  it('shows the form with the clicked score preselected, and writes nothing', async () => {
    const view = await showRatingPage({ token: TOKEN, score: '3' }, deps);
    expect(view).toEqual({ view: 'rating', status: 200, locale: 'th', kind: 'nps', token: TOKEN, selected: 3 });
    expect(invitations.writes).toBe(0);
  });

  it.each(['not-a-token', TOKEN.replace('Z', 'Y'), ''])('shows the same 404 for the unknown or malformed token %j', async (token) => {
    expect(await showRatingPage({ token }, deps)).toEqual({ view: 'invalid', status: 404 });
    expect(await recordRating({ token, score: '3' }, deps)).toEqual({ view: 'invalid', status: 404 });
    expect(invitations.writes).toBe(0);
  });

  it('treats an expired link as unknown', async () => {
    invitations.invitations.set(hashToken(TOKEN), invitation({ expiresAt: NOW.getTime() / 1000 - 1 }));
    expect(await showRatingPage({ token: TOKEN }, deps)).toEqual({ view: 'invalid', status: 404 });
    expect(await recordRating({ token: TOKEN, score: '3' }, deps)).toEqual({ view: 'invalid', status: 404 });
  });

  it('records a score with its comment and evidence, then thanks', async () => {
    const view = await recordRating({ token: TOKEN, score: '3', comment: '  late  \u0007', userAgent: 'Mozilla/5.0' }, deps);
    expect(view).toEqual({ view: 'thanks', status: 200, locale: 'th' });
    expect(invitations.invitations.get(hashToken(TOKEN))?.response).toEqual({
      score: 3, comment: 'late', respondedAt: NOW.toISOString(), userAgent: 'Mozilla/5.0',
    });
  });

  it('keeps the first answer when the form is submitted twice', async () => {
    await recordRating({ token: TOKEN, score: '3' }, deps);
    const second = await recordRating({ token: TOKEN, score: '9' }, deps);
    expect(second.view).toBe('thanks');
    expect(invitations.invitations.get(hashToken(TOKEN))?.response?.score).toBe(3);
    expect(invitations.writes).toBe(1);
  });

  it.each([undefined, '', 'abc', '3.5', '-1'])('asks again for a missing or malformed score %j without writing', async (score) => {
    const view = await recordRating({ token: TOKEN, score }, deps);
    expect(view).toMatchObject({ view: 'rating', status: 400, error: 'invalid-score' });
    expect(invitations.writes).toBe(0);
  });

  it('asks again for a score outside the scale without writing', async () => {
    expect(await recordRating({ token: TOKEN, score: '11' }, deps)).toMatchObject({ view: 'rating', status: 400 });
    expect(invitations.writes).toBe(0);
  });

  it('shows thanks instead of the form once answered', async () => {
    await recordRating({ token: TOKEN, score: '3' }, deps);
    expect(await showRatingPage({ token: TOKEN, score: '5' }, deps)).toEqual({ view: 'thanks', status: 200, locale: 'th' });
  });

  it.each([['7', 7], [' 10 ', 10], ['07', 7], ['1e1', undefined], ['0x5', undefined], ['100', undefined]])('parses the score %j as %s', (raw, expected) => {
    expect(parseScore(raw)).toBe(expected);
  });

  it('unsubscribes only on POST, at once and for good', async () => {
    expect(await showUnsubscribe(TOKEN, deps)).toEqual({ view: 'unsubscribe', status: 200, locale: 'th', token: TOKEN });
    expect(invitations.suppressed.size).toBe(0);

    expect(await unsubscribe(TOKEN, deps)).toEqual({ view: 'unsubscribed', status: 200, locale: 'th' });
    expect(await unsubscribe(TOKEN, deps)).toEqual({ view: 'unsubscribed', status: 200, locale: 'th' });
    expect(invitations.suppressed).toEqual(new Map([['contact-1', 'unsubscribed']]));
  });

  it('shows the same 404 for an unsubscribe link that does not exist', async () => {
    expect(await showUnsubscribe('nope', deps)).toEqual({ view: 'invalid', status: 404 });
    expect(await unsubscribe(TOKEN.replace('Z', 'Q'), deps)).toEqual({ view: 'invalid', status: 404 });
    expect(invitations.suppressed.size).toBe(0);
  });
});
