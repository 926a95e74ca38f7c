import { describe, expect, it } from 'vitest';
import { assessSubmission, isAutomatedAgent } from '../../../functions/domain/evidence.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const ago = (ms: number) => NOW.getTime() - ms;
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1';

describe('assessSubmission', () => {
  it.each([
    ['a tap after half a second', { renderedAt: ago(600), interaction: true }, 'accept'],
    ['a tap faster than a person', { renderedAt: ago(100), interaction: true }, 'confirm'],
    ['no script, 2.5 s on the page', { renderedAt: ago(2600), interaction: false }, 'accept'],
    ['no script, instant', { renderedAt: ago(300), interaction: false }, 'confirm'],
    ['no render time', { interaction: true }, 'confirm'],
    ['a render time a week old', { renderedAt: ago(7 * 86_400_000), interaction: true }, 'confirm'],
    ['a render time in the future', { renderedAt: ago(-5000), interaction: true }, 'confirm'],
    ['a confirmation after a second', { renderedAt: ago(1100), interaction: false, confirmed: true }, 'accept'],
    ['a confirmation at once', { renderedAt: ago(200), interaction: false, confirmed: true }, 'confirm'],
  ] as const)('%s → %s', (_, signals, verdict) => {
    expect(assessSubmission({ confirmed: false, userAgent: SAFARI, ...signals }, NOW).verdict).toBe(verdict);
  });

  it('never accepts an automated user agent without a real input event', () => {
    for (const userAgent of ['Mozilla/5.0 HeadlessChrome/126.0', 'python-requests/2.32', 'curl/8.5.0', undefined]) {
      expect(assessSubmission({ renderedAt: ago(60_000), interaction: false, confirmed: true, userAgent }, NOW).verdict).toBe('confirm');
    }
    expect(assessSubmission({ renderedAt: ago(2000), interaction: true, confirmed: false, userAgent: 'Mozilla/5.0 HeadlessChrome/126.0' }, NOW).verdict).toBe('accept');
  });

  it('keeps the evidence for audit', () => {
    const result = assessSubmission({ renderedAt: ago(4000), interaction: true, confirmed: false, userAgent: SAFARI }, NOW);
    expect(result).toEqual({
      verdict: 'accept',
      evidence: { clickedAt: new Date(ago(4000)).toISOString(), dwellMs: 4000, interaction: true, confirmed: false, automatedAgent: false },
    });
  });

  it('recognises common automation', () => {
    expect(isAutomatedAgent(SAFARI)).toBe(false);
    expect(isAutomatedAgent('Mozilla/5.0 (compatible; Barracuda Sentinel)')).toBe(true);
  });
});
