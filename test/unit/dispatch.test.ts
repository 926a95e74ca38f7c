import { beforeEach, describe, expect, it } from 'vitest';
import { bufferQueue, DISPATCH_LEASE_SECONDS, DISPATCH_TIMEOUT_SECONDS } from '../../functions/config/resources.js';
import { type DispatchDeps, type DispatchOutcome, dispatchEvent, SendInProgressError, scheduleName } from '../../functions/dispatch/dispatch.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { hashToken, unsubscribeTokenFor } from '../../functions/domain/tokens.js';
import { type DeadLetterSink, RecipientRejectedError, type SurveyEmail, type SurveyMailer, type SurveyScheduler } from '../../functions/ports.js';
import { testCatalog } from '../fixtures/catalog.js';
import { Crash, type CrashPoint, crashingAt } from '../fixtures/crash-points.js';
import { orderDelivered, ticketResolved } from '../fixtures/events.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

class FakeMailer implements SurveyMailer {
  readonly sent: SurveyEmail[] = [];
  failures: Error[] = [];
  async send(email: SurveyEmail) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(email);
    return { messageId: `m-${this.sent.length}` };
  }
}

class FakeScheduler implements SurveyScheduler {
  readonly schedules = new Map<string, { at: Date; message: string }>();
  async schedule(name: string, at: Date, message: string) {
    if (this.schedules.has(name)) return 'duplicate' as const;
    this.schedules.set(name, { at, message });
    return 'scheduled' as const;
  }
}

class FakeDeadLetters implements DeadLetterSink {
  readonly rejected: { body: string; reason: string }[] = [];
  async reject(body: string, reason: string) {
    this.rejected.push({ body, reason });
  }
}

const NOW = new Date('2026-11-22T10:00:05Z');
const allStatuses = (outcomes: DispatchOutcome[]) => outcomes.map((o) => (o.status === 'skipped' ? `skipped:${o.reason}` : o.status));
/** Without the programs the event is not for (the gold-tier CSAT program for silver customers). */
const statuses = (outcomes: DispatchOutcome[]) => allStatuses(outcomes).filter((s) => s !== 'not-in-audience');

function event(source: string, detailType: string, detail: Record<string, unknown>) {
  const base = orderDelivered();
  return { ...base, source, 'detail-type': detailType, detail: { ...base.detail, ...detail } };
}

