import { assessSubmission } from '../domain/evidence.js';
import { isExpired, normaliseComment, type Invitation } from '../domain/invitation.js';
import type { Locale } from '../domain/messages.js';
import type { SurveyKind } from '../domain/survey-kinds.js';
import { hashToken, isWellFormedToken } from '../domain/tokens.js';
import { findProgram, type Catalog } from '../domain/program.js';
import { questionFor, secondQuestionFor } from '../domain/wording.js';
import type { ContactRepository, InvitationRepository } from '../ports.js';

export interface RespondDeps {
  readonly catalog: Catalog;
  readonly invitations: InvitationRepository;
  readonly contacts: ContactRepository;
  readonly now: () => Date;
}

/** The answer as the form carries it, ready to show again on a confirmation page. */
export interface DraftAnswer {
  readonly score: number;
  readonly comment?: string;
  readonly secondAnswer?: string;
}

/** The form as the page shows it. */
export interface FormView {
  readonly locale: Locale;
  readonly kind: SurveyKind;
  readonly token: string;
  readonly question: string;
  readonly secondQuestion?: string;
  /** Epoch ms: sent back with the form as evidence of time on the page. */
  readonly renderedAt: number;
}

/** What the public edge shows; rendering to HTML happens in page.ts. */
export type View =
  | (FormView & { view: 'rating'; status: 200 | 400; selected?: number; error?: 'invalid-score' })
  | (FormView & { view: 'confirm'; status: 200; answer: DraftAnswer })
  | { view: 'thanks'; status: 200; locale: Locale }
  | { view: 'unsubscribe'; status: 200; locale: Locale; token: string }
  | { view: 'unsubscribed'; status: 200; locale: Locale }
  | { view: 'invalid'; status: 404 };

const INVALID: View = { view: 'invalid', status: 404 };

/** Tokens are 22 characters; anything much longer is cut before hashing (it cannot match anyway). */
const MAX_TOKEN_LENGTH = 64;

/** Parses a score field strictly: digits only, so "3abc", "3.5" and "" are not scores. */
export function parseScore(raw: string | undefined): number | undefined {
  return raw !== undefined && /^\d{1,2}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
}

/**
 * Looks the token up, well-formed or not: a tampered, truncated or unknown token costs the same
 * read as a real one and gets the same answer, so response times tell an attacker nothing.
 */
async function findLive(token: string, deps: RespondDeps): Promise<Invitation | undefined> {
  const invitation = await deps.invitations.findByTokenHash(hashToken(token.slice(0, MAX_TOKEN_LENGTH)));
  return invitation && isWellFormedToken(token) && !isExpired(invitation, deps.now()) ? invitation : undefined;
}

function formView(invitation: Invitation, token: string, now: Date, deps: RespondDeps): FormView {
  const program = findProgram(deps.catalog, invitation.programId);
  const secondQuestion = secondQuestionFor(program, invitation, deps.catalog.brand.name);
  return {
    locale: invitation.locale, kind: invitation.kind, token, renderedAt: now.getTime(),
    question: questionFor(program, invitation, deps.catalog.brand.name), ...(secondQuestion ? { secondQuestion } : {}),
  };
}

const ratingView = (invitation: Invitation, token: string, now: Date, deps: RespondDeps, extra: { selected?: number; error?: 'invalid-score'; status?: 200 | 400 } = {}): View => ({
  ...formView(invitation, token, now, deps), view: 'rating', status: extra.status ?? 200,
  ...(extra.selected !== undefined ? { selected: extra.selected } : {}), ...(extra.error ? { error: extra.error } : {}),
});

/**
 * GET (and HEAD) of a rating link: shows the form with the clicked score preselected — also after
 * an answer, so it can be changed within the answer window. It never writes: mail scanners open
 * every link in an email.
 */
