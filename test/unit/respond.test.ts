import { beforeEach, describe, expect, it } from 'vitest';
import { type Invitation, MAX_REVISIONS } from '../../functions/domain/invitation.js';
import { pageStamps } from '../../functions/domain/page-stamp.js';
import { hashToken, legacyTokenHash, unsubscribeTokenFor } from '../../functions/domain/tokens.js';
import { parseScore, type RatingForm, type RespondDeps, recordRating, showRatingPage, showUnsubscribe, unsubscribe } from '../../functions/respond/respond.js';
import { testCatalog } from '../fixtures/catalog.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

const TOKEN = 'Zm9vYmFyYmF6cXV4MTIzNA';
const NOW = new Date('2026-11-22T12:00:00Z');
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const stamps = pageStamps('test-page-signing-key-of-32-chars!!');
const UNSUBSCRIBE = unsubscribeTokenFor(TOKEN);

function invitation(overrides: Partial<Invitation> = {}): Invitation {
  return {
    tokenHash: hashToken(TOKEN),
    programId: 'order-delivered-nps',
    kind: 'nps',
    eventId: 'e1',
    contactKey: 'contact-1',
    locale: 'th',
    customer: { id: 'c-1', email: 'a@example.com' },
    context: { orderId: '1042' },
    createdAt: '2026-11-22T10:00:00Z',
    expiresAt: NOW.getTime() / 1000 + 86_400 * 5,
    ...overrides,
  };
}

/** A person: the page's script ran, a real tap on the page four seconds after it opened, a navigation the browser says they started. */
const person = (score: string, extra: Partial<RatingForm> = {}): RatingForm => ({
  token: TOKEN,
  score,
  stamp: stamps.sign('rating', TOKEN, NOW.getTime() - 4000),
  interaction: '1',
  script: '1',
  userAgent: BROWSER,
  fetchMode: 'navigate',
  fetchUser: '?1',
  ...extra,
});

