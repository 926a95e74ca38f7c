import { describe, expect, it } from 'vitest';
import {
  assessSubmission,
  isAutomatedAgent,
  MIN_DWELL_CONFIRMED_MS,
  MIN_DWELL_WITH_INTERACTION_MS,
  type SubmissionSignals,
  scriptReportOf,
} from '../../../functions/domain/evidence.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const ago = (ms: number) => NOW.getTime() - ms;
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';

/** A person in a current browser: script ran, a real tap, a navigation the browser says the person started. */
const person = (overrides: Partial<SubmissionSignals> = {}): SubmissionSignals => ({
  renderedAt: ago(3000),
  confirmed: false,
  script: 'ran',
  interaction: true,
  userAgent: SAFARI,
  fetchMode: 'navigate',
  userActivated: true,
  ...overrides,
});
const verdict = (signals: SubmissionSignals) => assessSubmission(signals, NOW);

describe('assessSubmission', () => {
  it.each([
    ['a tap after half a second', person({ renderedAt: ago(MIN_DWELL_WITH_INTERACTION_MS) })],
    ['a tap on the confirmation page', person({ confirmed: true, renderedAt: ago(800) })],
    ['an old browser without Fetch Metadata', person({ fetchMode: undefined, userActivated: false })],
    ['no script, confirmed after a second', person({ script: 'none', interaction: false, confirmed: true, renderedAt: ago(MIN_DWELL_CONFIRMED_MS) })],
    [
      'no script, confirmed, from a browser without Fetch Metadata',
      person({ script: 'none', interaction: false, confirmed: true, fetchMode: undefined, userActivated: false }),
    ],
  ])('accepts %s', (_, signals) => {
    expect(verdict(signals).verdict).toBe('accept');
  });

  it.each([
    ["no signed render time (missing, forged or another page's)", person({ renderedAt: undefined }), 'no-evidence'],
    ['a render time a week old', person({ renderedAt: ago(7 * 86_400_000) }), 'no-evidence'],
    ['a render time in the future', person({ renderedAt: ago(-5000) }), 'no-evidence'],
    ['a tap faster than a person', person({ renderedAt: ago(MIN_DWELL_WITH_INTERACTION_MS - 1) }), 'too-fast'],
    ["script ran but nothing was touched (a scanner's form.submit())", person({ interaction: false }), 'no-interaction'],
    ['script ran, nothing touched, on the confirmation page too', person({ interaction: false, confirmed: true, renderedAt: ago(60_000) }), 'no-interaction'],
    ['no script: the first POST always asks once', person({ script: 'none', interaction: false, renderedAt: ago(60_000) }), 'no-script'],
    ['no script, an "interaction" the script never reported', person({ script: 'none', interaction: true }), 'no-script'],
    ['no script, confirmed at once', person({ script: 'none', interaction: false, confirmed: true, renderedAt: ago(MIN_DWELL_CONFIRMED_MS - 1) }), 'too-fast'],
    ['a navigation the browser says no person started', person({ userActivated: false }), 'no-user-activation'],
  ] as const)('asks to confirm for %s', (_, signals, reason) => {
    expect(verdict(signals)).toEqual({ verdict: 'confirm', reason });
  });

  it.each([
    ['HeadlessChrome', person({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36' })],
    ['navigator.webdriver, behind a desktop user agent', person({ userAgent: CHROME, script: 'automated' })],
    ['a known scanner', person({ userAgent: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' })],
    ['curl', person({ userAgent: 'curl/8.5.0', fetchMode: undefined })],
    ["Node's fetch, with a page's fields", person({ userAgent: 'node', fetchMode: 'cors' })],
    ['fetch() with a desktop user agent (Fetch Metadata says cors)', person({ userAgent: CHROME, fetchMode: 'cors' })],
    ['python-requests', person({ userAgent: 'python-requests/2.32' })],
    ['no user agent', person({ userAgent: undefined })],
    ['a user agent no browser sends', person({ userAgent: 'SomeLinkChecker/1.0' })],
  ])('never accepts an automated agent, confirmed or not: %s', (_, signals) => {
    for (const confirmed of [false, true]) {
      expect(verdict({ ...signals, confirmed, renderedAt: ago(60_000) })).toEqual({ verdict: 'confirm', reason: 'automated-agent' });
      expect(
        verdict({ ...signals, confirmed, script: signals.script === 'automated' ? 'automated' : 'none', interaction: false, renderedAt: ago(60_000) }).verdict,
      ).toBe('confirm');
    }
  });

  it('keeps the evidence for audit, from the signed render time', () => {
    expect(verdict(person({ renderedAt: ago(4000) }))).toEqual({
      verdict: 'accept',
      evidence: {
        clickedAt: new Date(ago(4000)).toISOString(),
        dwellMs: 4000,
        interaction: true,
        confirmed: false,
        automatedAgent: false,
        script: 'ran',
        userActivated: true,
      },
    });
    expect(verdict(person({ fetchMode: undefined, userActivated: false }))).toMatchObject({ evidence: { script: 'ran' } });
    expect(verdict(person({ fetchMode: undefined, userActivated: false }))).not.toHaveProperty('evidence.userActivated');
  });
});

describe('isAutomatedAgent', () => {
  it.each([
    SAFARI,
    CHROME,
    'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
    'Opera/9.80 (J2ME/MIDP; Opera Mini/9.80) Presto/2.12.423 Version/12.16',
  ])('takes %s for a browser', (userAgent) => {
    expect(isAutomatedAgent(userAgent)).toBe(false);
  });
  it.each([
    'Mozilla/5.0 HeadlessChrome/126.0',
    'Mozilla/5.0 (compatible; Barracuda Sentinel)',
    'Mozilla/5.0 (compatible; Mimecast)',
    'node',
    'undici',
    'Go-http-client/2.0',
    'Wget/1.21',
    '',
  ])('takes %j for automation', (userAgent) => {
    expect(isAutomatedAgent(userAgent)).toBe(true);
  });
});

describe('scriptReportOf', () => {
  it.each([
    ['1', 'ran'],
    ['a', 'automated'],
    ['0', 'none'],
    [undefined, 'none'],
    ['yes', 'none'],
  ] as const)('reads %j as %s', (raw, report) => {
    expect(scriptReportOf(raw)).toBe(report);
  });
});
