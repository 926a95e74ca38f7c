import type { Locale } from './messages.js';
import type { Classification, SurveyKind } from './survey-kinds.js';

/** When a follow-up rule fires. Every condition given must hold. */
export interface RuleCondition {
  readonly scoreAtMost?: number;
  readonly scoreAtLeast?: number;
  readonly classification?: readonly Classification[];
}

/** A follow-up rule: a response that meets `when` opens a case on `queue`, due in `dueInHours`. */
export interface FollowUpRule {
  readonly id: string;
  readonly when: RuleCondition;
  readonly queue: string;
  readonly dueInHours: number;
}

/** A survey program: which event triggers which survey, and who follows up. */
export interface SurveyProgram {
  readonly id: string;
  readonly description?: string;
  readonly trigger: { readonly source: string; readonly detailType: string };
  readonly kind: SurveyKind;
  readonly defaultLocale: Locale;
  readonly ownerTeam: string;
  readonly rules: readonly FollowUpRule[];
}

export interface FollowUpQueue {
  readonly description: string;
}

/** Everything declared once and read by the stack, the sandbox and the handlers. */
export interface Catalog {
  /** Shown in emails and pages ("How likely are you to recommend {brand}…"). */
  readonly brand: string;
  /** How long a rating link works and the invitation is kept (DynamoDB TTL). */
  readonly invitationTtlDays: number;
  readonly followUpQueues: Readonly<Record<string, FollowUpQueue>>;
  readonly programs: readonly SurveyProgram[];
}

export function programsFor(catalog: Catalog, source: string, detailType: string): SurveyProgram[] {
  return catalog.programs.filter((p) => p.trigger.source === source && p.trigger.detailType === detailType);
}

export function findProgram(catalog: Catalog, programId: string): SurveyProgram | undefined {
  return catalog.programs.find((p) => p.id === programId);
}

/** Distinct (source, detail-type) pairs: one bus rule each, so two programs on one trigger get one delivery. */
export function triggersOf(catalog: Catalog): { source: string; detailType: string }[] {
  const seen = new Map<string, { source: string; detailType: string }>();
  for (const { trigger } of catalog.programs) seen.set(`${trigger.source}\u0000${trigger.detailType}`, { ...trigger });
  return [...seen.values()];
}
