import { parseSurveyEvent, type SurveyEvent } from '../domain/event.js';
import type { Invitation } from '../domain/invitation.js';
import { resolveLocale } from '../domain/messages.js';
import { programsFor, type Catalog, type SurveyProgram } from '../domain/program.js';
import { hashToken } from '../domain/tokens.js';
import type { DeadLetterSink, InvitationRepository, SurveyMailer } from '../ports.js';
import { renderSurveyEmail } from './survey-email.js';

export interface DispatchDeps {
  readonly catalog: Catalog;
  readonly invitations: InvitationRepository;
  readonly mailer: SurveyMailer;
  readonly deadLetters: DeadLetterSink;
  readonly publicBaseUrl: string;
  readonly now: () => Date;
  readonly newToken: () => string;
}

export type DispatchOutcome =
  | { status: 'sent'; programId: string; eventId: string; messageId: string }
  | { status: 'duplicate'; programId: string; eventId: string }
  | { status: 'rejected'; reason: string };

/**
 * Turns one bus event into one survey email per matching program, exactly once per
 * (program, eventId). A contract violation goes to the dead letters with its reason and is not
 * retried; any other failure throws, after undoing the claim, so the queue retries it.
 */
export async function dispatchEvent(body: string, deps: DispatchDeps): Promise<DispatchOutcome[]> {
  const parsed = parseSurveyEvent(body);
  if (!parsed.ok) return [await reject(body, `event contract v1: ${parsed.reason}`, deps)];
  const event = parsed.value;
  const programs = programsFor(deps.catalog, event.source, event.detailType);
  if (!programs.length) {
    return [await reject(body, `no survey program for source "${event.source}" and detail-type "${event.detailType}"`, deps)];
  }
  const outcomes: DispatchOutcome[] = [];
  for (const program of programs) outcomes.push(await surveyOnce(event, program, deps));
  return outcomes;
}

async function reject(body: string, reason: string, deps: DispatchDeps): Promise<DispatchOutcome> {
  await deps.deadLetters.reject(body, reason);
  return { status: 'rejected', reason };
}

async function surveyOnce(event: SurveyEvent, program: SurveyProgram, deps: DispatchDeps): Promise<DispatchOutcome> {
  const now = deps.now();
  const token = deps.newToken();
  const invitation: Invitation = {
    tokenHash: hashToken(token),
    programId: program.id,
    kind: program.kind,
    eventId: event.eventId,
    locale: resolveLocale(event.customer.locale, program.defaultLocale),
    customer: event.customer,
    context: event.context,
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + deps.catalog.invitationTtlDays * 86_400,
  };
  if ((await deps.invitations.create(invitation)) === 'duplicate') {
    return { status: 'duplicate', programId: program.id, eventId: event.eventId };
  }
  const email = renderSurveyEmail(invitation, token, { brand: deps.catalog.brand, publicBaseUrl: deps.publicBaseUrl });
  try {
    const { messageId } = await deps.mailer.send(email);
    return { status: 'sent', programId: program.id, eventId: event.eventId, messageId };
  } catch (error) {
    // The send failed after the claim: free the claim so the queue's retry can send, then fail.
    await deps.invitations.release(invitation);
    throw error;
  }
}
