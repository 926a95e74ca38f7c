import type { FollowUpRule, RuleCondition, SurveyProgram } from './program.js';
import type { Classification } from './survey-kinds.js';

export interface RatedResponse {
  readonly score: number;
  readonly classification: Classification;
}

export function conditionHolds(when: RuleCondition, response: RatedResponse): boolean {
  if (when.scoreAtMost !== undefined && response.score > when.scoreAtMost) return false;
  if (when.scoreAtLeast !== undefined && response.score < when.scoreAtLeast) return false;
  if (when.classification && !when.classification.includes(response.classification)) return false;
  return true;
}

/** The program's rules that a response triggers, in declaration order. */
export function matchingRules(program: SurveyProgram, response: RatedResponse): FollowUpRule[] {
  return program.rules.filter((rule) => conditionHolds(rule.when, response));
}
