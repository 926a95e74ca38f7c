import { describe, expect, it } from 'vitest';
import type { Invitation } from '../../functions/domain/invitation.js';
import { ratingLink, renderSurveyEmail as render, unsubscribeLink } from '../../functions/dispatch/survey-email.js';
import { unsubscribeTokenFor } from '../../functions/domain/tokens.js';
import { findProgram } from '../../functions/domain/program.js';
import { testCatalog } from '../fixtures/catalog.js';

const program = findProgram(testCatalog, 'order-delivered-nps')!;
const renderSurveyEmail = (invitation: Invitation, token: string, settings: { brand: string; publicBaseUrl: string }) =>
  render(invitation, program, token, settings);

const invitation = (overrides: Partial<Invitation> = {}): Invitation => ({
  tokenHash: 'h', programId: 'order-delivered-nps', kind: 'nps', eventId: 'e', contactKey: 'k', locale: 'en',
  customer: { id: 'c', email: 'ana@example.com', name: 'Ana <script>' }, context: {},
  createdAt: '2026-11-22T10:00:00Z', expiresAt: 0, ...overrides,
});
const settings = { brand: 'Shop & Co', publicBaseUrl: 'https://f.example.com' };
const token = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('renderSurveyEmail', () => {
  it('has one link per score, low to high, in HTML and text', () => {
    const email = renderSurveyEmail(invitation(), token, settings);
    const htmlLinks = [...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(htmlLinks).toEqual([...Array.from({ length: 11 }, (_, s) => ratingLink(settings.publicBaseUrl, token, s)), unsubscribeLink(settings.publicBaseUrl, token)]);
    for (let s = 0; s <= 10; s++) expect(email.text).toContain(`${s}: https://f.example.com/r/${token}?s=${s}`);
  });

  it('escapes names and brand in HTML', () => {
    const email = renderSurveyEmail(invitation(), token, settings);
    expect(email.html).toContain('Ana &lt;script&gt;');
    expect(email.html).toContain('Shop &amp; Co');
    expect(email.html).not.toContain('<script>');
  });

  it('writes Persian right to left and keeps the scale left to right', () => {
    const email = renderSurveyEmail(invitation({ locale: 'fa' }), token, settings);
    expect(email.html).toContain('<html lang="fa" dir="rtl">');
    expect(email.html).toMatch(/<table role="presentation" dir="ltr"[^>]*><tr><td[^>]*><a href="[^"]+s=0"/);
    expect(email.subject).toBe('یک پرسش کوتاه از Shop & Co');
  });

  it('has a 1–7 scale for CES and tags the program', () => {
    const email = renderSurveyEmail(invitation({ kind: 'ces', programId: 'ticket-resolved-ces' }), token, settings);
    expect([...email.html.matchAll(/href="[^"]+\?s=\d+"/g)]).toHaveLength(7);
    expect(email.tags).toEqual({ program: 'ticket-resolved-ces', kind: 'ces', survey: 'h' });
  });

  it('greets without a name when there is none', () => {
    const email = renderSurveyEmail(invitation({ customer: { id: 'c', email: 'x@example.com' } }), token, settings);
    expect(email.text.startsWith('Hello,')).toBe(true);
  });
});

describe('personalisation', () => {
  it('opens with the program\'s line about the order when the event carries it', () => {
    const email = renderSurveyEmail(invitation({ context: { orderId: '1042' }, locale: 'et' }), token, settings);
    expect(email.text).toContain('Teie tellimus 1042 on kohale toimetatud.');
    expect(email.html).toContain('Teie tellimus 1042 on kohale toimetatud.');
  });

  it('leaves the line out rather than show an empty placeholder', () => {
    const email = renderSurveyEmail(invitation({ context: {} }), token, settings);
    expect(email.text).not.toContain('{context.orderId}');
    expect(email.text).not.toContain('Your order');
  });

  it('offers one-click unsubscribe (RFC 8058) in headers and footer, with the unsubscribe token, never the rating token', () => {
    const email = renderSurveyEmail(invitation(), token, settings);
    const unsubscribeToken = unsubscribeTokenFor(token);
    expect(email.headers).toEqual({ 'List-Unsubscribe': `<https://f.example.com/u/${unsubscribeToken}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    expect(email.text).toContain(`No more survey emails? Unsubscribe: https://f.example.com/u/${unsubscribeToken}`);
    expect(email.headers['List-Unsubscribe']).not.toContain(token);
    expect(email.html.match(/\/u\/[^"]+/g)).toEqual([`/u/${unsubscribeToken}`]);
  });
});
