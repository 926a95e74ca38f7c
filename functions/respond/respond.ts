import { type Assessment, assessSubmission, scriptReportOf } from '../domain/evidence.js';
import { type Invitation, isExpired, normaliseComment } from '../domain/invitation.js';
import { type Locale, messagesFor } from '../domain/messages.js';
import type { PageStamps, StampPurpose } from '../domain/page-stamp.js';
import { type Catalog, findProgram } from '../domain/program.js';
import type { SurveyKind } from '../domain/survey-kinds.js';
import { hashToken, isWellFormedToken, isWellFormedUnsubscribeToken, legacyTokenHash, unsubscribeKeyOf } from '../domain/tokens.js';
import { questionFor, secondQuestionFor } from '../domain/wording.js';
import type { ContactRepository, InvitationRepository, UnsubscribeTarget } from '../ports.js';

export interface RespondDeps {
  readonly catalog: Catalog;
  readonly invitations: InvitationRepository;
  readonly contacts: ContactRepository;
  readonly now: () => Date;
  /** Signs and checks the render time of each page (the key is the stack's secret). */
  readonly stamps: PageStamps;
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
  /** The render time, signed for this token and page: sent back with the form as evidence of time on the page. */
  readonly stamp: string;
}

/** What the public edge shows; rendering to HTML happens in page.ts. */
export type View =
  | (FormView & { view: 'rating'; status: 200 | 400; selected?: number; error?: 'invalid-score' })
  | (FormView & { view: 'confirm'; status: 200; answer: DraftAnswer })
  | { view: 'thanks'; status: 200; locale: Locale }
  | { view: 'unsubscribe'; status: 200; locale: Locale; token: string; stamp: string; confirm: boolean }
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
 * Looks a rating token up, well-formed or not: a tampered, truncated or unknown token costs the same
 * reads as a real one and gets the same answer, so response times tell an attacker nothing. An
 * invitation sent before unsubscribe tokens existed is found under its legacy key (tokens.ts).
 */
async function findLive(token: string, deps: RespondDeps): Promise<Invitation | undefined> {
  const cut = token.slice(0, MAX_TOKEN_LENGTH);
  const invitation = (await deps.invitations.findByTokenHash(hashToken(cut))) ?? (await deps.invitations.findByTokenHash(legacyTokenHash(cut)));
  return invitation && isWellFormedToken(token) && !isExpired(invitation, deps.now()) ? invitation : undefined;
}

/**
 * The same, for the token of an unsubscribe link (or a legacy one, which was the rating token), or
 * of the unsubscribe link of a respondent notification (docs/notifications.md).
 */
async function findLiveForUnsubscribe(token: string, deps: RespondDeps): Promise<UnsubscribeTarget | undefined> {
  const key = unsubscribeKeyOf(token.slice(0, MAX_TOKEN_LENGTH));
  const target = (await deps.invitations.findByTokenHash(key)) ?? (await deps.invitations.findUnsubscribeLink?.(key));
  return target && isWellFormedUnsubscribeToken(token) && !isExpired(target, deps.now()) ? target : undefined;
}

function formView(invitation: Invitation, token: string, now: Date, deps: RespondDeps, purpose: StampPurpose = 'rating'): FormView {
  const program = findProgram(deps.catalog, invitation.programId);
  const secondQuestion = secondQuestionFor(program, invitation, deps.catalog.brand.name);
  return {
    locale: invitation.locale,
    kind: invitation.kind,
    token,
    stamp: deps.stamps.sign(purpose, token, now.getTime()),
    question: questionFor(program, invitation, deps.catalog.brand.name, messagesFor(deps.catalog.locales, invitation.locale)),
    ...(secondQuestion ? { secondQuestion } : {}),
  };
}

