/**
 * Telling a person from a mail scanner, from what a form POST carries. Pure: no I/O.
 *
 * Scanners (Defender Safe Links, Mimecast, Proofpoint, Barracuda) open every link at delivery, some
 * in a headless browser that runs scripts, submits forms, even clicks. GET and HEAD never write, so
 * only a POST reaches this function, and it is taken for a person's only with evidence a scanner
 * does not produce:
 * - The render time comes from a stamp the server signed (domain/page-stamp.ts): time on the page
 *   is measured, not claimed.
 * - Automated agents are never accepted, confirmed or not: a user agent that says so
 *   (`HeadlessChrome`, known scanners, `curl`, HTTP libraries, none at all, or not a browser's), a
 *   page whose script found `navigator.webdriver`, or a request whose Fetch Metadata says it is not
 *   a page navigation (`Sec-Fetch-Mode` other than `navigate`: `fetch()` from script or Node).
 * - When the browser sends Fetch Metadata, the navigation must come from user activation
 *   (`Sec-Fetch-User: ?1`, set by the browser itself): `form.submit()` by a scanner's script is not.
 * - The page's script marks that it ran. Script ran: a trusted pointer, touch, click or key event
 *   (`isTrusted`, which script cannot fake) and MIN_DWELL_WITH_INTERACTION_MS on the page — one
 *   press of Send. Without both, the confirmation page; a script-submitted form never gets further,
 *   on either page ("script ran, nobody touched it" is not "a person without script").
 *   Script did not run: one confirmation, accepted after MIN_DWELL_CONFIRMED_MS on it.
 */
export const MIN_DWELL_WITH_INTERACTION_MS = 500;
/** On the confirmation page the person has already chosen: one deliberate click is enough. */
export const MIN_DWELL_CONFIRMED_MS = 1000;
/** Render times older than this, or in the future, are not believed. */
const MAX_PLAUSIBLE_DWELL_MS = 24 * 3_600_000;

const AUTOMATED_AGENT =
  /headless|phantomjs|selenium|webdriver|puppeteer|playwright|electron|python|curl|wget|go-http-client|java\/|libwww|okhttp|axios|node-fetch|undici|^node\b|bot\b|spider|crawler|scanner|safelinks|mimecast|proofpoint|barracuda|preview/i;
/** Every browser's user agent starts so (Opera Mini's "Opera/9.80" included); HTTP libraries' do not. */
const BROWSER_AGENT = /^(Mozilla|Opera)\/\d/;

/** What the page's script reported in the hidden `j` field. */
export type ScriptReport = 'none' | 'ran' | 'automated';

export interface SubmissionSignals {
  /** The render time of a stamp the server signed for this link and page; undefined when missing, forged or another page's. */
  readonly renderedAt?: number;
  /** The stamp was the confirmation page's. */
  readonly confirmed: boolean;
  /** `j`: 'none' when the page's script did not run, 'ran', or 'automated' when it found `navigator.webdriver`. */
  readonly script: ScriptReport;
  /** `h`: the script saw a trusted pointer, touch, click or key event on the form. */
  readonly interaction: boolean;
  readonly userAgent?: string;
  /** The `Sec-Fetch-Mode` request header, when the client sent Fetch Metadata. */
  readonly fetchMode?: string;
  /** `Sec-Fetch-User: ?1`: the browser says a person's action started this navigation. */
  readonly userActivated: boolean;
}

/** What is kept with a response (or an unsubscribe decision) for audit. */
export interface ResponseEvidence {
  /** When the page was rendered, i.e. when the link was clicked (ISO 8601), from the signed stamp. */
  readonly clickedAt?: string;
  /** Time on the page before submitting, in ms, from the signed stamp. */
  readonly dwellMs?: number;
  readonly interaction: boolean;
  readonly confirmed: boolean;
  readonly automatedAgent: boolean;
  readonly script: ScriptReport;
  /** Present when the browser sent Fetch Metadata. */
  readonly userActivated?: boolean;
}

export type ConfirmReason = 'no-evidence' | 'too-fast' | 'automated-agent' | 'no-user-activation' | 'no-interaction' | 'no-script';

export type Assessment = { verdict: 'accept'; evidence: ResponseEvidence } | { verdict: 'confirm'; reason: ConfirmReason };

/** A user agent that announces automation, is missing, or is not a browser's. */
export function isAutomatedAgent(userAgent: string | undefined): boolean {
  return !userAgent || !BROWSER_AGENT.test(userAgent) || AUTOMATED_AGENT.test(userAgent);
}

/** Reads the `j` field: anything but the script's own values counts as "did not run". */
export function scriptReportOf(raw: string | undefined): ScriptReport {
  return raw === '1' ? 'ran' : raw === 'a' ? 'automated' : 'none';
}

export function assessSubmission(signals: SubmissionSignals, now: Date): Assessment {
  const dwell = signals.renderedAt === undefined ? undefined : now.getTime() - signals.renderedAt;
  const plausible = dwell !== undefined && dwell >= 0 && dwell <= MAX_PLAUSIBLE_DWELL_MS ? dwell : undefined;
  const metadata = signals.fetchMode !== undefined;
  const automatedAgent = isAutomatedAgent(signals.userAgent) || signals.script === 'automated' || (metadata && signals.fetchMode !== 'navigate');

  if (automatedAgent) return { verdict: 'confirm', reason: 'automated-agent' };
  if (plausible === undefined) return { verdict: 'confirm', reason: 'no-evidence' };
  if (metadata && !signals.userActivated) return { verdict: 'confirm', reason: 'no-user-activation' };
  if (signals.script === 'ran') {
    if (!signals.interaction) return { verdict: 'confirm', reason: 'no-interaction' };
    if (plausible < MIN_DWELL_WITH_INTERACTION_MS) return { verdict: 'confirm', reason: 'too-fast' };
  } else {
    if (!signals.confirmed) return { verdict: 'confirm', reason: 'no-script' };
    if (plausible < MIN_DWELL_CONFIRMED_MS) return { verdict: 'confirm', reason: 'too-fast' };
  }
  return {
    verdict: 'accept',
    evidence: {
      clickedAt: new Date(signals.renderedAt as number).toISOString(),
      dwellMs: plausible,
      interaction: signals.interaction,
      confirmed: signals.confirmed,
      automatedAgent,
      script: signals.script,
      ...(metadata ? { userActivated: signals.userActivated } : {}),
    },
  };
}
