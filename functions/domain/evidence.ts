/**
 * Telling a person from a mail scanner, from what a rating-form POST carries. Pure: no I/O.
 *
 * Scanners (Defender Safe Links, Mimecast, Proofpoint, Barracuda) open every link at delivery, some
 * in a headless browser that runs scripts and submits forms. None of that reaches this function:
 * GET and HEAD never write. What does reach it is a POST, and a scanner that submits forms does so
 * programmatically and at once. So a POST is accepted when it carries evidence of a person:
 * - a trusted input event (pointer, touch or key: `isTrusted`, which script cannot fake) on the page,
 *   and at least MIN_DWELL_WITH_INTERACTION_MS since the page was rendered; or
 * - without script (or without such an event), at least MIN_DWELL_WITHOUT_INTERACTION_MS on the page
 *   from a user agent that does not announce itself as automated.
 * Anything else gets a one-click confirmation page instead of a write; the confirmation is accepted
 * with a trusted event, or after MIN_DWELL_CONFIRMED_MS from a user agent not announcing automation.
 * An automated user agent is never accepted without a trusted input event.
 */
export const MIN_DWELL_WITH_INTERACTION_MS = 500;
export const MIN_DWELL_WITHOUT_INTERACTION_MS = 2500;
/** On the confirmation page the person has already chosen: one deliberate click is enough. */
export const MIN_DWELL_CONFIRMED_MS = 1000;
/** Render times older than this, or in the future, are not believed. */
const MAX_PLAUSIBLE_DWELL_MS = 24 * 3_600_000;

const AUTOMATED_AGENT = /headless|phantomjs|python|curl|wget|go-http-client|java\/|libwww|okhttp|bot\b|spider|crawler|scanner|safelinks|mimecast|proofpoint|barracuda|preview/i;

export interface SubmissionSignals {
  /** When the page with the form was rendered (epoch ms, from the form), if present and numeric. */
  readonly renderedAt?: number;
  /** A trusted pointer, touch or key event happened on the page. */
  readonly interaction: boolean;
  /** The submission came from the confirmation page. */
  readonly confirmed: boolean;
  readonly userAgent?: string;
}

/** What is kept with a response for audit. */
export interface ResponseEvidence {
  /** When the rating page was rendered, i.e. when the link was clicked (ISO 8601), if known. */
  readonly clickedAt?: string;
  /** Time on the page before submitting, in ms, if known. */
  readonly dwellMs?: number;
  readonly interaction: boolean;
  readonly confirmed: boolean;
  readonly automatedAgent: boolean;
}

export type Assessment =
  | { verdict: 'accept'; evidence: ResponseEvidence }
  | { verdict: 'confirm'; reason: 'no-evidence' | 'too-fast' | 'automated-agent' };

export function isAutomatedAgent(userAgent: string | undefined): boolean {
  return !userAgent || AUTOMATED_AGENT.test(userAgent);
}

export function assessSubmission(signals: SubmissionSignals, now: Date): Assessment {
  const dwell = signals.renderedAt === undefined ? undefined : now.getTime() - signals.renderedAt;
  const plausible = dwell !== undefined && dwell >= 0 && dwell <= MAX_PLAUSIBLE_DWELL_MS ? dwell : undefined;
  const automatedAgent = isAutomatedAgent(signals.userAgent);
  const evidence: ResponseEvidence = {
    ...(plausible !== undefined ? { clickedAt: new Date(signals.renderedAt as number).toISOString(), dwellMs: plausible } : {}),
    interaction: signals.interaction,
    confirmed: signals.confirmed,
    automatedAgent,
  };
  if (plausible === undefined) return { verdict: 'confirm', reason: 'no-evidence' };
  if (signals.interaction) {
    return plausible >= MIN_DWELL_WITH_INTERACTION_MS ? { verdict: 'accept', evidence } : { verdict: 'confirm', reason: 'too-fast' };
  }
  if (automatedAgent) return { verdict: 'confirm', reason: 'automated-agent' };
  const minimum = signals.confirmed ? MIN_DWELL_CONFIRMED_MS : MIN_DWELL_WITHOUT_INTERACTION_MS;
  return plausible >= minimum ? { verdict: 'accept', evidence } : { verdict: 'confirm', reason: 'too-fast' };
}
