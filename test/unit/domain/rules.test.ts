import { describe, expect, it } from 'vitest';
import { findProgram } from '../../../functions/domain/program.js';
import type { RatedResponse } from '../../../functions/domain/rules.js';
import { matchingRules } from '../../../functions/domain/rules.js';
import { classify, type SurveyKind } from '../../../functions/domain/survey-kinds.js';
import { demoCatalog as catalog } from '../../fixtures/catalog.js';

const r = (kind: SurveyKind, score: number, extra: Partial<RatedResponse> = {}): RatedResponse => ({
  score,
  classification: classify(kind, score),
  kind,
  locale: 'en',
  hasComment: false,
  ...extra,
});

const nps = findProgram(catalog, 'order-delivered-nps')!;
const ces = findProgram(catalog, 'ticket-resolved-ces')!;

const queues = (program: typeof nps, response: RatedResponse) => matchingRules(program, response).map((rule) => rule.queue);

describe('the rules map of the demo programs', () => {
  it.each([0, 3, 6])('an NPS of %d from a silver customer is a detractor for customer success', (score) => {
    expect(queues(nps, r('nps', score, { tier: 'silver' }))).toEqual(['customer-success']);
  });

  it('sends a gold-tier detractor to the escalation queue at once, and only there', () => {
    expect(queues(nps, r('nps', 2, { tier: 'gold' }))).toEqual(['escalation']);
  });

  it.each([9, 10])('asks promoters (%d) for a review through the advocacy queue', (score) => {
    expect(queues(nps, r('nps', score, { tier: 'gold' }))).toEqual(['advocacy']);
  });

  it.each([7, 8])('leaves passives (%d) alone', (score) => {
    expect(queues(nps, r('nps', score))).toEqual([]);
  });

  it('routes high-effort CES answers (5–7) to support and nothing else', () => {
    const routed = [1, 2, 3, 4, 5, 6, 7].filter((score) => matchingRules(ces, r('ces', score)).length);
    expect(routed).toEqual([5, 6, 7]);
  });
});

describe('rule conditions', () => {
  const program = (when: Record<string, unknown>) => ({ ...nps, rules: [{ id: 'x', when, queue: 'q', dueInHours: 1 }] });
  it.each([
    ['classification', { scoreAtMost: 6, classification: ['passive'] }, r('nps', 5), false],
    ['segment', { segment: ['enterprise'] }, r('nps', 5, { segment: 'enterprise' }), true],
    ['segment absent', { segment: ['enterprise'] }, r('nps', 5), false],
    ['tier', { tier: ['gold', 'platinum'] }, r('nps', 5, { tier: 'silver' }), false],
    ['locale', { locale: ['fa'] }, r('nps', 5, { locale: 'fa' }), true],
    ['kind', { kind: ['csat'] }, r('nps', 5), false],
    ['a comment', { hasComment: true }, r('nps', 5, { hasComment: true }), true],
    ['no comment', { hasComment: false }, r('nps', 5, { hasComment: true }), false],
    ['nothing', {}, r('nps', 5), true],
  ] as const)('can require %s', (_, when, response, expected) => {
    expect(matchingRules(program(when as Record<string, unknown>) as typeof nps, response).length === 1).toBe(expected);
  });
});
