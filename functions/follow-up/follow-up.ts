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

/** True when this change of an invitation is the arrival of its first response. */
export function isNewResponse(before: Invitation | undefined, after: Invitation | undefined): after is Invitation & { response: SurveyResponse } {
  return Boolean(after?.response && !before?.response);
}

/**
 * Extends the respondent's rest period, applies the program's follow-up rules to a new response and
 * publishes one case per matching rule.
 * An unknown program throws (the record is retried, then kept by the on-failure destination):
 * responses to a program removed from the catalog must not vanish silently.
 */
export async function routeResponse(invitation: Invitation & { response: SurveyResponse }, deps: FollowUpDeps): Promise<FollowUpCase[]> {
  const program = findProgram(deps.catalog, invitation.programId);
  if (!program) throw new UnknownProgramError(`program "${invitation.programId}" is not in the catalog`);
  // A respondent rests longer than someone who ignored the survey (catalog.throttle.afterResponseDays).
  const restUntil = Math.floor(Date.parse(invitation.response.respondedAt) / 1000) + deps.catalog.throttle.afterResponseDays * 86_400;
  await deps.contacts.extendRest(invitation.contactKey, restUntil);
  const classification = classify(invitation.kind, invitation.response.score);
  const cases = matchingRules(program, { score: invitation.response.score, classification })
    .map((rule) => buildFollowUpCase(invitation, program, rule, classification));
  for (const followUp of cases) await deps.publisher.publish(followUp);
  return cases;
}
