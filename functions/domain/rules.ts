import type { FollowUpRule, RuleCondition, SurveyProgram } from './program.js';
import type { Classification, SurveyKind } from './survey-kinds.js';

/** What a follow-up rule can look at. */
export interface RatedResponse {
  readonly score: number;
  readonly classification: Classification;
  readonly kind: SurveyKind;
  readonly segment?: string;
  readonly tier?: string;
  readonly locale: string;
  readonly hasComment: boolean;
}

const listed = (allowed: readonly string[] | undefined, value: string | undefined) => !allowed || (value !== undefined && allowed.includes(value));

/** Every condition given must hold; an empty condition matches every response. */
export function conditionHolds(when: RuleCondition, response: RatedResponse): boolean {
  if (when.scoreAtMost !== undefined && response.score > when.scoreAtMost) return false;
  if (when.scoreAtLeast !== undefined && response.score < when.scoreAtLeast) return false;
  if (when.hasComment !== undefined && when.hasComment !== response.hasComment) return false;
  return (
    listed(when.classification, response.classification) &&
    listed(when.kind, response.kind) &&
    listed(when.segment, response.segment) &&
    listed(when.tier, response.tier) &&
    listed(when.locale, response.locale)
  );
}

/** The program's rules that a response triggers, in declaration order, up to the first `final` one. */
export function matchingRules(program: SurveyProgram, response: RatedResponse): FollowUpRule[] {
  const matched: FollowUpRule[] = [];
  for (const rule of program.rules) {
    if (!conditionHolds(rule.when, response)) continue;
    matched.push(rule);
    if (rule.final) break;
  }
  return matched;
}
