import { describe, expect, it } from 'vitest';
import { type EmailSettings, ratingLink, renderSurveyEmail as render, unsubscribeLink } from '../../functions/dispatch/survey-email.js';
import { parseSurveyEvent } from '../../functions/domain/event.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import { findProgram } from '../../functions/domain/program.js';
import { unsubscribeTokenFor } from '../../functions/domain/tokens.js';
import { templateValues } from '../../functions/domain/wording.js';
import { testCatalog } from '../fixtures/catalog.js';

const program = findProgram(testCatalog, 'order-delivered-nps')!;
const renderSurveyEmail = (invitation: Invitation, token: string, settings: EmailSettings) => render(invitation, program, token, settings);

const invitation = (overrides: Partial<Invitation> = {}): Invitation => ({
  tokenHash: 'h',
  programId: 'order-delivered-nps',
  kind: 'nps',
  eventId: 'e',
  contactKey: 'k',
  locale: 'en',
  customer: { id: 'c', email: 'ana@example.com', name: 'Ana <script>' },
  context: {},
  createdAt: '2026-11-22T10:00:00Z',
  expiresAt: 0,
  ...overrides,
});
const settings = { brand: { name: 'Shop & Co' }, locales: testCatalog.locales, publicBaseUrl: 'https://f.example.com' };
const token = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('renderSurveyEmail', () => {
  it('has one link per score, low to high, in HTML and text', () => {
    const email = renderSurveyEmail(invitation(), token, settings);
    const htmlLinks = [...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(htmlLinks).toEqual([
      ...Array.from({ length: 11 }, (_, s) => ratingLink(settings.publicBaseUrl, token, s)),
      unsubscribeLink(settings.publicBaseUrl, token),
    ]);
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
  it("opens with the program's line about the order when the event carries it", () => {
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
    expect(email.headers).toEqual({
      'List-Unsubscribe': `<https://f.example.com/u/${unsubscribeToken}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(email.text).toContain(`No more survey emails? Unsubscribe: https://f.example.com/u/${unsubscribeToken}`);
    expect(email.headers['List-Unsubscribe']).not.toContain(token);
    expect(email.html.match(/\/u\/[^"]+/g)).toEqual([`/u/${unsubscribeToken}`]);
  });
});

describe('hostile text from the event', () => {
  const phishing = 'Ana\r\n\r\nYour account is locked. Sign in at https://evil.example/login\r\n\r\n';
  const lines = (email: { text: string }) => email.text.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/);

  it('a name with CR/LF and a URL creates no new line in the text part, from the event or as stored, and is not shown at all (it looks like a link)', () => {
    const plain = renderSurveyEmail(invitation({ customer: { id: 'c', email: 'ana@example.com', name: 'Ana' } }), token, settings);
    const parsed = parseSurveyEvent({
      source: 'shop.orders',
      'detail-type': 'OrderDelivered',
      detail: {
        eventId: 'e1',
        occurredAt: '2026-11-22T10:00:00Z',
        customer: { id: 'c', email: 'ana@example.com', name: phishing },
      },
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    for (const customer of [parsed.value.customer, { id: 'c', email: 'ana@example.com', name: `${phishing}\u2028\u0085\u202E` }]) {
      const email = renderSurveyEmail(invitation({ customer }), token, settings);
      expect(lines(email)).toHaveLength(lines(plain).length);
      expect(lines(email).filter((line) => line.includes('evil.example'))).toEqual([]);
      expect(email.html).not.toContain('evil.example');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
      expect(email.text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u0000-\u0009\u000B-\u001F]/);
    }
  });

  it('cuts a long name or context value to 100 characters for display', () => {
    const email = renderSurveyEmail(
      invitation({ customer: { id: 'c', email: 'a@example.com', name: 'N'.repeat(5000) }, context: { orderId: '7'.repeat(5000) }, locale: 'et' }),
      token,
      settings,
    );
    expect(email.text).toContain(`Tere, ${'N'.repeat(99)}…!`);
    expect(email.text).toContain(`Teie tellimus ${'7'.repeat(99)}… on kohale toimetatud.`);
    expect(email.text.length).toBeLessThan(2000);
  });

  it('substitutes only the context keys a template uses', () => {
    const inv = invitation({ context: { orderId: '1042', secret: 'x', nested: { a: 1 } } });
    expect(templateValues(inv, 'Shop', ['Order {context.orderId} from {brand}'])).toEqual({ 'context.orderId': '1042', brand: 'Shop' });
    expect(templateValues(inv, 'Shop', ['{context.nested} {context.missing} {name}'])).toEqual({ name: 'Ana <script>' });
  });

  it('carries the brand: its logo (email only), accent colour and footer, in the HTML and the text part', () => {
    const brand = {
      name: 'Kaffeehaus Müller',
      logoUrl: 'https://cdn.kaffee.example/logo.png?v="1"',
      accentColor: '#0a7d5a',
      footer: 'Kaffeehaus Müller GmbH · Hauptstraße 1 · 10115 Berlin',
    };
    const email = renderSurveyEmail(invitation(), token, { ...settings, brand });
    expect(email.html).toContain('<img src="https://cdn.kaffee.example/logo.png?v=&quot;1&quot;" alt="Kaffeehaus Müller"');
    expect(email.html).toContain('color:#0a7d5a');
    expect(email.html).not.toContain('#1f4e79');
    expect(email.html).toContain('Kaffeehaus Müller GmbH · Hauptstraße 1 · 10115 Berlin');
    expect(email.text).toContain('Kaffeehaus Müller GmbH · Hauptstraße 1 · 10115 Berlin');
    expect(email.subject).toBe('A quick question from Kaffeehaus Müller');
    const plain = renderSurveyEmail(invitation(), token, settings);
    expect(plain.html).not.toContain('<img');
    expect(plain.html).toContain('color:#1f4e79');
  });
});
