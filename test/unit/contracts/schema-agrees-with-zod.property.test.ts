/**
 * The generated JSON Schemas say what the zod schemas say: 10,000 random events, valid and invalid,
 * get the same verdict from schema/event-contract-v1.schema.json (via ajv, formats on, as a producer
 * would run it) and from zod; so do 10,000 against the per-trigger schema of OrderDelivered.
 *
 * Left out of the comparison, as the schemas' descriptions and docs/contracts.md say:
 * - customer.timeZone: zod asks the runtime's time zone database (Intl), which JSON Schema cannot
 *   express; the generator gives only valid zones or none.
 * - lengths of text with characters outside the Basic Multilingual Plane (emoji): zod counts UTF-16
 *   code units, JSON Schema counts characters, so the schema lets through up to twice as many emoji
 *   as zod; the generator's text is within the BMP (ASCII plus Latin, Thai, Persian letters).
 */

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { producerEventSchema } from '../../../functions/domain/event.js';

const ajv = new Ajv2020({ allErrors: false, strict: true });
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
addFormats(ajv);
const generic = ajv.compile(JSON.parse(readFileSync('schema/event-contract-v1.schema.json', 'utf8')));
const orderDelivered = ajv.compile(JSON.parse(readFileSync('docs/schemas/events/shop.orders.OrderDelivered.schema.json', 'utf8')));
const zodGeneric = producerEventSchema();
const zodOrderDelivered = producerEventSchema({ source: 'shop.orders', detailType: 'OrderDelivered' });

const RUNS = 10_000;
const letters = fc.constantFrom(..."abcxyzABCXYZ019-_. @+'éžđกขفا".split(''));
const text = (maxLength: number) => fc.string({ unit: letters, maxLength });
/** Around a bound: just under, at, just over. */
const around = (bound: number) => fc.integer({ min: Math.max(0, bound - 2), max: bound + 2 }).map((n) => 'x'.repeat(n));
const junk = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(text(3), fc.integer(), { maxKeys: 2 }),
);
/** Mostly a valid value, sometimes a wrong one: with every field at stake, about a fifth of the events come out valid (seeded). */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: invalid, weight: 1 });

const instants = fc.date({ min: new Date('1900-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
const occurredAt = mostly(
  fc.oneof(
    instants,
    instants.map((s) => s.replace('.000Z', 'Z')),
    instants.map((s) => s.replace(/\.\d{3}Z$/, '+02:00')),
    instants.map((s) => s.replace(/\.\d{3}Z$/, '-05:30')),
  ),
  fc.oneof(
    fc.constantFrom(
      '2026-02-29T10:00:00Z',
      '2024-02-29T10:00:00Z',
      '2026-04-31T10:00:00Z',
      '2026-11-22T24:00:00Z',
      '2026-11-22T23:59:60Z',
      '2026-11-22 10:00:00Z',
      '2026-11-22t10:00:00z',
      '2026-11-22T10:00Z',
      '2026-11-22T10:00:00',
      '2026-11-22T10:00:00+0200',
      '2026-11-22T10:00:00+24:00',
      '2026-11-22',
      '',
    ),
    text(25),
    junk,
  ),
);
const emails = mostly(
  fc.oneof(fc.emailAddress(), fc.constantFrom('ana@example.com', 'a.b+c@shop.example.co', "o'neil@x.io")),
  fc.oneof(
    fc.constantFrom(
      'a@b-.co',
      'a@-b.co',
      'a..b@x.com',
      '.a@x.com',
      'a.@x.com',
      'a@x.c',
      'a@x.c0m',
      'a@x',
      'a b@x.com',
      'ana@example.com ',
      'ž@x.com',
      'a@ž.com',
      '',
    ),
    text(20),
    junk,
  ),
);
const locale = mostly(
  fc.constantFrom('hr', 'en', 'pt-BR', 'fa_IR', 'zh-Hant-TW', 'tha'),
  fc.oneof(fc.constantFrom('h', 'english', 'hr-', 'hr-x', 'hr--BR', '12', 'hr-BR-toolongtag', ''), text(10), junk),
);
const customer = fc.record(
  {
    id: mostly(
      text(20).filter((s) => s.length > 0),
      fc.oneof(around(256), fc.constant(''), junk),
    ),
    email: emails,
    name: mostly(text(40), fc.oneof(around(200), junk)),
    locale,
    segment: mostly(text(20), fc.oneof(around(100), junk)),
    tier: mostly(text(20), fc.oneof(around(100), junk)),
    timeZone: fc.constantFrom('Europe/Zagreb', 'Asia/Bangkok', 'UTC', 'America/Argentina/Buenos_Aires'),
    extra: junk,
  },
  { requiredKeys: ['id', 'email'] },
);
const detail = fc.record(
  {
    eventId: mostly(
      text(30).filter((s) => s.length > 0),
      fc.oneof(around(256), fc.constant(''), junk),
    ),
    occurredAt,
    customer: mostly(customer, junk),
    context: mostly(fc.dictionary(text(8), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), junk),
    more: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: ['eventId', 'occurredAt', 'customer'] },
);
const source = mostly(fc.constantFrom('shop.orders', 'shop.orders', 'shop.orders', 'support.tickets'), fc.oneof(fc.constant(''), text(5), junk));
const detailType = mostly(fc.constantFrom('OrderDelivered', 'OrderDelivered', 'OrderDelivered', 'TicketResolved'), fc.oneof(fc.constant(''), text(5), junk));
const eventArbitrary = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record(
      { source, 'detail-type': detailType, detail: mostly(detail, junk), id: text(5) },
      { requiredKeys: ['source', 'detail-type', 'detail'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ source, 'detail-type': detailType, detail }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

function compare(validate: (value: unknown) => boolean, schema: z.ZodMiniType, seed: number) {
  const verdicts = { valid: 0, invalid: 0 };
  fc.assert(
    fc.property(eventArbitrary, (event) => {
      const byZod = z.safeParse(schema, event).success;
      const bySchema = validate(event);
      verdicts[byZod ? 'valid' : 'invalid']++;
      expect({ bySchema, event }).toEqual({ bySchema: byZod, event });
    }),
    { numRuns: RUNS, seed },
  );
  console.info(`${RUNS} events: ${verdicts.valid} valid, ${verdicts.invalid} invalid, the same verdict from zod and the JSON Schema`);
  return verdicts;
}

describe('the generated event contract schemas agree with zod (fast-check, 10,000 events each)', () => {
  it('schema/event-contract-v1.schema.json', () => {
    const verdicts = compare(generic, zodGeneric, 16);
    expect(verdicts.valid + verdicts.invalid).toBe(RUNS);
    // Both verdicts are well represented: the comparison is not all one-sided.
    expect(verdicts.valid).toBeGreaterThan(RUNS / 5);
    expect(verdicts.invalid).toBeGreaterThan(RUNS / 5);
  });

  it('docs/schemas/events/shop.orders.OrderDelivered.schema.json (the trigger fixes source and detail-type)', () => {
    const verdicts = compare(orderDelivered, zodOrderDelivered, 1042);
    expect(verdicts.valid).toBeGreaterThan(RUNS / 10);
    expect(verdicts.invalid).toBeGreaterThan(RUNS / 5);
  });
});
