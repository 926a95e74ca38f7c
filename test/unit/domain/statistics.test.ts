import { describe, expect, it } from 'vitest';
import { alertTransition, responseCounters, scoreEstimate } from '../../../functions/domain/aggregates.js';
import { meanEstimate, npsEstimate, proportionEstimate } from '../../../functions/domain/statistics.js';

describe('NPS with the adjusted-Wald interval', () => {
  it('matches a hand-computed example: 10 promoters, 5 passives, 5 detractors', () => {
    // n' = 23; p' = 10.75/23 = .46739, d' = 5.75/23 = .25; var = (.46739 + .25 − .21739²)/23 = .029136;
    // margin = 1.96 × .17069 = .33456 → (.21739 ± .33456) × 100.
    const estimate = npsEstimate(10, 5, 5);
    expect(estimate.n).toBe(20);
    expect(estimate.value).toBe(25);
    expect(estimate.lower).toBeCloseTo(-11.72, 1);
    expect(estimate.upper).toBeCloseTo(55.19, 1);
  });

  it('narrows with more responses and stays within −100…100', () => {
    const small = npsEstimate(10, 5, 5);
    const large = npsEstimate(1000, 500, 500);
    expect(large.upper - large.lower).toBeLessThan((small.upper - small.lower) / 5);
    const all = npsEstimate(0, 0, 3);
    expect(all.value).toBe(-100);
    expect(all.lower).toBeGreaterThanOrEqual(-100);
  });
});

describe('other intervals', () => {
  it('CSAT top-2-box: 45 of 50 satisfied (Agresti–Coull)', () => {
    // n' = 50 + 1.96² = 53.8415; p' = (45 + 1.9207)/53.8415 = .87146; margin = 1.96 × √(.87146 × .12854 / 53.8415) = .08940
    const estimate = proportionEstimate(45, 50);
    expect(estimate.value).toBe(90);
    expect(estimate.lower).toBeCloseTo(78.21, 1);
    expect(estimate.upper).toBeCloseTo(96.09, 1);
  });

  it('CES mean of 2, 3, 4', () => {
    // mean 3, sample variance 1, margin 1.96 × √(1/3) = 1.1316
    const estimate = meanEstimate(9, 29, 3);
    expect(estimate.value).toBe(3);
    expect(estimate.lower).toBeCloseTo(1.868, 2);
    expect(estimate.upper).toBeCloseTo(4.132, 2);
  });
});

describe('counters and alerts', () => {
  it('count a response and take a replaced one out again', () => {
    const added = responseCounters('nps', { score: 3 }, ['delivery']);
    const removed = responseCounters('nps', { score: 3 }, ['delivery'], -1);
    expect(added).toEqual({ responses: 1, scoreSum: 3, scoreSumSq: 9, score_3: 1, class_detractor: 1, topic_delivery: 1 });
    expect(Object.values(removed).every((v) => v <= 0)).toBe(true);
    expect(scoreEstimate('nps', { class_promoter: 10, class_passive: 5, class_detractor: 5 }).value).toBe(25);
  });

  const rule = { threshold: 0, windowDays: 30, minResponses: 30 };
  it.each([
    ['too few responses, however bad', npsEstimate(0, 0, 20), false, undefined],
    ['below the level but the interval reaches it', npsEstimate(12, 4, 14), false, undefined],
    ['credibly below the level', npsEstimate(5, 10, 40), false, 'breach'],
    ['still below while breached', npsEstimate(10, 10, 30), true, undefined],
    ['back at the level while breached', npsEstimate(20, 10, 20), true, 'recover'],
  ] as const)('%s', (_, estimate, breached, expected) => {
    expect(alertTransition('nps', rule, estimate, breached)).toBe(expected);
  });

  it('treats a high CES as the bad side', () => {
    const ces = { threshold: 4.5, windowDays: 30, minResponses: 30 };
    expect(alertTransition('ces', ces, meanEstimate(6 * 40, 36 * 40 + 10, 40), false)).toBe('breach');
    expect(alertTransition('ces', ces, meanEstimate(2 * 40, 4 * 40 + 10, 40), false)).toBeUndefined();
  });
});
