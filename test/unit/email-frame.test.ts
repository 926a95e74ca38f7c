import { describe, expect, it } from 'vitest';
import { contrastRatio, DEFAULT_ACCENT, framedEmailHtml, preheaderText, scoreColours } from '../../functions/domain/email-frame.js';

describe('the email frame', () => {
  it('measures contrast as WCAG 2 does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
    expect(contrastRatio('#555555', '#ffffff')).toBeGreaterThan(7);
  });

  it("colours score links with the brand's accent only where it reaches 4.5:1, in each scheme", () => {
    expect(scoreColours(undefined)).toEqual({ accent: DEFAULT_ACCENT, light: DEFAULT_ACCENT, dark: '#e8e8e8' });
    expect(scoreColours('#f5c400')).toEqual({ accent: '#f5c400', light: '#1a1a1a', dark: '#f5c400' });
    expect(scoreColours('#fc0')).toMatchObject({ accent: '#ffcc00', light: '#1a1a1a' });
  });

  it('makes the preview line of the first paragraph: one line, no invisible characters, 90 characters at most', () => {
    expect(preheaderText('  We are sorry.\n\tThe courier was late.  ')).toBe('We are sorry. The courier was late.');
    expect(preheaderText('\u202Eevil\u202C text\u200B')).toBe('evil text');
    const long = preheaderText('ก'.repeat(200));
    expect([...long]).toHaveLength(90);
    expect(long.endsWith('…')).toBe(true);
  });

  it('declares both colour schemes and hides the preview line from the reader', () => {
    const html = framedEmailHtml(
      {
        locale: 'fa',
        dir: 'rtl',
        title: 't',
        brandName: 'Shop',
        brand: { name: 'Shop' },
        unsubscribeUrl: 'https://x/u/t',
        unsubscribeLabel: 'u',
        preheader: 'The first paragraph',
      },
      '',
    );
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('@media (prefers-color-scheme: dark)');
    expect(html).toMatch(/<span style="display:none;max-height:0;[^"]*overflow:hidden;[^"]*mso-hide:all;">The first paragraph<\/span>/);
  });
});
