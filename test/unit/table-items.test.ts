import { describe, expect, it } from 'vitest';
import { CorruptItemError, items } from '../../functions/adapters/table-items.js';
import { keys } from '../../functions/adapters/table-keys.js';
import { withoutRespondent } from '../../functions/domain/invitation.js';

const invitation = {
  tokenHash: 'h1',
  programId: 'order-delivered-nps',
  kind: 'nps' as const,
  eventId: 'ord-1',
  contactKey: 'k1',
  locale: 'fa',
  customer: { id: 'c-1', email: 'ana@example.com', name: 'آنا' },
  context: { orderId: '1' },
  createdAt: '2026-12-07T10:00:00.000Z',
  expiresAt: 1_900_000_000,
};
const stored = { ...keys.invitation('h1'), type: 'invitation', ...invitation, scaleMin: 0, scaleMax: 10 };

const message = {
  version: 1,
  caseId: 'AAAAAAAAAAAAAAAAAAAAAA',
  programId: 'order-delivered-nps',
  kind: 'nps',
  score: 3,
  classification: 'detractor',
  comment: null,
  secondAnswer: null,
  topics: [],
  rule: 'detractor',
  queue: 'customer-success',
  ownerTeam: 'cx',
  customer: { id: 'c-1', email: 'ana@example.com' },
  eventId: 'ord-1',
  context: {},
  respondedAt: '2026-12-07T10:00:00.000Z',
  acknowledgeBy: null,
  dueAt: '2026-12-08T10:00:00.000Z',
  links: { case: 'https://api.example/cases/AAAAAAAAAAAAAAAAAAAAAA' },
};
const caseItem = {
  ...keys.case(message.caseId),
  type: 'case',
  caseId: message.caseId,
  version: 1,
  inboxKey: 'customer-success#open',
  inboxDue: 0,
  message,
  status: 'open',
  rung: 0,
  escalateTo: ['escalation'],
  recoverySurvey: false,
  history: [{ at: message.respondedAt, actor: 'closeloop', action: 'opened' }],
};

describe("the table map's item codecs", () => {
  it('reads an invitation back without its keys, gathering the answer into `response`', () => {
    expect(items.invitation(stored)).toEqual(invitation);
    const answered = { ...stored, score: 9, comment: 'خوب', respondedAt: '2026-12-07T11:00:00.000Z', revision: 2, evidence: {} };
    // An answer stored without evidence keeps `{}`, which is no evidence.
    expect(items.invitation(answered).response).toEqual({ score: 9, comment: 'خوب', respondedAt: '2026-12-07T11:00:00.000Z', revision: 2 });
  });

  it('reads an invitation that forgot its respondent (eNPS, erased): no address, no name, no id', () => {
    const forgotten = withoutRespondent(invitation);
    expect(items.invitation({ ...stored, customer: forgotten.customer }).customer).toEqual({});
  });

  it('reads a case without its key and index attributes', () => {
    const record = items.case(caseItem);
    expect(record).not.toHaveProperty('pk');
    expect(record).not.toHaveProperty('inboxKey');
    expect(record.message.caseId).toBe(message.caseId);
  });

  it('names the member at fault in an item of the wrong shape, instead of passing it on', () => {
    expect(() => items.case({ ...caseItem, rung: 'one' })).toThrow(new CorruptItemError('case', 'rung: expected number'));
    expect(() => items.case({ ...caseItem, message: { ...message, customer: { id: 'c-1' } } })).toThrow('message.customer.email: expected string');
    expect(() => items.invitation({ ...stored, kind: 'nsp' })).toThrow('kind: expected one of "nps", "csat", "ces", "enps"');
    expect(() => items.notification({ caseId: 'c', kind: 'acknowledgement' })).toThrow(CorruptItemError);
  });
});
