import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dispatchEvent } from '../../functions/dispatch/dispatch.js';
import { testCatalog } from '../fixtures/catalog.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

const sources = fc.constantFrom('shop.orders', 'support.tickets', 'crm.accounts', 'other', '');
const detailTypes = fc.constantFrom('OrderDelivered', 'OrderPlaced', 'OrderCancelled', 'TicketResolved', 'AccountClosed', 'Nope');
const customer = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
    email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 40 })),
    name: fc.string({ unit: 'grapheme', maxLength: 50 }),
    locale: fc.oneof(fc.constantFrom('hr', 'fa-IR', 'th', 'xx'), fc.string({ maxLength: 12 })),
    timeZone: fc.oneof(fc.constantFrom('Europe/Tallinn', 'Asia/Bangkok'), fc.string({ maxLength: 20 })),
  },
  { requiredKeys: [] },
);
const detail = fc.record(
  {
    eventId: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
    occurredAt: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string({ maxLength: 30 }),
    ),
    customer: fc.oneof(customer, fc.anything()),
    context: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue()), fc.anything()),
  },
  { requiredKeys: [] },
);
const event = fc.oneof(
  fc.record({ source: sources, 'detail-type': detailTypes, detail }, { requiredKeys: [] }).map((e) => JSON.stringify(e)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
);

describe('dispatch under 10,000 random events (fast-check)', () => {
  it('never throws, and writes or sends only for a valid event of a program', async () => {
    await fc.assert(
      fc.asyncProperty(event, async (body) => {
        const repository = new InMemoryInvitations();
        const sent: string[] = [];
        const rejected: string[] = [];
        const outcomes = await dispatchEvent(body, {
          catalog: testCatalog,
          invitations: repository,
          contacts: repository,
          mailer: {
            send: async (email) => {
              sent.push(email.to);
              return { messageId: 'm' };
            },
          },
          scheduler: { schedule: async () => 'scheduled' },
          deadLetters: {
            reject: async (_, reason) => {
              rejected.push(reason);
            },
          },
          publicBaseUrl: 'https://f.example.com',
          now: () => new Date('2026-11-22T12:00:00Z'),
          newToken: () => 'AAAAAAAAAAAAAAAAAAAAAA',
          leaseSeconds: 90,
        });
        expect(outcomes.length).toBeGreaterThan(0);
        if (outcomes.some((o) => o.status === 'rejected')) {
          expect(rejected.length).toBeGreaterThan(0);
          expect(sent).toEqual([]);
          expect(repository.writes).toBe(0);
        }
        expect(sent.length).toBeLessThanOrEqual(outcomes.filter((o) => o.status === 'sent').length);
      }),
      { numRuns: 10_000 },
    );
  }, 120_000); // thousands of runs: generous, so a busy machine cannot fail them
});
