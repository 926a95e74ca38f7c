import { buildFollowUpCase, type CaseTiming, type FollowUpCase, openCase } from '../domain/follow-up-case.js';
import { followUpOpened, type IntegrationEvent, surveyResponded } from '../domain/integration-events.js';
import type { Invitation, SurveyResponse } from '../domain/invitation.js';
import { acknowledgementFor, resolutionNoticeFor } from '../domain/notification.js';
import { type Catalog, findProgram } from '../domain/program.js';
import { matchingRules, type RatedResponse } from '../domain/rules.js';
import { classify, isValidScore, SURVEY_KINDS, surveyKind } from '../domain/survey-kinds.js';
import { topicsOf } from '../domain/topics.js';
import type { CaseRepository, ContactRepository, FollowUpPublisher } from '../ports.js';

export interface FollowUpDeps {
  readonly catalog: Catalog;
  readonly cases: CaseRepository;
  readonly publisher: FollowUpPublisher;
  readonly contacts: ContactRepository;
  readonly timing: CaseTiming;
  readonly now: () => Date;
  /** The stack receives customers' email replies (`inbound`): a rule's `pauseWhileWaitingForCustomer` applies. */
  readonly inbound?: boolean;
}

/** A stream record the rules can never route (a corrupted item): set aside with this reason, not retried. */
export class UnroutableRecordError extends Error {
  override readonly name: string = 'UnroutableRecordError';
}

export class UnknownProgramError extends UnroutableRecordError {
  override readonly name = 'UnknownProgramError';
}

export type AnsweredInvitation = Invitation & { response: SurveyResponse };

/**
 * What a change of an invitation item means for the rules stage: its first response, a changed
 * response (a higher revision), or nothing (a re-delivered record, an unrelated update).
 */
export function responseChange(
  before: Invitation | undefined,
  after: Invitation | undefined,
): { kind: 'first'; invitation: AnsweredInvitation } | { kind: 'changed'; invitation: AnsweredInvitation; previous: SurveyResponse } | undefined {
  if (!after?.response) return undefined;
  const invitation = after as AnsweredInvitation;
  if (!before?.response) return { kind: 'first', invitation };
  if ((after.response.revision ?? 1) > (before.response.revision ?? 1)) return { kind: 'changed', invitation, previous: before.response };
  return undefined;
}

/** What the rules see of an answer: the score and its class, the customer's segment, tier and language. */
export function rated(invitation: Invitation, response: SurveyResponse): RatedResponse {
  return {
    score: response.score,
    classification: classify(invitation.kind, response.score),
    kind: invitation.kind,
    segment: invitation.customer.segment,
    tier: invitation.customer.tier,
    locale: invitation.locale,
    hasComment: Boolean(response.comment),
  };
}

export interface RoutingResult {
  readonly cases: FollowUpCase[];
  readonly events: IntegrationEvent[];
}

/**
 * Extends the respondent's rest period, then opens one case per matching rule: the case is stored
 * first (a re-delivered stream record finds it and opens no second one), its message sent, and
 * the sending recorded — a case whose message was not confirmed is sent again on the retry, with
 * the same caseId for consumers to de-duplicate. For a changed answer only rules the earlier answer
 * did not already match open a case: a changed answer is never counted twice. A rule that notifies
 * the respondent gets its acknowledgement stored with the case (the notify stage sends it).
 */
export async function routeResponse(invitation: AnsweredInvitation, deps: FollowUpDeps, previous?: SurveyResponse): Promise<RoutingResult> {
  const program = findProgram(deps.catalog, invitation.programId);
  if (!program) throw new UnknownProgramError(`program "${invitation.programId}" is not in the catalog`);
  const { kind, response } = invitation;
  if (!(SURVEY_KINDS as readonly string[]).includes(kind) || !isValidScore(kind, response.score)) {
    throw new UnroutableRecordError(`invitation ${invitation.tokenHash}: score ${String(response.score)} is outside the ${String(kind)} scale`);
  }
  // A respondent rests longer than someone who ignored the survey (catalog.throttle.afterResponseDays).
  const restUntil = Math.floor(Date.parse(invitation.response.respondedAt) / 1000) + deps.catalog.throttle.afterResponseDays * 86_400;
  await deps.contacts.extendRest(invitation.contactKey, restUntil);

  const classification = classify(invitation.kind, invitation.response.score);
  const topics = topicsOf(invitation.response.comment, deps.catalog.topics);
  const alreadyMatched = new Set(previous ? matchingRules(program, rated(invitation, previous)).map((rule) => rule.id) : []);
  // An anonymous kind's answers are never announced: an event's time and webhook-id would date and link them.
  const events: IntegrationEvent[] = surveyKind(kind).publishesResponses ? [surveyResponded(invitation, classification, topics, previous !== undefined)] : [];
  const cases: FollowUpCase[] = [];
  for (const rule of matchingRules(program, rated(invitation, invitation.response))) {
    if (alreadyMatched.has(rule.id)) continue;
    const message = buildFollowUpCase(invitation, program, rule, classification, topics, deps.timing);
    const now = deps.now();
    const kept = { contactKey: invitation.contactKey, expiresAt: Math.floor(now.getTime() / 1000) + deps.catalog.retention.caseDays * 86_400 };
    const onResolve = resolutionNoticeFor(program, rule, invitation);
    const record = {
      ...openCase(message, rule, now, kept),
      ...(onResolve ? { notifyOnResolve: onResolve } : {}),
      // Only where the customer's answer can come back into the case: otherwise a team reply would pause it for good.
      ...(rule.pauseWhileWaitingForCustomer && deps.inbound ? { pauseWhileWaiting: true } : {}),
    };
    // The respondent's acknowledgement (rule.notifyRespondent.onOpen) is stored with the case, in one transaction.
    const opened = await deps.cases.open(
      record,
      { tokenHash: invitation.tokenHash, contactKey: invitation.contactKey },
      acknowledgementFor(program, rule, invitation, message, now),
    );
    // 'erased': the person asked to be forgotten after answering; no case is opened about them.
    if (opened === 'notified' || opened === 'erased') continue;
    await deps.publisher.publish(message);
    await deps.cases.markNotified(message.caseId, deps.now());
    cases.push(message);
    if (opened === 'opened') events.push(followUpOpened(message));
  }
  return { cases, events };
}
