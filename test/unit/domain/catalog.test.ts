import { describe, expect, it } from 'vitest';
import { InvalidCatalogError, parseCatalog } from '../../../functions/config/catalog-schema.js';
import { declaredCatalog } from '../../../functions/config/programs.js';
import { programsFor, triggersOf } from '../../../functions/domain/program.js';

const clone = () => structuredClone(declaredCatalog) as unknown as Record<string, any>;

describe('the survey catalog', () => {
  it('declares the two demo programs', () => {
    const catalog = parseCatalog(declaredCatalog);
    expect(programsFor(catalog, 'shop.orders', 'OrderDelivered').map((p) => p.kind)).toEqual(['nps']);
    expect(programsFor(catalog, 'support.tickets', 'TicketResolved').map((p) => p.kind)).toEqual(['ces']);
    expect(triggersOf(catalog)).toHaveLength(2);
  });

  it('gives two programs on one trigger one bus rule', () => {
    const input = clone();
    input.programs.push({ ...input.programs[0], id: 'order-delivered-csat', kind: 'csat', rules: [] });
    expect(triggersOf(parseCatalog(input))).toHaveLength(2);
  });

  it.each([
    ['an unknown survey kind', (c: Record<string, any>) => { c.programs[0].kind = 'stars'; }, 'programs.0.kind'],
    ['an unknown locale', (c: Record<string, any>) => { c.programs[1].defaultLocale = 'de'; }, 'programs.1.defaultLocale'],
    ['a rule on an undeclared queue', (c: Record<string, any>) => { c.programs[0].rules[0].queue = 'sales'; }, 'programs.0.rules.0.queue: "sales" is not a declared follow-up queue'],
    ['a threshold outside the scale', (c: Record<string, any>) => { c.programs[1].rules[0].when.scoreAtLeast = 9; }, 'programs.1.rules.0.when.scoreAtLeast: 9 is outside the ces scale'],
    ['a duplicate program id', (c: Record<string, any>) => { c.programs[1].id = c.programs[0].id; }, 'programs.1.id'],
    ['a program id that is not kebab-case', (c: Record<string, any>) => { c.programs[0].id = 'Order Delivered'; }, 'programs.0.id'],
    ['no programs', (c: Record<string, any>) => { c.programs = []; }, 'programs'],
  ])('rejects %s, naming the field', (_, mutate, message) => {
    const input = clone();
    mutate(input);
    expect(() => parseCatalog(input)).toThrow(InvalidCatalogError);
    expect(() => parseCatalog(input)).toThrow(message);
  });
});