describe('rating page use cases', () => {
  let invitations: InMemoryInvitations;
  let deps: RespondDeps;
  let now: Date;

  beforeEach(async () => {
    invitations = new InMemoryInvitations();
    invitations.invitations.set(hashToken(TOKEN), invitation());
    now = NOW;
    deps = { catalog: testCatalog, invitations, contacts: invitations, now: () => now, stamps };
  });

  it('shows the form with the clicked score preselected and its signed render time, and writes nothing', async () => {
    const view = await showRatingPage({ token: TOKEN, score: '3' }, deps);
    expect(view).toEqual({
      view: 'rating',
      status: 200,
      locale: 'th',
      kind: 'nps',
      token: TOKEN,
      selected: 3,
      stamp: stamps.sign('rating', TOKEN, NOW.getTime()),
      question: 'คุณมีแนวโน้มที่จะแนะนำ Closeloop Demo Shop ให้เพื่อนหรือเพื่อนร่วมงานมากน้อยเพียงใด',
    });
    expect(invitations.writes).toBe(0);
  });

  it("asks the program's second question", async () => {
    invitations.invitations.set(hashToken(TOKEN), invitation({ programId: 'ticket-resolved-ces', kind: 'ces', locale: 'hr' }));
    const view = await showRatingPage({ token: TOKEN }, deps);
    expect(view).toMatchObject({ secondQuestion: 'Jesmo li mogli išta učiniti da bude lakše?' });
  });

  it.each(['not-a-token', TOKEN.replace('Z', 'Y'), '', TOKEN.slice(0, 21), 'x'.repeat(5000)])(
    'shows the same 404 for the unknown or malformed token %j',
    async (token) => {
      expect(await showRatingPage({ token }, deps)).toEqual({ view: 'invalid', status: 404 });
      expect(await recordRating({ ...person('3'), token }, deps)).toEqual({ view: 'invalid', status: 404 });
      expect(invitations.writes).toBe(0);
    },
  );

  it('treats an expired link as unknown', async () => {
    invitations.invitations.set(hashToken(TOKEN), invitation({ expiresAt: NOW.getTime() / 1000 - 1 }));
    expect(await showRatingPage({ token: TOKEN }, deps)).toEqual({ view: 'invalid', status: 404 });
    expect(await recordRating(person('3'), deps)).toEqual({ view: 'invalid', status: 404 });
  });

  it("records a person's score with comment, second answer and evidence, then thanks", async () => {
    const view = await recordRating(person('3', { comment: '  late  \u0007', secondAnswer: 'call me' }), deps);
    expect(view).toEqual({ view: 'thanks', status: 200, locale: 'th' });
    expect(invitations.invitations.get(hashToken(TOKEN))?.response).toEqual({
      score: 3,
      comment: 'late',
      secondAnswer: 'call me',
      respondedAt: NOW.toISOString(),
      userAgent: BROWSER,
      revision: 1,
      evidence: {
        clickedAt: new Date(NOW.getTime() - 4000).toISOString(),
        dwellMs: 4000,
        interaction: true,
        confirmed: false,
        automatedAgent: false,
        script: 'ran',
        userActivated: true,
      },
    });
  });

  it.each([
    ['no render time (a form posted from elsewhere)', { stamp: undefined }],
    ['a render time the client chose', { stamp: String(NOW.getTime() - 600_000) }],
    ['a stamp signed for another link', { stamp: stamps.sign('rating', TOKEN.replace('Z', 'Y'), NOW.getTime() - 4000) }],
    ['an immediate submit', { stamp: stamps.sign('rating', TOKEN, NOW.getTime() - 100) }],
    ['a headless browser, even with a real input event', { userAgent: 'Mozilla/5.0 HeadlessChrome/126.0' }],
    ['a browser driven by automation (navigator.webdriver)', { script: 'a' }],
    ['script that ran and submitted without any input', { interaction: '0' }],
    ['a form.submit() the browser says no person started', { fetchUser: undefined }],
    ['no user agent', { userAgent: undefined }],
    ['a render time in the future', { stamp: stamps.sign('rating', TOKEN, NOW.getTime() + 60_000) }],
    ['no script, however long the person took', { script: undefined, interaction: undefined, stamp: stamps.sign('rating', TOKEN, NOW.getTime() - 60_000) }],
  ])('asks to confirm instead of recording for %s', async (_, overrides) => {
    const view = await recordRating(person('3', overrides as Partial<RatingForm>), deps);
    expect(view).toMatchObject({ view: 'confirm', status: 200, answer: { score: 3 }, stamp: stamps.sign('rating-confirm', TOKEN, NOW.getTime()) });
    expect(invitations.writes).toBe(0);
  });

  it('records a confirmed answer from a person without script after a second on the confirmation', async () => {
    const view = await recordRating(
      person('2', { interaction: undefined, script: undefined, stamp: stamps.sign('rating-confirm', TOKEN, NOW.getTime() - 1500) }),
      deps,
    );
    expect(view.view).toBe('thanks');
    expect(invitations.invitations.get(hashToken(TOKEN))?.response?.evidence).toMatchObject({
      confirmed: true,
      interaction: false,
      script: 'none',
      dwellMs: 1500,
    });
  });

  it("never records a confirmation whose page ran script that nobody touched, nor an automated agent's", async () => {
    const confirmation = stamps.sign('rating-confirm', TOKEN, NOW.getTime() - 60_000);
    expect(await recordRating(person('2', { interaction: '0', stamp: confirmation }), deps)).toMatchObject({ view: 'confirm' });
    expect(await recordRating(person('2', { script: undefined, interaction: undefined, userAgent: 'curl/8.5.0', stamp: confirmation }), deps)).toMatchObject({
      view: 'confirm',
    });
    expect(invitations.writes).toBe(0);
  });

  it('answers an invitation sent before unsubscribe tokens, stored under its legacy key', async () => {
    invitations.invitations.clear();
    invitations.invitations.set(legacyTokenHash(TOKEN), invitation({ tokenHash: legacyTokenHash(TOKEN) }));
    expect(await showRatingPage({ token: TOKEN }, deps)).toMatchObject({ view: 'rating' });
    expect(await recordRating(person('6'), deps)).toMatchObject({ view: 'thanks' });
    expect(invitations.invitations.get(legacyTokenHash(TOKEN))?.response?.score).toBe(6);
  });

  it('stores one answer for repeated identical submits', async () => {
    await recordRating(person('3', { comment: 'late' }), deps);
    const second = await recordRating(person('3', { comment: 'late' }), deps);
    expect(second.view).toBe('thanks');
    expect(invitations.writes).toBe(1);
  });

  it('lets the respondent change the answer within the window, keeping the first in the history', async () => {
    await recordRating(person('3', { comment: 'late' }), deps);
    now = new Date(NOW.getTime() + 3_600_000);
    expect(await showRatingPage({ token: TOKEN }, deps)).toMatchObject({ view: 'rating', selected: 3 });
    await recordRating({ ...person('8'), stamp: stamps.sign('rating', TOKEN, now.getTime() - 4000) }, deps);

    expect(invitations.invitations.get(hashToken(TOKEN))?.response).toMatchObject({
      score: 8,
      revision: 2,
      history: [{ score: 3, comment: 'late', respondedAt: NOW.toISOString() }],
    });
  });

  it('takes at most 5 revisions within the window; beyond them the page thanks and nothing is written', async () => {
    const views = [];
    for (let score = 0; score <= 7; score++) views.push((await recordRating(person(String(score)), deps)).view);

    expect(views).toEqual(Array(8).fill('thanks'));
    expect(invitations.writes).toBe(MAX_REVISIONS);
    expect(invitations.invitations.get(hashToken(TOKEN))?.response).toMatchObject({ score: 4, revision: 5 });
  });

  it('keeps no address, name or customer id on an eNPS invitation once answered (the segment stays, for reports)', async () => {
    invitations.invitations.set(
      hashToken(TOKEN),
      invitation({ kind: 'enps', programId: 'sampled-enps', customer: { id: 'e-1', email: 'emp@example.com', name: 'Eve', segment: 'team-a' } }),
    );

    expect((await recordRating(person('2'), deps)).view).toBe('thanks');

    expect(invitations.invitations.get(hashToken(TOKEN))?.customer).toEqual({ segment: 'team-a' });
  });

  it('keeps the answer once the window has closed', async () => {
    await recordRating(person('3'), deps);
    now = new Date(NOW.getTime() + 25 * 3_600_000);
    expect(await showRatingPage({ token: TOKEN }, deps)).toEqual({ view: 'thanks', status: 200, locale: 'th' });
    await recordRating({ ...person('10'), stamp: stamps.sign('rating', TOKEN, now.getTime() - 4000) }, deps);
    expect(invitations.invitations.get(hashToken(TOKEN))?.response?.score).toBe(3);
  });

  it.each([undefined, '', 'abc', '3.5', '-1'])('asks again for a missing or malformed score %j without writing', async (score) => {
    const view = await recordRating(person(score as string), deps);
    expect(view).toMatchObject({ view: 'rating', status: 400, error: 'invalid-score' });
    expect(invitations.writes).toBe(0);
  });

  it('asks again for a score outside the scale without writing', async () => {
    expect(await recordRating(person('11'), deps)).toMatchObject({ view: 'rating', status: 400 });
    expect(invitations.writes).toBe(0);
  });

  it.each([
    ['7', 7],
    [' 10 ', 10],
    ['07', 7],
    ['1e1', undefined],
    ['0x5', undefined],
    ['100', undefined],
  ])('parses the score %j as %s', (raw, expected) => {
    expect(parseScore(raw)).toBe(expected);
  });

  const pressed = (stamp: string) => ({
    token: UNSUBSCRIBE,
    oneClick: false as const,
    stamp,
    interaction: '1',
    script: '1',
    userAgent: BROWSER,
    fetchMode: 'navigate',
    fetchUser: '?1',
  });

  it('unsubscribes a person who presses the button, only on POST, at once and for good', async () => {
    expect(await showUnsubscribe(UNSUBSCRIBE, deps)).toEqual({
      view: 'unsubscribe',
      status: 200,
      locale: 'th',
      token: UNSUBSCRIBE,
      confirm: false,
      stamp: stamps.sign('unsubscribe', UNSUBSCRIBE, NOW.getTime()),
    });
    expect(invitations.suppressed.size).toBe(0);

    const stamp = stamps.sign('unsubscribe', UNSUBSCRIBE, NOW.getTime() - 2000);
    expect(await unsubscribe(pressed(stamp), deps)).toEqual({ view: 'unsubscribed', status: 200, locale: 'th' });
    expect(await unsubscribe(pressed(stamp), deps)).toEqual({ view: 'unsubscribed', status: 200, locale: 'th' });
    expect(invitations.suppressed).toEqual(new Map([['contact-1', 'unsubscribed']]));
  });

  it("unsubscribes on a mail client's one-click request, which carries no page evidence", async () => {
    expect(await unsubscribe({ token: UNSUBSCRIBE, oneClick: true }, deps)).toEqual({ view: 'unsubscribed', status: 200, locale: 'th' });
    expect(invitations.suppressed).toEqual(new Map([['contact-1', 'unsubscribed']]));
  });

  it.each([
    ['a script-submitted form', { interaction: '0' }],
    ['a headless browser', { userAgent: 'Mozilla/5.0 HeadlessChrome/126.0' }],
    ['a forged render time', { stamp: String(NOW.getTime() - 60_000) }],
    ["the rating page's stamp", { stamp: stamps.sign('rating', UNSUBSCRIBE, NOW.getTime() - 2000) }],
    ['no script (a person without JavaScript confirms once)', { script: undefined, interaction: undefined }],
  ])('asks to confirm, and suppresses nobody, for %s', async (_, overrides) => {
    const view = await unsubscribe({ ...pressed(stamps.sign('unsubscribe', UNSUBSCRIBE, NOW.getTime() - 2000)), ...overrides }, deps);
    expect(view).toEqual({
      view: 'unsubscribe',
      status: 200,
      locale: 'th',
      token: UNSUBSCRIBE,
      confirm: true,
      stamp: stamps.sign('unsubscribe-confirm', UNSUBSCRIBE, NOW.getTime()),
    });
    expect(invitations.suppressed.size).toBe(0);
  });

  it('unsubscribes a person without script on the confirmation', async () => {
    const view = await unsubscribe(
      {
        ...pressed(stamps.sign('unsubscribe-confirm', UNSUBSCRIBE, NOW.getTime() - 1500)),
        script: undefined,
        interaction: undefined,
      },
      deps,
    );
    expect(view).toMatchObject({ view: 'unsubscribed' });
    expect(invitations.suppressed.size).toBe(1);
  });

  it('does not take the rating token for an unsubscribe token', async () => {
    expect(await showUnsubscribe(TOKEN, deps)).toEqual({ view: 'invalid', status: 404 });
    expect(await unsubscribe({ token: TOKEN, oneClick: true }, deps)).toEqual({ view: 'invalid', status: 404 });
    expect(invitations.suppressed.size).toBe(0);
  });

  it('keeps the unsubscribe links of invitations sent before unsubscribe tokens (they carried the rating token)', async () => {
    invitations.invitations.clear();
    invitations.invitations.set(legacyTokenHash(TOKEN), invitation({ tokenHash: legacyTokenHash(TOKEN) }));
    expect(await unsubscribe({ token: TOKEN, oneClick: true }, deps)).toMatchObject({ view: 'unsubscribed' });
    expect(invitations.suppressed.size).toBe(1);
  });

  it('shows the same 404 for an unsubscribe link that does not exist', async () => {
    expect(await showUnsubscribe('nope', deps)).toEqual({ view: 'invalid', status: 404 });
    expect(await unsubscribe({ token: UNSUBSCRIBE.replace(/^./, UNSUBSCRIBE[0] === 'Q' ? 'R' : 'Q'), oneClick: true }, deps)).toEqual({
      view: 'invalid',
      status: 404,
    });
    expect(invitations.suppressed.size).toBe(0);
  });
});
