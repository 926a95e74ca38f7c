import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderView, SECURITY_HEADERS } from '../../functions/respond/page.js';
import { demoCatalog } from '../fixtures/catalog.js';

const settings = { brand: { name: 'Shop' }, locales: demoCatalog.locales, supportEmail: 'help@example.com', publicBaseUrl: 'https://f.example.com/' };
const TOKEN = 'Zm9vYmFyYmF6cXV4MTIzNA';

describe('rating pages', () => {
  it('preselects the clicked score, focuses the comment and posts to the configured URL', () => {
    const { statusCode, body } = renderView(
      { view: 'rating', status: 200, locale: 'en', kind: 'nps', token: TOKEN, selected: 7, question: 'Q?', stamp: '1234.sig' },
      settings,
    );
    expect(statusCode).toBe(200);
    expect(body).toContain('<input type="radio" name="score" value="7" checked required>');
    expect(body.match(/ checked/g)).toHaveLength(1);
    expect(body).toContain(
      `<form method="post" action="https://f.example.com/r/${TOKEN}" data-evidence><input type="hidden" name="t" value="1234.sig"><input type="hidden" name="h" value="0"><input type="hidden" name="j" value="0">`,
    );
    expect(body).toMatch(/<textarea id="comment" name="comment" maxlength="2000" autofocus>/);
    expect(body).toContain('<label class="question" for="comment">What is the main reason for your score?</label>');
    expect(body).toContain('<legend>Q?</legend>');
  });

  it('sets lang and dir, and keeps the scale left to right in Persian', () => {
    const { body } = renderView({ view: 'rating', status: 200, locale: 'fa', kind: 'nps', token: TOKEN, question: 'Q?', stamp: '1.sig' }, settings);
    expect(body).toContain('<html lang="fa" dir="rtl">');
    expect(body).toContain('<div class="scale" dir="ltr">');
  });

  it('sends strict security headers and only an inline style the CSP hashes', () => {
    const { headers, body } = renderView({ view: 'thanks', status: 200, locale: 'hr' }, settings);
    expect(headers).toEqual(SECURITY_HEADERS);
    expect(headers['content-security-policy']).toMatch(
      /default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'/,
    );
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['strict-transport-security']).toBe('max-age=31536000');
    expect(body).not.toMatch(/<script|src=|https?:\/\/(?!f\.example\.com)/);
    const rating = renderView({ view: 'rating', status: 200, locale: 'hr', kind: 'nps', token: TOKEN, question: 'Q?', stamp: '1.sig' }, settings).body;
    const [script] = [...rating.matchAll(/<script>([^<]*)<\/script>/g)].map((m) => m[1]);
    const digest = createHash('sha256').update(script!).digest('base64');
    expect(headers['content-security-policy']).toContain(`'sha256-${digest}'`);
    expect(rating).not.toMatch(/src=|https?:\/\/(?!f\.example\.com)/);
    expect(body).toContain('help@example.com');
  });

  it('shows one 404 page for every unusable link', () => {
    const { statusCode, body } = renderView({ view: 'invalid', status: 404 }, settings);
    expect(statusCode).toBe(404);
    expect(body).toContain('This link is not valid or has expired.');
  });

  it('asks to confirm with the answer carried in hidden fields, escaped', () => {
    const { body } = renderView(
      {
        view: 'confirm',
        status: 200,
        locale: 'en',
        kind: 'nps',
        token: TOKEN,
        question: 'Q?',
        stamp: '99.sig',
        answer: { score: 4, comment: '"><script>alert(1)</script>' },
      },
      settings,
    );
    expect(body).toContain('<h1>Please confirm your answer</h1>');
    expect(body).toContain(
      '<input type="hidden" name="t" value="99.sig"><input type="hidden" name="h" value="0"><input type="hidden" name="j" value="0"><input type="hidden" name="score" value="4">',
    );
    // Which page a POST comes from is what its signed stamp says, not a field the client could set.
    expect(body).not.toContain('name="confirm"');
    expect(body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(body).not.toContain('<script>alert');
  });

  it('gives the unsubscribe button the same evidence fields and script as the rating form, and a confirmation heading', () => {
    const first = renderView({ view: 'unsubscribe', status: 200, locale: 'et', token: 'u'.repeat(43), stamp: '5.sig', confirm: false }, settings).body;
    expect(first).toContain(
      `<form method="post" action="https://f.example.com/u/${'u'.repeat(43)}" data-evidence><input type="hidden" name="t" value="5.sig">` +
        '<input type="hidden" name="h" value="0"><input type="hidden" name="j" value="0"><button type="submit">Loobu</button></form>',
    );
    expect(first).toContain('<h1>Küsitluskirjadest loobumine</h1>');
    expect(first).toMatch(/<script>[^<]+<\/script>/);
    const again = renderView({ view: 'unsubscribe', status: 200, locale: 'et', token: 'u'.repeat(43), stamp: '6.sig', confirm: true }, settings).body;
    expect(again).toContain('<h1>Palun kinnitage, et soovite tellimusest loobuda</h1>');
    expect(again).toContain('<button type="submit" autofocus>Loobu</button>');
  });

  it("takes the brand's accent and footer and keeps the CSP a hash of the one style it carries (no logo: nothing loads from elsewhere)", () => {
    const brand = { name: 'Kaffeehaus', logoUrl: 'https://cdn.kaffee.example/logo.png', accentColor: '#0a7d5a', footer: 'Hauptstraße 1 · Berlin' };
    const { headers, body } = renderView(
      { view: 'rating', status: 200, locale: 'en', kind: 'nps', token: TOKEN, question: 'Q?', stamp: '1.sig' },
      { ...settings, brand },
    );
    const style = /<style>([^<]*)<\/style>/.exec(body)?.[1] as string;
    expect(style).toContain('#0a7d5a');
    expect(style).not.toContain('#1f4e79');
    expect(headers['content-security-policy']).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(body).toContain('<p class="footer">Hauptstraße 1 · Berlin</p>');
    expect(body).not.toContain('<img');
  });
});
