import { buildFollowUpCase, type FollowUpCase } from '../domain/follow-up-case.js';
import type { Invitation, SurveyResponse } from '../domain/invitation.js';
import { findProgram, type Catalog } from '../domain/program.js';
import { matchingRules } from '../domain/rules.js';
import { classify } from '../domain/survey-kinds.js';
import type { ContactRepository, FollowUpPublisher } from '../ports.js';

export interface FollowUpDeps {
  readonly catalog: Catalog;
  readonly publisher: FollowUpPublisher;
  readonly contacts: ContactRepository;
}

export class UnknownProgramError extends Error {
  override readonly name = 'UnknownProgramError';
}

export type AnsweredInvitation = Invitation & { response: SurveyResponse };

/**
 * What a change of an invitation item means for the rules stage: its first response, a changed
 * response (a higher revision), or nothing (a re-delivered record, an unrelated update).
 */
export function responseChange(before: Invitation | undefined, after: Invitation | undefined):
  | { kind: 'first'; invitation: AnsweredInvitation }
  | { kind: 'changed'; invitation: AnsweredInvitation; previous: SurveyResponse }
  | undefined {
  if (!after?.response) return undefined;
  const invitation = after as AnsweredInvitation;
  if (!before?.response) return { kind: 'first', invitation };
  if ((after.response.revision ?? 1) > (before.response.revision ?? 1)) return { kind: 'changed', invitation, previous: before.response };
  return undefined;
}

/**
 * Extends the respondent's rest period, applies the program's follow-up rules to a new response and
 * publishes one case per matching rule. For a changed answer only rules the earlier answer did not
 * already match open a case: a changed answer is never counted twice.
 * An unknown program throws (the record is retried, then kept by the on-failure destination):
 * responses to a program removed from the catalog must not vanish silently.
 */
export async function routeResponse(invitation: AnsweredInvitation, deps: FollowUpDeps, previous?: SurveyResponse): Promise<FollowUpCase[]> {
  const program = findProgram(deps.catalog, invitation.programId);
  if (!program) throw new UnknownProgramError(`program "${invitation.programId}" is not in the catalog`);
  // A respondent rests longer than someone who ignored the survey (catalog.throttle.afterResponseDays).
  const restUntil = Math.floor(Date.parse(invitation.response.respondedAt) / 1000) + deps.catalog.throttle.afterResponseDays * 86_400;
  await deps.contacts.extendRest(invitation.contactKey, restUntil);
  const classification = classify(invitation.kind, invitation.response.score);
  const alreadyMatched = new Set(previous
    ? matchingRules(program, { score: previous.score, classification: classify(invitation.kind, previous.score) }).map((rule) => rule.id)
    : []);
  const cases = matchingRules(program, { score: invitation.response.score, classification })
    .filter((rule) => !alreadyMatched.has(rule.id))
    .map((rule) => buildFollowUpCase(invitation, program, rule, classification));
  for (const followUp of cases) await deps.publisher.publish(followUp);
  return cases;
}
