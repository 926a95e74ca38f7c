import { describe, expect, it } from 'vitest';
import { classify, isValidScore, scoresOf } from '../../../functions/domain/survey-kinds.js';

describe('survey scales', () => {
  it('lists every score of each scale, low to high', () => {
    expect(scoresOf('nps')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(scoresOf('csat')).toEqual([1, 2, 3, 4, 5]);
    expect(scoresOf('ces')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(scoresOf('enps')).toHaveLength(11);
  });

  it.each([
    ['nps', 0, true],
    ['nps', 10, true],
    ['nps', 11, false],
    ['nps', -1, false],
    ['nps', 5.5, false],
    ['csat', 0, false],
    ['csat', 5, true],
    ['ces', 7, true],
    ['ces', 8, false],
  ] as const)('%s accepts %d: %s', (kind, score, valid) => {
    expect(isValidScore(kind, score)).toBe(valid);
  });

  it.each([
    ['nps', 0, 'detractor'],
    ['nps', 6, 'detractor'],
    ['nps', 7, 'passive'],
    ['nps', 8, 'passive'],
    ['nps', 9, 'promoter'],
    ['enps', 10, 'promoter'],
    ['csat', 2, 'dissatisfied'],
    ['csat', 3, 'neutral'],
    ['csat', 4, 'satisfied'],
    ['ces', 3, 'low-effort'],
    ['ces', 4, 'medium-effort'],
    ['ces', 5, 'high-effort'],
  ] as const)('classifies %s %d as %s', (kind, score, expected) => {
    expect(classify(kind, score)).toBe(expected);
  });

  it('refuses to classify a score outside the scale', () => {
    expect(() => classify('csat', 0)).toThrow(RangeError);
  });
});