describe('dispatchEvent', () => {
  let invitations: InMemoryInvitations;
  let mailer: FakeMailer;
  let scheduler: FakeScheduler;
  let deadLetters: FakeDeadLetters;
  let deps: DispatchDeps;
  let now: Date;
  let tokens: number;

  beforeEach(() => {
    invitations = new InMemoryInvitations();
    mailer = new FakeMailer();
    scheduler = new FakeScheduler();
    deadLetters = new FakeDeadLetters();
    now = NOW;
    tokens = 0;
    deps = {
      catalog: testCatalog,
      invitations,
      contacts: invitations,
      mailer,
      scheduler,
      deadLetters,
      publicBaseUrl: 'https://feedback.example.com/',
      now: () => now,
      newToken: () => `token${String(++tokens).padStart(17, '0')}`,
      leaseSeconds: DISPATCH_LEASE_SECONDS,
    };
  });

  const dispatch = (value: unknown) => dispatchEvent(JSON.stringify(value), deps);

  it('stores an invitation and sends one email with the rating and unsubscribe links', async () => {
    const outcomes = await dispatch(orderDelivered());

    // The gold-tier CSAT program matches too, but one event surveys a contact once: it rests after the NPS.
    expect(statuses(outcomes)).toEqual(['sent', 'skipped:throttled']);
    const token = 'token00000000000000001';
    expect(invitations.invitations.get(hashToken(token))).toMatchObject({
      programId: 'order-delivered-nps',
      kind: 'nps',
      locale: 'hr',
      context: { orderId: '1042' },
      contactKey: contactKeyOf('ana@example.com'),
    });
    const email = mailer.sent[0]!;
    expect(email.to).toBe('ana@example.com');
    expect(email.text).toContain(`https://feedback.example.com/r/${token}?s=0`);
    expect(email.text).toContain(`https://feedback.example.com/r/${token}?s=10`);
    expect(email.text).toContain('Vaša narudžba 1042 je dostavljena.');
    expect(email.headers).toEqual({
      'List-Unsubscribe': `<https://feedback.example.com/u/${unsubscribeTokenFor(token)}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(outcomes[0]!.events).toEqual([
      { detailType: 'SurveySent', detail: expect.objectContaining({ programId: 'order-delivered-nps', customerId: 'c-77', surveyId: hashToken(token) }) },
    ]);
  });

  it('sends nothing the second and third time the same event arrives, and says so', async () => {
    const body = orderDelivered({ customer: { tier: 'silver' } });
    await dispatch(body);
    const again = [...(await dispatch(body)), ...(await dispatch(body))];

    expect(statuses(again)).toEqual(['skipped:duplicate', 'skipped:duplicate']);
    expect(again[0]!.events[0]).toEqual({ detailType: 'SurveySkipped', detail: expect.objectContaining({ reason: 'duplicate' }) });
    expect(mailer.sent).toHaveLength(1);
  });

  it('rests a contact across programs: a second purchase within 30 days sends nothing', async () => {
    await dispatch(orderDelivered({ eventId: 'first', customer: { tier: 'silver' } }));
    now = new Date(NOW.getTime() + 29 * 86_400_000);
    const second = await dispatch(ticketResolved('second'));
    now = new Date(NOW.getTime() + 31 * 86_400_000);
    const third = await dispatch(ticketResolved('third'));

    expect(statuses(second)).toEqual(['skipped:throttled']);
    expect(second[0]!.events[0]!.detail).toMatchObject({ reason: 'throttled', programId: 'ticket-resolved-ces' });
    expect(statuses(third)).toEqual(['sent']);
  });

  it('treats the address case-insensitively for rests and suppression', async () => {
    await invitations.suppress(contactKeyOf('ana@example.com'), 'unsubscribed');
    const outcomes = await dispatch(orderDelivered({ customer: { email: 'ANA@Example.com', tier: 'silver' } }));
    expect(statuses(outcomes)).toEqual(['skipped:suppressed']);
    expect(mailer.sent).toHaveLength(0);
  });

  it('records a skip so that a re-delivery after the rest period still sends nothing', async () => {
    await dispatch(orderDelivered({ eventId: 'a', customer: { tier: 'silver' } }));
    const throttled = await dispatch(ticketResolved('b'));
    now = new Date(NOW.getTime() + 40 * 86_400_000);
    const replay = await dispatch(ticketResolved('b'));
    expect([...statuses(throttled), ...statuses(replay)]).toEqual(['skipped:throttled', 'skipped:duplicate']);
  });

  it("applies a program's own throttle and audience", async () => {
    deps = { ...deps, catalog: { ...testCatalog, throttle: { afterSendDays: 0, afterResponseDays: 0 } } };
    const first = await dispatch(orderDelivered({ eventId: 'o1' }));
    const second = await dispatch(orderDelivered({ eventId: 'o2' }));
    const silver = await dispatch(orderDelivered({ eventId: 'o3', customer: { email: 'other@example.com', tier: 'silver' } }));

    expect(allStatuses(first)).toEqual(['sent', 'sent']);
    expect(allStatuses(second)).toEqual(['sent', 'skipped:throttled']);
    expect(allStatuses(silver)).toEqual(['sent', 'not-in-audience']);
  });

  it('samples per contact and program, the same way every time', async () => {
    const review = (n: number, email: string) => event('hr.reviews', 'ReviewCompleted', { eventId: `r-${n}`, customer: { id: `e-${n}`, email } });
    deps = { ...deps, catalog: { ...testCatalog, throttle: { afterSendDays: 0, afterResponseDays: 0 } } };
    const first: string[] = [];
    const second: string[] = [];
    for (let n = 0; n < 200; n++) first.push(...statuses(await dispatch(review(n, `person-${n}@example.com`))));
    for (let n = 0; n < 200; n++) second.push(...statuses(await dispatch(review(n + 1000, `person-${n}@example.com`))));

    expect(second).toEqual(first);
    const sent = first.filter((s) => s === 'sent').length;
    expect(sent).toBeGreaterThan(70);
    expect(sent).toBeLessThan(130);
    expect(first.filter((s) => s === 'skipped:sampled-out')).toHaveLength(200 - sent);
  });

  it('schedules a delayed program from occurredAt and sends when the schedule brings it back', async () => {
    const onboarded = event('crm.accounts', 'AccountOnboarded', {
      eventId: 'acc-9',
      occurredAt: '2026-11-22T09:00:00Z',
      context: { accountId: 'A9' },
      customer: { id: 'c-1', email: 'kai@example.com', locale: 'en' },
    });

    const outcomes = await dispatch(onboarded);

    expect(outcomes).toEqual([expect.objectContaining({ status: 'scheduled', at: '2026-11-24T09:00:00.000Z' })]);
    expect(mailer.sent).toHaveLength(0);
    const [[name, schedule]] = [...scheduler.schedules.entries()] as [[string, { at: Date; message: string }]];
    expect(name).toBe(scheduleName('onboarding-nps', 'acc-9', new Date('2026-11-24T09:00:00Z')));
    expect(statuses(await dispatch(onboarded))).toEqual(['skipped:duplicate']);

    now = new Date('2026-11-24T09:00:01Z');
    const due = await dispatchEvent(schedule.message, deps);

    expect(statuses(due)).toEqual(['sent']);
    expect(mailer.sent[0]?.text).toContain('How likely are you to recommend our onboarding of A9?');
  });

  it('trusts a schedule that brings the event back early (a compressed sandbox clock), and re-checks a late one', async () => {
    const onboarded = event('crm.accounts', 'AccountOnboarded', {
      eventId: 'acc-3',
      occurredAt: '2026-11-22T09:00:00Z',
      context: { accountId: 'A3' },
      customer: { id: 'c-3', email: 'late@example.com', timeZone: 'Europe/Tallinn' },
    });
    await dispatch(onboarded);
    const message = [...scheduler.schedules.values()][0]!.message;

    expect(statuses(await dispatchEvent(message, deps))).toEqual(['sent']);
    invitations.claims.clear();
    invitations.rests.clear();
    now = new Date('2026-11-25T01:00:00Z'); // 03:00 in Tallinn, a day late
    expect(statuses(await dispatchEvent(message, deps))).toEqual(['scheduled']);
  });

  it('lets a cancelling event stop a pending survey, even when it arrives first', async () => {
    const closed = event('crm.accounts', 'AccountClosed', { eventId: 'close-1', context: { accountId: 'A7' } });
    const onboarded = event('crm.accounts', 'AccountOnboarded', { eventId: 'acc-7', occurredAt: '2026-11-22T09:00:00Z', context: { accountId: 'A7' } });
    await dispatch(onboarded);

    expect(statuses(await dispatch(closed))).toEqual(['cancelled-pending']);
    now = new Date('2026-11-24T09:00:01Z');
    const due = await dispatchEvent([...scheduler.schedules.values()][0]!.message, deps);

    expect(statuses(due)).toEqual(['skipped:cancelled']);
    expect(mailer.sent).toHaveLength(0);
  });

  it('dead-letters a cancelling event without the field it matches on', async () => {
    const outcomes = await dispatch(event('crm.accounts', 'AccountClosed', { eventId: 'close-2', context: {} }));
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('detail.context.accountId') });
    expect(deadLetters.rejected).toHaveLength(1);
  });

  it("holds an email back during the recipient's night and schedules it for the morning", async () => {
    now = new Date('2026-11-22T23:30:00Z'); // 00:30 in Zagreb
    const outcomes = await dispatch(orderDelivered({ customer: { timeZone: 'Europe/Zagreb', tier: 'silver' } }));

    expect(outcomes.filter((o) => o.status !== 'not-in-audience')).toEqual([expect.objectContaining({ status: 'scheduled', at: '2026-11-23T07:00:00.000Z' })]);
    expect(mailer.sent).toHaveLength(0);
  });

  it('sends at night when the event carries no time zone', async () => {
    now = new Date('2026-11-22T23:30:00Z');
    expect(statuses(await dispatch(orderDelivered({ customer: { tier: 'silver' } })))).toEqual(['sent']);
  });

  it('frees the reservation when the send fails, so the retry sends exactly once', async () => {
    mailer.failures.push(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException' }));
    const body = orderDelivered({ customer: { tier: 'silver' } });

    await expect(dispatch(body)).rejects.toThrow('Maximum sending rate exceeded.');
    expect(invitations.invitations.size).toBe(0);
    expect(invitations.rests.size).toBe(0);
    const retry = await dispatch(body);

    expect(statuses(retry)).toEqual(['sent']);
    expect(mailer.sent).toHaveLength(1);
  });

  it('suppresses an address SES rejects for good, and does not retry', async () => {
    mailer.failures.push(new RecipientRejectedError('Illegal address'));
    const outcomes = await dispatch(orderDelivered({ customer: { tier: 'silver' } }));

    expect(statuses(outcomes)).toEqual(['skipped:rejected']);
    expect(invitations.suppressed.get(contactKeyOf('ana@example.com'))).toBe('rejected');
    expect(invitations.invitations.size).toBe(0);
  });

  it('sends a contract violation to the dead letters with the reason, and nothing else', async () => {
    const broken = orderDelivered();
    (broken.detail.customer as Record<string, unknown>).email = 'nope';
    const body = JSON.stringify(broken);

    const outcomes = await dispatchEvent(body, deps);

    expect(outcomes).toEqual([{ status: 'rejected', reason: expect.stringContaining('detail.customer.email'), events: [expect.anything()] }]);
    expect(deadLetters.rejected).toEqual([{ body, reason: expect.stringMatching(/^event contract v1: /) }]);
    expect(mailer.sent).toHaveLength(0);
    expect(invitations.writes).toBe(0);
  });

  describe('EventRejected: the producer learns of its rejected event', () => {
    it('names the event and the reason, and carries nothing of the customer, even when the bad field holds an email', async () => {
      const broken = orderDelivered({ eventId: 'ord-9-delivered' });
      const customer = broken.detail.customer as Record<string, unknown>;
      customer.id = { nested: 'ana.private@example.com' };
      customer.email = 'ana.private@example.com@';
      customer.name = 'Ana Private';
      (broken.detail as Record<string, unknown>).occurredAt = 'ana.private@example.com';

      const [outcome] = await dispatchEvent(JSON.stringify(broken), deps);

      expect(outcome?.events).toEqual([
        {
          detailType: 'EventRejected',
          detail: {
            version: 1,
            source: 'shop.orders',
            detailType: 'OrderDelivered',
            eventId: 'ord-9-delivered',
            reason: expect.stringMatching(/^event contract v1: .*detail\.customer\.email/),
            rejectedAt: expect.any(String),
          },
        },
      ]);
      const text = JSON.stringify(outcome?.events);
      for (const personal of ['ana.private', 'example.com', 'Ana Private']) expect(text).not.toContain(personal);
      expect(String((outcome!.events[0]!.detail as { reason: string }).reason)).toMatch(
        /detail\.customer\.id.*detail\.occurredAt|detail\.occurredAt.*detail\.customer\.id/s,
      );
    });

    it('goes out for every kind of rejection: no program for the trigger, a body that is not JSON, an eventId too long to repeat', async () => {
      const [noProgram] = await dispatchEvent(JSON.stringify({ ...orderDelivered({ eventId: 'e-1' }), 'detail-type': 'OrderShipped' }), deps);
      const [notJson] = await dispatchEvent('{oops ana@example.com', deps);
      const [longId] = await dispatchEvent(JSON.stringify(orderDelivered({ eventId: 'x'.repeat(300), customer: { email: 'bad' } })), deps);

      expect(noProgram?.events[0]?.detail).toEqual(expect.objectContaining({ source: 'shop.orders', detailType: 'OrderShipped', eventId: 'e-1' }));
      expect(notJson?.events[0]?.detail).toEqual({
        version: 1,
        reason: 'event contract v1: (root): the message body is not JSON',
        rejectedAt: expect.any(String),
      });
      expect(longId?.events[0]?.detail).not.toHaveProperty('eventId');
    });
  });

  it('dead-letters an event no program listens to, and a body that is not JSON', async () => {
    await dispatch({ ...orderDelivered(), 'detail-type': 'OrderShipped' });
    await dispatchEvent('{oops', deps);
    expect(deadLetters.rejected.map((r) => r.reason)).toEqual([
      expect.stringContaining('no survey program'),
      'event contract v1: (root): the message body is not JSON',
    ]);
  });

  it('falls back to the program language for an unsupported locale', async () => {
    await dispatch(orderDelivered({ customer: { locale: 'de-AT', tier: 'silver' } }));
    expect([...invitations.invitations.values()][0]?.locale).toBe('en');
  });

  describe('effectively once: the process stops at each point between the write and the send', () => {
    const LEASE_MS = DISPATCH_LEASE_SECONDS * 1000;
    const body = () => orderDelivered({ eventId: 'crash-1', customer: { tier: 'silver' } });
    const token = 'token00000000000000001';

    /** The first delivery dies at `point`; then the buffer redelivers, as the queue would. */
    async function crashThenRedeliver(point: CrashPoint) {
      const { store, mailer: dying } = crashingAt(point, invitations, mailer);
      await dispatchEvent(JSON.stringify(body()), { ...deps, invitations: store, contacts: store, mailer: dying }).catch((error: unknown) => {
        // A crash after the mark is not seen by the code: the mark's failure is tolerated; the process would be gone anyway.
        if (!(error instanceof Crash)) throw error;
      });
      const rests = new Map(invitations.rests);
      // Before the lease ends the redelivery must not send: the first delivery could still be running.
      now = new Date(NOW.getTime() + LEASE_MS - 1000);
      const early = await dispatch(body()).catch((error: unknown) => error);
      now = new Date(NOW.getTime() + LEASE_MS + 1000);
      const redelivered = await dispatch(body());
      const later = await dispatch(body());
      return { early, redelivered, later, rests };
    }

    it('(a) before the SES call: nothing sent; the redelivery after the lease sends it once, same invitation and token', async () => {
      const { early, redelivered, later, rests } = await crashThenRedeliver('after-reserve');

      expect(early).toBeInstanceOf(SendInProgressError);
      expect(statuses(redelivered)).toEqual(['sent']);
      expect(redelivered[0]).toMatchObject({ resent: true, marked: true });
      expect(statuses(later)).toEqual(['skipped:duplicate']);
      expect(mailer.sent).toHaveLength(1);
      expect(mailer.sent[0]!.text).toContain(`/r/${token}?s=10`);
      expect([...invitations.invitations.keys()]).toEqual([hashToken(token)]);
      expect(invitations.invitations.get(hashToken(token))?.createdAt).toBe(NOW.toISOString());
      // The rest periods were taken once, by the first delivery, and not again.
      expect(invitations.rests).toEqual(rests);
      expect(invitations.claims.get('order-delivered-nps#crash-1')).toEqual({ status: 'sent', tokenHash: hashToken(token) });
      expect(tokens).toBe(4); // a token drawn per delivery, but only the first one's is ever used
    });

    it('(b) after SES accepted, before the mark: sent twice, the same email — the documented window', async () => {
      const { redelivered, later } = await crashThenRedeliver('after-ses-accepted');

      expect(statuses(redelivered)).toEqual(['sent']);
      expect(statuses(later)).toEqual(['skipped:duplicate']);
      expect(mailer.sent).toHaveLength(2);
      expect(mailer.sent[1]).toEqual(mailer.sent[0]);
      expect(invitations.invitations.size).toBe(1);
    });

    it('(c) after the mark: never again', async () => {
      const { early, redelivered, later } = await crashThenRedeliver('after-mark');

      expect(statuses([...(early as DispatchOutcome[]), ...redelivered, ...later])).toEqual(['skipped:duplicate', 'skipped:duplicate', 'skipped:duplicate']);
      expect(mailer.sent).toHaveLength(1);
    });

    it('lets one of two redeliveries after the lease send; the other waits and then finds it sent', async () => {
      const { store, mailer: dying } = crashingAt('after-reserve', invitations, mailer);
      await expect(dispatchEvent(JSON.stringify(body()), { ...deps, invitations: store, contacts: store, mailer: dying })).rejects.toThrow(Crash);
      now = new Date(NOW.getTime() + LEASE_MS + 1000);
      // The first takes the lease over (a conditional write); the second meets the new lease.
      const mark = invitations.markSent.bind(invitations);
      let concurrent: unknown;
      invitations.markSent = async (...args) => {
        concurrent = await dispatch(body()).catch((error: unknown) => error);
        return mark(...args);
      };

      expect(statuses(await dispatch(body()))).toEqual(['sent']);
      expect(concurrent).toBeInstanceOf(SendInProgressError);
      expect(mailer.sent).toHaveLength(1);
      expect(statuses(await dispatch(body()))).toEqual(['skipped:duplicate']);
    });

    it('does not resend to a contact suppressed meanwhile, and frees what the reservation held', async () => {
      const { store, mailer: dying } = crashingAt('after-reserve', invitations, mailer);
      await expect(dispatchEvent(JSON.stringify(body()), { ...deps, invitations: store, contacts: store, mailer: dying })).rejects.toThrow(Crash);
      await invitations.suppress(contactKeyOf('ana@example.com'), 'unsubscribed');
      now = new Date(NOW.getTime() + LEASE_MS + 1000);

      expect(statuses(await dispatch(body()))).toEqual(['skipped:suppressed']);
      expect(mailer.sent).toHaveLength(0);
      expect(invitations.invitations.size).toBe(0);
      expect(invitations.rests.size).toBe(0);
      expect(invitations.claims.get('order-delivered-nps#crash-1')).toEqual({ status: 'skipped', reason: 'suppressed' });
    });

    it('takes an answered invitation as proof its email arrived: marks it sent, sends nothing', async () => {
      const { store, mailer: dying } = crashingAt('after-ses-accepted', invitations, mailer);
      await expect(dispatchEvent(JSON.stringify(body()), { ...deps, invitations: store, contacts: store, mailer: dying })).rejects.toThrow(Crash);
      await invitations.recordResponse(hashToken(token), { score: 9, respondedAt: NOW.toISOString() }, NOW, 0);
      now = new Date(NOW.getTime() + LEASE_MS + 1000);

      expect(statuses(await dispatch(body()))).toEqual(['skipped:duplicate']);
      expect(mailer.sent).toHaveLength(1);
      expect(invitations.claims.get('order-delivered-nps#crash-1')?.status).toBe('sent');
    });

    it('holds the lease longer than the function can run, and shorter than the first redelivery takes to come', () => {
      expect(DISPATCH_LEASE_SECONDS).toBeGreaterThanOrEqual(DISPATCH_TIMEOUT_SECONDS + 60);
      expect(DISPATCH_LEASE_SECONDS).toBeLessThan(bufferQueue.visibilityTimeoutSeconds - DISPATCH_TIMEOUT_SECONDS);
    });

    it('costs one write more per survey than the reservation: the sent mark', async () => {
      await dispatch(body());
      expect(invitations.writes).toBe(2);
    });
  });

  describe('a program rolled out with the catalog switches', () => {
    const withProgram = (change: Record<string, unknown>) => ({
      ...testCatalog,
      programs: testCatalog.programs.map((p) => (p.id === 'order-delivered-nps' ? { ...p, ...change } : p)),
    });

    it('dryRun: decides and records the decision, reserves and sends nothing; a re-delivery is a duplicate', async () => {
      deps = { ...deps, catalog: withProgram({ dryRun: true }) };
      const body = orderDelivered({ customer: { tier: 'silver' } });

      const outcomes = await dispatch(body);

      expect(statuses(outcomes)).toEqual(['skipped:dry-run']);
      expect(outcomes[0]!.events).toEqual([
        { detailType: 'SurveySkipped', detail: expect.objectContaining({ programId: 'order-delivered-nps', reason: 'dry-run' }) },
      ]);
      expect(mailer.sent).toHaveLength(0);
      expect(invitations.invitations.size).toBe(0);
      expect(invitations.rests.size).toBe(0);
      expect(statuses(await dispatch(body))).toEqual(['skipped:duplicate']);
    });

    it('dryRun still applies the audience and sampling first', async () => {
      deps = { ...deps, catalog: withProgram({ dryRun: true, audience: { tier: ['gold'] } }) };
      expect(allStatuses(await dispatch(orderDelivered({ customer: { tier: 'silver' } })))).toContain('not-in-audience');
    });

    it('enabled: false: the program surveys no one, and a survey it scheduled before is skipped when due', async () => {
      deps = { ...deps, catalog: withProgram({ enabled: false }) };
      expect(statuses(await dispatch(orderDelivered({ customer: { tier: 'silver' } })))).toEqual([]);
      const due = { ...orderDelivered({ eventId: 'ord-77' }), closeloopDue: { programId: 'order-delivered-nps', at: '2026-11-22T10:00:00.000Z' } };
      expect(statuses(await dispatch(due))).toEqual(['skipped:disabled']);
      expect(mailer.sent).toHaveLength(0);
    });
  });
});
