import { describe, expect, it } from 'vitest';
import { catalog } from '../../../functions/config/catalog.js';
import { findProgram } from '../../../functions/domain/program.js';
import { matchingRules } from '../../../functions/domain/rules.js';
import { classify } from '../../../functions/domain/survey-kinds.js';

const nps = findProgram(catalog, 'order-delivered-nps')!;
const ces = findProgram(catalog, 'ticket-resolved-ces')!;

describe('follow-up rules of the demo programs', () => {
  it.each([0, 3, 6])('an NPS of %d is a detractor for customer success', (score) => {
    expect(matchingRules(nps, { score, classification: classify('nps', score) }).map((r) => r.queue)).toEqual(['customer-success']);
  });

  it.each([7, 8, 9, 10])('an NPS of %d opens no case', (score) => {
    expect(matchingRules(nps, { score, classification: classify('nps', score) })).toEqual([]);
  });

  it('routes high-effort CES answers (5–7) to support and nothing else', () => {
    const routed = [1, 2, 3, 4, 5, 6, 7].filter((score) => matchingRules(ces, { score, classification: classify('ces', score) }).length);
    expect(routed).toEqual([5, 6, 7]);
  });

  it('requires every condition of a rule', () => {
    const program = { ...nps, rules: [{ id: 'x', when: { scoreAtMost: 6, classification: ['passive' as const] }, queue: 'q', dueInHours: 1 }] };
    expect(matchingRules(program, { score: 5, classification: 'detractor' })).toEqual([]);
  });
});
