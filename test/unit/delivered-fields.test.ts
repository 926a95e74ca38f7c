/**
 * What integrations receive is an allow-list (issue 25, item 2): the fields the integration-event
 * schemas name for each type, minus the customer and the producer's context, unless the integration
 * opts in. The list is plain data in functions/domain/integrations.ts; this test holds it to the schemas.
 */
import { describe, expect, it } from 'vitest';
import { INTEGRATION_EVENT_SCHEMAS } from '../../functions/domain/integration-event-schemas.js';
import { INTEGRATION_EVENT_TYPES } from '../../functions/domain/integration-events.js';
import { DELIVERED_FIELDS, detailFor, PERSONAL_FIELDS } from '../../functions/domain/integrations.js';

const shapeOf = (type: keyof typeof INTEGRATION_EVENT_SCHEMAS) =>
  Object.keys((INTEGRATION_EVENT_SCHEMAS[type] as unknown as { _zod: { def: { shape: Record<string, unknown> } } })._zod.def.shape);

const recovery = {
  eventId: 'recovery-AAAA',
  occurredAt: '2026-12-07T10:00:00Z',
  customer: { id: 'c-1', email: 'ana@example.com', name: 'Ana' },
  context: {
    orderId: '1042',
    shippingAddress: 'Tamme 5, Tallinn',
    phone: '+372 5555 1234',
    secondEmail: 'ana.private@example.org',
    caseId: 'AAAA',
    programId: 'p',
  },
};
const none = { includePersonalData: false, shareContext: [] };

describe('what an integration receives of an event', () => {
  it.each(INTEGRATION_EVENT_TYPES.map((type) => [type]))("%s: the schema's fields, without customerId, customer and context", (type) => {
    const expected = shapeOf(type).filter((field) => ![...PERSONAL_FIELDS, 'context'].includes(field));
    expect([...DELIVERED_FIELDS[type]].sort()).toEqual(expected.sort());
  });

  it("by default, a recovery request's context is only its case and program: no address, phone or second email", () => {
    expect(detailFor(none, 'RecoverySurveyRequested', recovery)).toEqual({
      eventId: 'recovery-AAAA',
      occurredAt: '2026-12-07T10:00:00Z',
      context: { caseId: 'AAAA', programId: 'p' },
    });
  });

  it('adds the customer with includePersonalData, and only the context keys shareContext names', () => {
    expect(detailFor({ includePersonalData: true, shareContext: ['orderId', 'absent'] }, 'RecoverySurveyRequested', recovery)).toEqual({
      eventId: 'recovery-AAAA',
      occurredAt: '2026-12-07T10:00:00Z',
      customer: recovery.customer,
      context: { caseId: 'AAAA', programId: 'p', orderId: '1042' },
    });
  });

  it('drops what a producer or a later version adds to a detail, and is the same for a replay of its own output', () => {
    const opened = {
      version: 1,
      caseId: 'AAAA',
      programId: 'p',
      rule: 'r',
      queue: 'q',
      ownerTeam: 't',
      customerId: 'c-1',
      score: 2,
      classification: 'detractor',
      acknowledgeBy: null,
      dueAt: '2026-12-08T10:00:00Z',
      address: 'Tamme 5',
      context: { phone: '+372' },
    };
    const delivered = detailFor(none, 'FollowUpOpened', opened);
    expect(delivered).not.toHaveProperty('address');
    expect(delivered).not.toHaveProperty('customerId');
    expect(delivered).not.toHaveProperty('context');
    expect(detailFor(none, 'FollowUpOpened', delivered)).toEqual(delivered);
  });
});