const ratingView = (
  invitation: Invitation,
  token: string,
  now: Date,
  deps: RespondDeps,
  extra: { selected?: number; error?: 'invalid-score'; status?: 200 | 400 } = {},
): View => ({
  ...formView(invitation, token, now, deps),
  view: 'rating',
  status: extra.status ?? 200,
  ...(extra.selected !== undefined ? { selected: extra.selected } : {}),
  ...(extra.error ? { error: extra.error } : {}),
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

/** What a page's form and its request carry as evidence of a person (domain/evidence.ts). */
export interface EvidenceFields {
  /** `t`: the page's signed render stamp. */
  readonly stamp?: string;
  /** `h`: "1" when the page's script saw a trusted input event. */
  readonly interaction?: string;
  /** `j`: "1" when the page's script ran, "a" when it found `navigator.webdriver`. */
  readonly script?: string;
  readonly userAgent?: string;
  /** The `Sec-Fetch-Mode` request header, if sent. */
  readonly fetchMode?: string;
  /** The `Sec-Fetch-User` request header, if sent. */
  readonly fetchUser?: string;
}

export interface RatingForm extends EvidenceFields {
  readonly token: string;
  readonly score?: string;
  readonly comment?: string;
  readonly secondAnswer?: string;
}

/**
 * Assesses a POST from the form of `purpose` or of its confirmation page: the stamp tells which
 * (a `confirm=1` field would be the client's word), and its signature the render time.
 */
function assess(fields: EvidenceFields, token: string, purpose: 'rating' | 'unsubscribe', deps: RespondDeps, now: Date): Assessment {
  const confirmedAt = deps.stamps.verify(`${purpose}-confirm`, token, fields.stamp);
  const renderedAt = confirmedAt ?? deps.stamps.verify(purpose, token, fields.stamp);
  return assessSubmission(
    {
      renderedAt,
      confirmed: confirmedAt !== undefined,
      script: scriptReportOf(fields.script),
      interaction: fields.interaction === '1',
      userAgent: fields.userAgent,
      fetchMode: fields.fetchMode?.toLowerCase(),
      userActivated: fields.fetchUser === '?1',
    },
    now,
  );
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
  const assessment = assess(form, form.token, 'rating', deps, now);
  if (assessment.verdict === 'confirm') {
    const invitation = await findLive(form.token, deps);
    if (!invitation) return INVALID;
    return { ...formView(invitation, form.token, now, deps, 'rating-confirm'), view: 'confirm', status: 200, answer };
  }
  const record = (tokenHash: string) =>
    deps.invitations.recordResponse(
      tokenHash,
      { ...answer, respondedAt: now.toISOString(), userAgent: form.userAgent?.slice(0, 512), evidence: assessment.evidence },
      now,
      Math.floor(now.getTime() / 1000) + Math.round(deps.catalog.answerWindowHours * 3600),
      Math.floor(now.getTime() / 1000) + deps.catalog.retention.responseDays * 86_400,
    );
  // Only a token whose page was rendered gets this far (the stamp is signed for it): a second write
  // attempt is made only for invitations sent before unsubscribe tokens existed.
  let result = await record(hashToken(form.token));
  if (result.status === 'unavailable') result = await record(legacyTokenHash(form.token));
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

const unsubscribeView = (invitation: UnsubscribeTarget, token: string, now: Date, deps: RespondDeps, confirm: boolean): View => ({
  view: 'unsubscribe',
  status: 200,
  locale: invitation.locale,
  token,
  confirm,
  stamp: deps.stamps.sign(confirm ? 'unsubscribe-confirm' : 'unsubscribe', token, now.getTime()),
});

/** GET of the unsubscribe link: a button only. Like every GET, it never writes. */
export async function showUnsubscribe(token: string, deps: RespondDeps): Promise<View> {
  const invitation = await findLiveForUnsubscribe(token, deps);
  return invitation ? unsubscribeView(invitation, token, deps.now(), deps, false) : INVALID;
}

/** A POST to the unsubscribe link: a mail client's one-click request, or the page's form with its evidence. */
export type UnsubscribeRequest = { readonly token: string; readonly oneClick: true } | (EvidenceFields & { readonly token: string; readonly oneClick: false });

/**
 * POST of an unsubscribe link: suppresses the contact for every program, at once and for good
 * (repeating it changes nothing). A body that is exactly `List-Unsubscribe=One-Click` (URL-encoded,
 * or that one field alone as multipart) is a mail client's RFC 8058 one-click request, honoured as
 * it stands: the mail provider acts for the person, with its own user agent, no page and no script.
 * Anything else is the page's own button, which needs the same evidence of a person as the rating
 * form, else a confirmation: a scanner that opens the footer link and submits its form unsubscribes
 * nobody.
 */
export async function unsubscribe(request: UnsubscribeRequest, deps: RespondDeps): Promise<View> {
  const invitation = await findLiveForUnsubscribe(request.token, deps);
  if (!invitation) return INVALID;
  const now = deps.now();
  if (!request.oneClick && assess(request, request.token, 'unsubscribe', deps, now).verdict === 'confirm') {
    return unsubscribeView(invitation, request.token, now, deps, true);
  }
  await deps.contacts.suppress(invitation.contactKey, 'unsubscribed', now);
  return { view: 'unsubscribed', status: 200, locale: invitation.locale };
}
