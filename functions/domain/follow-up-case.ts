import { createHash } from 'node:crypto';
import type { Customer } from './event.js';
import type { Invitation, SurveyResponse } from './invitation.js';
import type { FollowUpRule, SurveyProgram } from './program.js';
import type { Classification, SurveyKind } from './survey-kinds.js';

/** Follow-up message contract v1: the body of every message on a follow-up queue. */
export interface FollowUpCase {
  readonly version: 1;
  /** Stable for one response and rule: consumers de-duplicate on it. */
  readonly caseId: string;
  readonly programId: string;
  readonly kind: SurveyKind;
  readonly score: number;
  readonly classification: Classification;
  readonly comment: string | null;
  /** The answer to the program's second question, if it has one and it was answered. */
  readonly secondAnswer: string | null;
  readonly rule: string;
  readonly queue: string;
  readonly ownerTeam: string;
  readonly customer: Customer;
  readonly eventId: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly respondedAt: string;
  /** ISO 8601: respondedAt + the rule's dueInHours. */
  readonly dueAt: string;
}

export function caseIdFor(tokenHash: string, ruleId: string): string {
  return createHash('sha256').update(`${tokenHash}\u0000${ruleId}`).digest('base64url').slice(0, 22);
}

export function buildFollowUpCase(
  invitation: Invitation & { response: SurveyResponse },
  program: SurveyProgram,
  rule: FollowUpRule,
  classification: Classification,
): FollowUpCase {
  const { response } = invitation;
  const dueAt = new Date(Date.parse(response.respondedAt) + rule.dueInHours * 3_600_000).toISOString();
  return {
    version: 1,
    caseId: caseIdFor(invitation.tokenHash, rule.id),
    programId: program.id,
    kind: invitation.kind,
    score: response.score,
    classification,
    comment: response.comment ?? null,
    secondAnswer: response.secondAnswer ?? null,
    rule: rule.id,
    queue: rule.queue,
    ownerTeam: program.ownerTeam,
    customer: invitation.customer,
    eventId: invitation.eventId,
    context: invitation.context,
    respondedAt: response.respondedAt,
    dueAt,
  };
}
