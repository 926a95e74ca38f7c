import type { Invitation, SurveyResponse } from './invitation.js';
import { type Estimate, meanEstimate, npsEstimate, proportionEstimate } from './statistics.js';
import { classify, type SurveyKind, surveyKind } from './survey-kinds.js';

/** Counters of one day bucket. Every field is a plain sum, so buckets and shards add up. */
export type Counters = Record<string, number>;

/** The segment everything is also counted under. */
export const ALL_SEGMENTS = 'all';

export const dayOf = (iso: string) => iso.slice(0, 10);

/**
 * What one response adds to its buckets (`sign` −1 takes a replaced answer out again): the count,
 * the score's class, sum and sum of squares, the score histogram and the comment's topics.
 */
export function responseCounters(kind: SurveyKind, response: Pick<SurveyResponse, 'score'>, topics: readonly string[], sign: 1 | -1 = 1): Counters {
  const counters: Counters = {
    responses: sign,
    scoreSum: sign * response.score,
    scoreSumSq: sign * response.score ** 2,
    [`score_${response.score}`]: sign,
    [`class_${classify(kind, response.score)}`]: sign,
  };
  for (const topic of topics) counters[`topic_${topic}`] = sign;
  return counters;
}

/** The segments a response is counted under: its own (if any) and the total. */
export function segmentsOf(invitation: Invitation): string[] {
  const segment = invitation.customer.segment;
  return segment && segment !== ALL_SEGMENTS ? [segment, ALL_SEGMENTS] : [ALL_SEGMENTS];
}

export function addCounters(into: Counters, from: Counters): Counters {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
  return into;
}

/** The program's headline score over summed counters: NPS, CSAT top-2-box %, or CES mean. */
export function scoreEstimate(kind: SurveyKind, totals: Counters): Estimate {
  const get = (key: string) => totals[key] ?? 0;
  switch (surveyKind(kind).figure.estimator) {
    case 'net-promoter':
      return npsEstimate(get('class_promoter'), get('class_passive'), get('class_detractor'));
    case 'top-two-box':
      return proportionEstimate(get('class_satisfied'), get('responses'));
    case 'mean':
      return meanEstimate(get('scoreSum'), get('scoreSumSq'), get('responses'));
  }
}

/** For CES a higher score is worse (more effort); for the others lower is worse. */
export const higherIsWorse = (kind: SurveyKind) => surveyKind(kind).figure.higherIsWorse;

export interface AlertRule {
  /** The level: NPS points, CSAT top-2-box %, or CES mean. */
  readonly threshold: number;
  readonly windowDays: number;
  /** No alert on fewer responses than this, whatever they say. */
  readonly minResponses: number;
}

/**
 * Hysteresis: a breach needs the whole confidence interval on the wrong side of the level (and
 * enough responses); recovery needs the estimate itself back on the right side. Between the two,
 * nothing changes: no alert storms around the level.
 */
export function alertTransition(kind: SurveyKind, rule: AlertRule, estimate: Estimate, breached: boolean): 'breach' | 'recover' | undefined {
  const worse = higherIsWorse(kind);
  if (!breached) {
    if (estimate.n < rule.minResponses) return undefined;
    return (worse ? estimate.lower > rule.threshold : estimate.upper < rule.threshold) ? 'breach' : undefined;
  }
  return (worse ? estimate.value <= rule.threshold : estimate.value >= rule.threshold) ? 'recover' : undefined;
}

/** Upper edges (hours) of the time-to-resolve histogram; the last bucket is open. */
export const RESOLVE_HOUR_EDGES = [1, 4, 8, 24, 48, 72, 168] as const;

/** The histogram bucket of a time to resolve: "le24" for ≤ 24 h, "gt168" beyond the last edge. */
export function resolveBucketOf(hours: number): string {
  const edge = RESOLVE_HOUR_EDGES.find((e) => hours <= e);
  return edge === undefined ? `gt${RESOLVE_HOUR_EDGES[RESOLVE_HOUR_EDGES.length - 1]}` : `le${edge}`;
}
