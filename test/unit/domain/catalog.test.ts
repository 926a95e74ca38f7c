import { describe, expect, it } from 'vitest';
import { InvalidCatalogError, parseCatalog } from '../../../functions/config/catalog-schema.js';
import { declaredCatalog } from '../../../functions/config/programs.js';
import { programsFor, triggersOf } from '../../../functions/domain/program.js';

const clone = () => structuredClone(declaredCatalog) as unknown as Record<string, any>;

describe('the survey catalog', () => {
  it('declares the demo programs', () => {
    const catalog = parseCatalog(declaredCatalog);
    expect(programsFor(catalog, 'shop.orders', 'OrderDelivered').map((p) => p.kind)).toEqual(['nps']);
    expect(programsFor(catalog, 'support.tickets', 'TicketResolved').map((p) => p.kind)).toEqual(['ces']);
    expect(programsFor(catalog, 'shop.orders', 'OrderPlaced').map((p) => [p.kind, p.delaySeconds])).toEqual([['csat', 7200]]);
    expect(triggersOf(catalog).map((t) => t.detailType)).toEqual(['OrderDelivered', 'OrderReturned', 'OrderPlaced', 'OrderCancelled', 'TicketResolved', 'RecoverySurveyRequested']);
  });

  it('fills defaults: no delay, everyone sampled', () => {
    const [nps] = parseCatalog(declaredCatalog).programs;
    expect(nps).toMatchObject({ delaySeconds: 0, sampleRate: 1 });
    const input = clone();
    input.programs[2].delay = 'P1DT12H';
    expect(parseCatalog(input).programs[2]?.delaySeconds).toBe(36 * 3600);
  });

  it('gives two programs on one trigger one bus rule', () => {
    const input = clone();
    input.programs.push({ ...input.programs[0], id: 'order-delivered-csat', kind: 'csat', rules: [] });
    expect(triggersOf(parseCatalog(input))).toHaveLength(6);
  });

  it.each([
    ['an unknown survey kind', (c: Record<string, any>) => { c.programs[0].kind = 'stars'; }, 'programs.0.kind'],
    ['an unknown locale', (c: Record<string, any>) => { c.programs[1].defaultLocale = 'de'; }, 'programs.1.defaultLocale'],
    ['a rule on an undeclared queue', (c: Record<string, any>) => { c.programs[0].rules[0].queue = 'sales'; }, 'programs.0.rules.0.queue: "sales" is not a declared follow-up queue'],
    ['a threshold outside the scale', (c: Record<string, any>) => { c.programs[2].rules[0].when.scoreAtLeast = 9; }, 'programs.2.rules.0.when.scoreAtLeast: 9 is outside the ces scale'],
    ['a duplicate program id', (c: Record<string, any>) => { c.programs[1].id = c.programs[0].id; }, 'programs.1.id'],
    ['a program id that is not kebab-case', (c: Record<string, any>) => { c.programs[0].id = 'Order Delivered'; }, 'programs.0.id'],
    ['no programs', (c: Record<string, any>) => { c.programs = []; }, 'programs'],
    ['a delay in months', (c: Record<string, any>) => { c.programs[0].delay = 'P1M'; }, 'programs.0.delay: "P1M" is not an ISO 8601 duration'],
    ['a sample rate above 1', (c: Record<string, any>) => { c.programs[0].sampleRate = 1.5; }, 'programs.0.sampleRate'],
    ['a program cancelled by its own trigger', (c: Record<string, any>) => { c.programs[0].cancel.on = [c.programs[0].trigger]; }, 'programs.0.cancel.on.0'],
    ['a question in an unknown locale', (c: Record<string, any>) => { c.programs[0].question = { de: 'Wie?' }; }, 'programs.0.question'],
    ['an escalation to an undeclared queue', (c: Record<string, any>) => { c.programs[0].rules[1].escalateTo = ['board']; }, 'programs.0.rules.1.escalateTo.0: "board" is not a declared follow-up queue'],
    ['an acknowledgement due after the resolution', (c: Record<string, any>) => { c.programs[0].rules[1].acknowledgeWithinHours = 48; }, 'programs.0.rules.1.acknowledgeWithinHours'],
    ['an unknown classification in a rule', (c: Record<string, any>) => { c.programs[0].rules[1].when.classification = ['angry']; }, 'programs.0.rules.1.when.classification'],
    ['quiet hours that are not times', (c: Record<string, any>) => { c.quietHours.start = '9pm'; }, 'quietHours.start'],
    ['a negative rest period', (c: Record<string, any>) => { c.throttle.afterResponseDays = -1; }, 'throttle.afterResponseDays'],
  ])('rejects %s, naming the field', (_, mutate, message) => {
    const input = clone();
    mutate(input);
    expect(() => parseCatalog(input)).toThrow(InvalidCatalogError);
    expect(() => parseCatalog(input)).toThrow(message);
  });
});
