import { beforeEach, describe, expect, it } from 'vitest';
import { type DeliverabilityDeps, recordFeedback } from '../../functions/deliverability/deliverability.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { parseDeliverabilityFeedback } from '../../functions/domain/ses-feedback.js';
import { demoCatalog as catalog } from '../fixtures/catalog.js';
import { InMemoryAggregates } from '../fixtures/in-memory-aggregates.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

const mail = (tags: Record<string, string[]> = { program: ['order-delivered-nps'], survey: ['abc'] }) => ({
  messageId: 'm-1',
  timestamp: '2026-11-23T10:00:00.000Z',
  tags,
});

const bounce = (bounceType: string, recipients: string[], feedbackId = 'fb-1', tags?: Record<string, string[]>) =>
  JSON.stringify({
    source: 'aws.ses',
    'detail-type': 'Email Bounced',
    detail: {
      eventType: 'Bounce',
      mail: mail(tags),
      bounce: {
        bounceType,
        bounceSubType: 'General',
        bouncedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
        timestamp: '2026-11-23T10:00:05.000Z',
        feedbackId,
      },
    },
  });

const complaint = (recipient: string, feedbackId = 'fb-c') =>
  JSON.stringify({
    source: 'aws.ses',
    'detail-type': 'Email Complaint',
    detail: {
      eventType: 'Complaint',
      mail: mail(),
      complaint: { complainedRecipients: [{ emailAddress: recipient }], timestamp: '2026-11-23T11:00:00Z', feedbackId, complaintFeedbackType: 'abuse' },
    },
  });

describe('SES bounce and complaint events', () => {
  it('reads what Closeloop needs from the SES event publishing format', () => {
    expect(parseDeliverabilityFeedback(bounce('Permanent', ['a@example.com', 'b@example.com']))).toEqual({
      ok: true,
      value: {
        type: 'bounce',
        permanent: true,
        subType: 'General',
        recipients: ['a@example.com', 'b@example.com'],
        feedbackId: 'fb-1',
        at: '2026-11-23T10:00:05.000Z',
        messageId: 'm-1',
        programId: 'order-delivered-nps',
        surveyId: 'abc',
      },
    });
    expect(parseDeliverabilityFeedback(complaint('a@example.com'))).toMatchObject({
      ok: true,
      value: { type: 'complaint', permanent: true, subType: 'abuse' },
    });
    expect(parseDeliverabilityFeedback(bounce('Transient', ['a@example.com']))).toMatchObject({ ok: true, value: { permanent: false } });
  });

  it('names what is wrong with anything else', () => {
    expect(parseDeliverabilityFeedback('{')).toEqual({ ok: false, reason: 'the message body is not JSON' });
    const delivery = JSON.stringify({ detail: { eventType: 'Delivery', mail: mail() } });
    expect(parseDeliverabilityFeedback(delivery)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not an SES bounce or complaint event: detail\.eventType/),
    });
    const noRecipients = JSON.stringify({
      detail: {
        eventType: 'Bounce',
        mail: mail(),
        bounce: { bounceType: 'Permanent', bouncedRecipients: [], timestamp: '2026-11-23T10:00:00Z', feedbackId: 'x' },
      },
    });
    expect(parseDeliverabilityFeedback(noRecipients)).toMatchObject({ ok: false, reason: expect.stringContaining('detail.bounce.bouncedRecipients') });
  });
});

describe('recording deliverability feedback', () => {
  let contacts: InMemoryInvitations;
  let aggregates: InMemoryAggregates;
  let rejected: { body: string; reason: string }[];
  let deps: DeliverabilityDeps;
  beforeEach(() => {
    contacts = new InMemoryInvitations();
    aggregates = new InMemoryAggregates();
    rejected = [];
    deps = {
      catalog,
      contacts,
      aggregates,
      deadLetters: {
        reject: async (body, reason) => {
          rejected.push({ body, reason });
        },
      },
    };
  });
  const today = () => aggregates.totals('order-delivered-nps', 'all', '2026-11-23', '2026-11-23');

  it('suppresses every hard-bounced recipient (address normalised) and counts them once per notification', async () => {
    const event = bounce('Permanent', ['A@Example.com', 'b@example.com']);

    expect((await recordFeedback(event, deps)).status).toBe('recorded');
    expect((await recordFeedback(event, deps)).status).toBe('duplicate');

    expect(contacts.suppressed.get(contactKeyOf('a@example.com'))).toBe('bounced');
    expect(contacts.suppressed.get(contactKeyOf('b@example.com'))).toBe('bounced');
    expect(await today()).toEqual({ bouncedHard: 2 });
  });

  it('counts a soft bounce without suppressing, and suppresses on a complaint', async () => {
    await recordFeedback(bounce('Transient', ['soft@example.com'], 'fb-soft'), deps);
    await recordFeedback(complaint('angry@example.com'), deps);

    expect(contacts.suppressed.has(contactKeyOf('soft@example.com'))).toBe(false);
    expect(contacts.suppressed.get(contactKeyOf('angry@example.com'))).toBe('complained');
    expect(await today()).toEqual({ bouncedSoft: 1, complained: 1 });
  });

  it('keeps the first reason: a complaint after an unsubscribe stays an unsubscribe', async () => {
    await contacts.suppress(contactKeyOf('x@example.com'), 'unsubscribed');
    await recordFeedback(complaint('x@example.com'), deps);
    expect(contacts.suppressed.get(contactKeyOf('x@example.com'))).toBe('unsubscribed');
  });

  it('suppresses but does not count mail without a known program tag', async () => {
    await recordFeedback(bounce('Permanent', ['other@example.com'], 'fb-2', { program: ['retired-program'] }), deps);
    await recordFeedback(bounce('Permanent', ['untagged@example.com'], 'fb-3', {}), deps);

    expect(contacts.suppressed.size).toBe(2);
    expect(aggregates.buckets.size).toBe(0);
  });

  it('sets an unreadable message aside with the reason and writes nothing', async () => {
    const outcome = await recordFeedback('{"detail":{}}', deps);

    expect(outcome).toMatchObject({ status: 'rejected' });
    expect(rejected).toEqual([{ body: '{"detail":{}}', reason: expect.stringMatching(/^not an SES bounce or complaint event/) }]);
    expect(contacts.suppressed.size).toBe(0);
  });
});