export async function showRatingPage(input: { token: string; score?: string }, deps: RespondDeps): Promise<View> {
  const invitation = await findLive(input.token, deps);
  if (!invitation) return INVALID;
  const now = deps.now();
  const windowOpen = invitation.response && Date.parse(invitation.response.respondedAt) + deps.catalog.answerWindowHours * 3_600_000 > now.getTime();
  if (invitation.response && !windowOpen) return { view: 'thanks', status: 200, locale: invitation.locale };
  return ratingView(invitation, input.token, now, deps, { selected: parseScore(input.score) ?? invitation.response?.score });
}

export interface RatingForm {
  readonly token: string;
  readonly score?: string;
  readonly comment?: string;
  readonly secondAnswer?: string;
  /** `t`: when the page with the form was rendered (epoch ms). */
  readonly renderedAt?: string;
  /** `h`: "1" when a trusted input event happened on the page. */
  readonly interaction?: string;
  /** `confirm`: "1" from the confirmation page. */
  readonly confirmed?: string;
  readonly userAgent?: string;
}

/**
 * POST of the rating form. Records the answer when the request carries evidence of a person
 * (domain/evidence.ts), otherwise shows a one-click confirmation and writes nothing. The first
 * answer is one conditional write; a repeated identical submit stores nothing new; a different
 * answer within the window replaces the first and keeps it in the history.
 */
export async function recordRating(form: RatingForm, deps: RespondDeps): Promise<View> {
  const score = parseScore(form.score);
  if (score === undefined || !isWellFormedToken(form.token)) {
    const invitation = await findLive(form.token, deps);
    if (!invitation) return INVALID;
    return ratingView(invitation, form.token, deps.now(), deps, { status: 400, error: 'invalid-score' });
  }
  const now = deps.now();
  const answer: DraftAnswer = { score, comment: normaliseComment(form.comment), secondAnswer: normaliseComment(form.secondAnswer) };
  const renderedAt = form.renderedAt !== undefined && /^\d{1,15}$/.test(form.renderedAt) ? Number(form.renderedAt) : undefined;
  const assessment = assessSubmission({ renderedAt, interaction: form.interaction === '1', confirmed: form.confirmed === '1', userAgent: form.userAgent }, now);
  if (assessment.verdict === 'confirm') {
    const invitation = await findLive(form.token, deps);
    if (!invitation) return INVALID;
    return { ...formView(invitation, form.token, now, deps), view: 'confirm', status: 200, answer };
  }
  const result = await deps.invitations.recordResponse(
    hashToken(form.token),
    { ...answer, respondedAt: now.toISOString(), userAgent: form.userAgent?.slice(0, 512), evidence: assessment.evidence },
    now,
    Math.floor(now.getTime() / 1000) + Math.round(deps.catalog.answerWindowHours * 3600),
    Math.floor(now.getTime() / 1000) + deps.catalog.retention.responseDays * 86_400,
  );
  switch (result.status) {
    case 'recorded':
    case 'changed':
    case 'already-answered':
      return { view: 'thanks', status: 200, locale: result.invitation.locale };
    case 'invalid-score':
      return ratingView(result.invitation, form.token, now, deps, { status: 400, error: 'invalid-score' });
    case 'unavailable':
      return INVALID;
  }
}

/** GET of the unsubscribe link: a confirmation button only. Like every GET, it never writes. */
export async function showUnsubscribe(token: string, deps: RespondDeps): Promise<View> {
  const invitation = await findLive(token, deps);
  return invitation ? { view: 'unsubscribe', status: 200, locale: invitation.locale, token } : INVALID;
}

/**
 * POST of the unsubscribe form, or a mail client's RFC 8058 one-click POST: the contact is
 * suppressed at once, for every program. Repeating it changes nothing.
 */
export async function unsubscribe(token: string, deps: RespondDeps): Promise<View> {
  const invitation = await findLive(token, deps);
  if (!invitation) return INVALID;
  await deps.contacts.suppress(invitation.contactKey, 'unsubscribed', deps.now());
  return { view: 'unsubscribed', status: 200, locale: invitation.locale };
}
