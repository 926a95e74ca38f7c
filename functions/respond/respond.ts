import { isExpired, normaliseComment, type Invitation } from '../domain/invitation.js';
import type { Locale } from '../domain/messages.js';
import type { SurveyKind } from '../domain/survey-kinds.js';
import { hashToken, isWellFormedToken } from '../domain/tokens.js';
import type { ContactRepository, InvitationRepository } from '../ports.js';

export interface RespondDeps {
  readonly invitations: InvitationRepository;
  readonly contacts: ContactRepository;
  readonly now: () => Date;
}

/** What the public edge shows; rendering to HTML happens in page.ts. */
export type View =
  | { view: 'rating'; status: 200 | 400; locale: Locale; kind: SurveyKind; token: string; selected?: number; error?: 'invalid-score' }
  | { view: 'thanks'; status: 200; locale: Locale }
  | { view: 'unsubscribe'; status: 200; locale: Locale; token: string }
  | { view: 'unsubscribed'; status: 200; locale: Locale }
  | { view: 'invalid'; status: 404 };

const INVALID: View = { view: 'invalid', status: 404 };

/** Parses a score field strictly: digits only, so "3abc", "3.5" and "" are not scores. */
export function parseScore(raw: string | undefined): number | undefined {
  return raw !== undefined && /^\d{1,2}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
}

async function findLive(token: string, deps: RespondDeps): Promise<Invitation | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const invitation = await deps.invitations.findByTokenHash(hashToken(token));
  return invitation && !isExpired(invitation, deps.now()) ? invitation : undefined;
}

/**
 * GET (and HEAD) of a rating link: shows the form with the clicked score preselected. It never
 * writes: mail scanners open every link in an email.
 */
export async function showRatingPage(input: { token: string; score?: string }, deps: RespondDeps): Promise<View> {
  const invitation = await findLive(input.token, deps);
  if (!invitation) return INVALID;
  if (invitation.response) return { view: 'thanks', status: 200, locale: invitation.locale };
  return { view: 'rating', status: 200, locale: invitation.locale, kind: invitation.kind, token: input.token, selected: parseScore(input.score) };
}

/**
 * POST of the rating form: records the first response with one conditional write. A repeated
 * submit shows the thanks page again and stores nothing new.
 */
export async function recordRating(
  input: { token: string; score?: string; comment?: string; userAgent?: string },
  deps: RespondDeps,
): Promise<View> {
  if (!isWellFormedToken(input.token)) return INVALID;
  const score = parseScore(input.score);
  if (score === undefined) {
    const invitation = await findLive(input.token, deps);
    if (!invitation) return INVALID;
    return { view: 'rating', status: 400, locale: invitation.locale, kind: invitation.kind, token: input.token, error: 'invalid-score' };
  }
  const now = deps.now();
  const result = await deps.invitations.recordResponse(
    hashToken(input.token),
    {
      score,
      comment: normaliseComment(input.comment),
      respondedAt: now.toISOString(),
      userAgent: input.userAgent?.slice(0, 512),
    },
    now,
  );
  switch (result.status) {
    case 'recorded':
    case 'already-answered':
      return { view: 'thanks', status: 200, locale: result.invitation.locale };
    case 'invalid-score':
      return { view: 'rating', status: 400, locale: result.invitation.locale, kind: result.invitation.kind, token: input.token, error: 'invalid-score' };
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
