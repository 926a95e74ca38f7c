import { beforeEach, describe, expect, it } from 'vitest';
import { catalog } from '../../functions/config/catalog.js';
import { dispatchEvent, type DispatchDeps } from '../../functions/dispatch/dispatch.js';
import { hashToken } from '../../functions/domain/tokens.js';
import type { DeadLetterSink, SurveyEmail, SurveyMailer } from '../../functions/ports.js';
import { orderDelivered, ticketResolved } from '../fixtures/events.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

class FakeMailer implements SurveyMailer {
  readonly sent: SurveyEmail[] = [];
  failures = 0;
  async send(email: SurveyEmail) {
    if (this.failures > 0) { this.failures--; throw new Error('TooManyRequestsException'); }
    this.sent.push(email);
    return { messageId: `m-${this.sent.length}` };
  }
}

class FakeDeadLetters implements DeadLetterSink {
  readonly rejected: { body: string; reason: string }[] = [];
  async reject(body: string, reason: string) { this.rejected.push({ body, reason }); }
}

describe('dispatchEvent', () => {
  let invitations: InMemoryInvitations;
  let mailer: FakeMailer;
  let deadLetters: FakeDeadLetters;
  let deps: DispatchDeps;
  let tokens: number;

  beforeEach(() => {
    invitations = new InMemoryInvitations();
    mailer = new FakeMailer();
    deadLetters = new FakeDeadLetters();
    tokens = 0;
    deps = {
      catalog, invitations, mailer, deadLetters,
      publicBaseUrl: 'https://feedback.example.com/',
      now: () => new Date('2026-11-22T10:00:05Z'),
      newToken: () => `token${String(++tokens).padStart(17, '0')}`,
    };
  });

  it('stores an invitation and sends one email with the rating links', async () => {
    const outcomes = await dispatchEvent(JSON.stringify(orderDelivered()), deps);

    expect(outcomes).toEqual([{ status: 'sent', programId: 'order-delivered-nps', eventId: 'ord-1042-delivered', messageId: 'm-1' }]);
    const token = 'token00000000000000001';
    const invitation = invitations.invitations.get(hashToken(token));
    expect(invitation).toMatchObject({ programId: 'order-delivered-nps', kind: 'nps', locale: 'hr', context: { orderId: '1042' } });
    expect(invitation?.expiresAt).toBe(Date.parse('2026-11-22T10:00:05Z') / 1000 + 30 * 86_400);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toBe('ana@example.com');
    expect(mailer.sent[0]?.text).toContain(`https://feedback.example.com/r/${token}?s=0`);
    expect(mailer.sent[0]?.text).toContain(`https://feedback.example.com/r/${token}?s=10`);
  });

  it('sends nothing the second and third time the same event arrives', async () => {
    const body = JSON.stringify(orderDelivered());
    await dispatchEvent(body, deps);
    const again = [...(await dispatchEvent(body, deps)), ...(await dispatchEvent(body, deps))];

    expect(again.map((o) => o.status)).toEqual(['duplicate', 'duplicate']);
    expect(mailer.sent).toHaveLength(1);
    expect(invitations.invitations.size).toBe(1);
  });

  it('treats the same eventId of another program as a different survey', async () => {
    await dispatchEvent(JSON.stringify(orderDelivered({ eventId: 'shared-1' })), deps);
    await dispatchEvent(JSON.stringify(ticketResolved('shared-1')), deps);
    expect(mailer.sent.map((e) => e.tags.program)).toEqual(['order-delivered-nps', 'ticket-resolved-ces']);
  });

  it('frees the claim when the send fails, so the retry sends exactly once', async () => {
    mailer.failures = 1;
    const body = JSON.stringify(orderDelivered());

    await expect(dispatchEvent(body, deps)).rejects.toThrow('TooManyRequestsException');
    expect(invitations.invitations.size).toBe(0);
    const retry = await dispatchEvent(body, deps);

    expect(retry.map((o) => o.status)).toEqual(['sent']);
    expect(mailer.sent).toHaveLength(1);
    expect(invitations.invitations.size).toBe(1);
  });

  it('sends a contract violation to the dead letters with the reason, and nothing else', async () => {
    const event = orderDelivered();
    (event.detail.customer as Record<string, unknown>).email = 'nope';
    const body = JSON.stringify(event);

    const outcomes = await dispatchEvent(body, deps);

    expect(outcomes).toEqual([{ status: 'rejected', reason: expect.stringContaining('detail.customer.email') }]);
    expect(deadLetters.rejected).toEqual([{ body, reason: expect.stringMatching(/^event contract v1: /) }]);
    expect(mailer.sent).toHaveLength(0);
    expect(invitations.writes).toBe(0);
  });

  it('dead-letters an event no program listens to', async () => {
    const body = JSON.stringify({ ...orderDelivered(), 'detail-type': 'OrderShipped' });
    const outcomes = await dispatchEvent(body, deps);
    expect(outcomes[0]).toEqual({ status: 'rejected', reason: expect.stringContaining('no survey program') });
    expect(deadLetters.rejected).toHaveLength(1);
  });

  it('falls back to the program language for an unsupported locale', async () => {
    await dispatchEvent(JSON.stringify(orderDelivered({ customer: { locale: 'de-AT' } })), deps);
    expect([...invitations.invitations.values()][0]?.locale).toBe('en');
  });
});
