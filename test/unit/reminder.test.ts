import { beforeEach, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { DISPATCH_LEASE_SECONDS } from '../../functions/config/resources.js';
import { type DispatchDeps, type DispatchOutcome, dispatchEvent, SendInProgressError } from '../../functions/dispatch/dispatch.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { isHeldOut, reminderBlocked, reminderScheduleName } from '../../functions/domain/reminder.js';
import { hashToken } from '../../functions/domain/tokens.js';
import { measureChange } from '../../functions/measure/measure.js';
import {
  type DeadLetterSink,
  RecipientRejectedError,
  type ReminderClaim,
  type ReminderRepository,
  type ReservationGuard,
  type SurveyEmail,
  type SurveyMailer,
  type SurveyScheduler,
} from '../../functions/ports.js';
import { loadReports } from '../../functions/report/load.js';
import { renderText } from '../../functions/report/text.js';
import { declaredCatalog, REMINDER_TEST_PROGRAM } from '../fixtures/catalog.js';
import { orderDelivered } from '../fixtures/events.js';
import { InMemoryAggregates } from '../fixtures/in-memory-aggregates.js';
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
  failures: Error[] = [];
  async schedule(name: string, at: Date, message: string) {
    const failure = this.failures.shift();
    if (failure) throw failure;
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

/** The ReminderRepository contract in memory, over the invitations' fake: claim with a lease, then the mark. */
class InMemoryReminders implements ReminderRepository {
  readonly leases = new Map<string, number>();
  constructor(private readonly store: InMemoryInvitations) {}
  async claimReminder(tokenHash: string, guard: ReservationGuard, leaseUntil: number): Promise<ReminderClaim> {
    const blocked = reminderBlocked(this.store.invitations.get(tokenHash), new Date(guard.now * 1000));
    if (blocked) return blocked as ReminderClaim;
    if ((this.leases.get(tokenHash) ?? 0) > guard.now) return 'held';
    if (this.store.suppressed.has(guard.contactKey)) return 'suppressed';
    if (guard.cancelKey && this.store.cancelled.has(guard.cancelKey)) return 'cancelled';
    this.leases.set(tokenHash, leaseUntil);
    return 'claimed';
  }
  async markReminded(tokenHash: string, at: Date) {
    const invitation = this.store.invitations.get(tokenHash);
    if (invitation?.reminder && !invitation.reminder.sentAt) {
      this.store.invitations.set(tokenHash, { ...invitation, reminder: { ...invitation.reminder, sentAt: at.toISOString() } });
    }
    this.leases.delete(tokenHash);
  }
  async releaseReminder(tokenHash: string) {
    this.leases.delete(tokenHash);
  }
}

const declared = declaredCatalog();
// The demo's order NPS (cancellable by a return, on orderId) with a three-day reminder, and the test program with a 50 % holdout.
declared.programs[0].reminder = { after: 'P3D' };
const catalog = parseCatalog({ ...declared, programs: [...declared.programs, REMINDER_TEST_PROGRAM] });

const NOW = new Date('2026-11-22T10:00:05Z');
const DAY = 86_400_000;
const emails = Array.from({ length: 40 }, (_, i) => `visitor-${i}@example.com`);
const heldOutEmail = emails.find((email) => isHeldOut('reminder-nps', contactKeyOf(email), 0.5)) as string;
const remindedEmail = emails.find((email) => !isHeldOut('reminder-nps', contactKeyOf(email), 0.5)) as string;

const visit = (email: string, eventId = `visit-${email}`, customer: Record<string, unknown> = {}) => ({
  source: 'test.reminders',
  'detail-type': 'VisitCompleted',
  detail: { eventId, occurredAt: NOW.toISOString(), customer: { id: eventId, email, name: 'Mari', locale: 'et', ...customer } },
});

describe('one reminder', () => {
  let invitations: InMemoryInvitations;
  let reminders: InMemoryReminders;
  let mailer: FakeMailer;
  let scheduler: FakeScheduler;
  let deadLetters: FakeDeadLetters;
  let deps: DispatchDeps;
  let now: Date;
  let tokens: number;

  beforeEach(() => {
    invitations = new InMemoryInvitations();
    reminders = new InMemoryReminders(invitations);
    mailer = new FakeMailer();
    scheduler = new FakeScheduler();
    deadLetters = new FakeDeadLetters();
    now = NOW;
    tokens = 0;
    deps = {
      catalog,
      invitations,
      contacts: invitations,
      reminders,
      mailer,
      scheduler,
      deadLetters,
      publicBaseUrl: 'https://feedback.example.com',
      now: () => now,
      newToken: () => `token${String(++tokens).padStart(17, '0')}`,
      leaseSeconds: DISPATCH_LEASE_SECONDS,
    };
  });

  const dispatch = (value: unknown) => dispatchEvent(JSON.stringify(value), deps);
  const token = (n: number) => `token${String(n).padStart(17, '0')}`;
  /** Sends the survey, then returns its reminder's schedule. */
  const surveyed = async (email = remindedEmail) => {
    const [outcome] = await dispatch(visit(email));
    expect(outcome).toMatchObject({ status: 'sent', reminder: 'scheduled' });
    const schedule = scheduler.schedules.get(reminderScheduleName(hashToken(token(tokens))));
    if (!schedule) throw new Error('no reminder schedule');
    return schedule;
  };
  const fire = async (message: string, at: Date) => {
    now = at;
    const [outcome] = await dispatchEvent(message, deps);
    return outcome as DispatchOutcome;
  };

  it('is scheduled when the survey is sent: named after the invitation, due `after` it, carrying the same token and no address', async () => {
    const schedule = await surveyed();

    expect(schedule.at).toEqual(new Date(NOW.getTime() + 6 * 3_600_000));
    const message = JSON.parse(schedule.message);
    expect(message).toEqual({
      closeloopReminder: { version: 1, programId: 'reminder-nps', tokenHash: hashToken(token(1)), token: token(1), at: schedule.at.toISOString() },
    });
    expect(schedule.message).not.toContain('@');
    expect(invitations.invitations.get(hashToken(token(1)))?.reminder).toEqual({ plan: 'scheduled' });
  });

  it('sends the same link once more, in the respondent’s language, with the reminder wording; never a second time', async () => {
    const schedule = await surveyed();
    const rests = JSON.stringify([...invitations.rests]);

    const first = await fire(schedule.message, schedule.at);
    const again = await fire(schedule.message, new Date(schedule.at.getTime() + 60_000));

    expect(first).toMatchObject({ status: 'reminded', programId: 'reminder-nps', marked: true });
    expect(again).toMatchObject({ status: 'reminder-skipped', reason: 'reminded' });
    expect(mailer.sent).toHaveLength(2);
    const [survey, reminder] = mailer.sent as [SurveyEmail, SurveyEmail];
    expect(reminder.subject).toBe('Meeldetuletus: üks kiire küsimus – Closeloop Demo Shop');
    expect(reminder.text).toContain('Väike meeldetuletus: ootame endiselt teie tagasisidet.');
    expect(reminder.text).toContain(`https://feedback.example.com/r/${token(1)}?s=10`);
    expect(reminder.headers).toEqual(survey.headers);
    expect(survey.subject).not.toContain('Meeldetuletus');
    expect(reminder.tags).toMatchObject({ reminder: 'true', survey: hashToken(token(1)) });
    // A reminder takes no rest period.
    expect(JSON.stringify([...invitations.rests])).toBe(rests);
  });

  it('holds out the control group: no schedule, no reminder, the plan recorded on the invitation', async () => {
    const [outcome] = await dispatch(visit(heldOutEmail));

    expect(outcome).toMatchObject({ status: 'sent', reminder: 'held-out' });
    expect(scheduler.schedules.size).toBe(0);
    expect(invitations.invitations.get(hashToken(token(1)))?.reminder).toEqual({ plan: 'held-out' });
  });

  it('schedules nothing for a program without a reminder', async () => {
    const [outcome] = await dispatch(orderDelivered({ customer: { tier: 'silver' } }));
    expect(outcome).toMatchObject({ status: 'sent', reminder: 'scheduled' });
    const noReminder = await dispatchEvent(
      JSON.stringify({ ...orderDelivered({ eventId: 't' }), source: 'support.tickets', 'detail-type': 'TicketResolved' }),
      {
        ...deps,
        catalog: { ...catalog, throttle: { afterSendDays: 0, afterResponseDays: 0 } },
      },
    );
    expect(noReminder[0]).toMatchObject({ status: 'sent' });
    expect(noReminder[0]).not.toHaveProperty('reminder');
    expect(scheduler.schedules.size).toBe(1);
  });

  it('sends nothing after an answer', async () => {
    const schedule = await surveyed();
    await invitations.recordResponse(hashToken(token(1)), { score: 9, respondedAt: NOW.toISOString() }, NOW, Math.floor(NOW.getTime() / 1000) + 86_400);

    expect(await fire(schedule.message, schedule.at)).toMatchObject({ status: 'reminder-skipped', reason: 'answered' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends nothing after an unsubscribe, a bounce or a complaint (the contact is suppressed)', async () => {
    const schedule = await surveyed();
    await invitations.suppress(contactKeyOf(remindedEmail), 'bounced');

    expect(await fire(schedule.message, schedule.at)).toMatchObject({ status: 'reminder-skipped', reason: 'suppressed' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends nothing after an erasure (the unanswered invitation is deleted)', async () => {
    const schedule = await surveyed();
    invitations.invitations.delete(hashToken(token(1)));

    expect(await fire(schedule.message, schedule.at)).toMatchObject({ status: 'reminder-skipped', reason: 'gone' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends nothing once the link has expired', async () => {
    const schedule = await surveyed();
    expect(await fire(schedule.message, new Date(NOW.getTime() + 30 * DAY))).toMatchObject({ status: 'reminder-skipped', reason: 'expired' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends nothing when the survey was cancelled (an order returned) after it was sent', async () => {
    await dispatch(orderDelivered({ customer: { tier: 'silver' } }));
    const schedule = scheduler.schedules.get(reminderScheduleName(hashToken(token(1))))!;
    await invitations.cancelPending('order-delivered-nps#1042');

    expect(await fire(schedule.message, schedule.at)).toMatchObject({ status: 'reminder-skipped', reason: 'cancelled' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends nothing when the program no longer has a reminder', async () => {
    const schedule = await surveyed();
    deps = { ...deps, catalog: { ...catalog, programs: catalog.programs.map(({ reminder: _r, ...p }) => p) } };
    expect(await fire(schedule.message, schedule.at)).toMatchObject({ status: 'reminder-skipped', reason: 'not-planned' });
  });

  it('frees its claim after a transient mail failure and throws, so the retry sends it once', async () => {
    const schedule = await surveyed();
    mailer.failures.push(new Error('Throttling'));

    await expect(fire(schedule.message, schedule.at)).rejects.toThrow('Throttling');
    expect(await fire(schedule.message, schedule.at)).toMatchObject({ status: 'reminded' });
    expect(mailer.sent).toHaveLength(2);
  });

  it('defers a delivery that meets another one’s unexpired claim (two deliveries of one message)', async () => {
    const schedule = await surveyed();
    await reminders.claimReminder(hashToken(token(1)), { contactKey: contactKeyOf(remindedEmail), rests: [], now: schedule.at.getTime() / 1000 }, 2e9);

    await expect(fire(schedule.message, schedule.at)).rejects.toBeInstanceOf(SendInProgressError);
    expect(mailer.sent).toHaveLength(1);
  });

  it('suppresses an address the mail service refuses for good', async () => {
    const schedule = await surveyed();
    mailer.failures.push(new RecipientRejectedError('MessageRejected'));

    expect(await fire(schedule.message, schedule.at)).toMatchObject({ status: 'reminder-skipped', reason: 'rejected' });
    expect(invitations.suppressed.get(contactKeyOf(remindedEmail))).toBe('rejected');
  });

  it('undoes the reservation when its schedule cannot be created, sends nothing, and throws for the retry', async () => {
    scheduler.failures.push(new Error('ServiceUnavailable'));

    await expect(dispatch(visit(remindedEmail))).rejects.toThrow('ServiceUnavailable');
    expect(mailer.sent).toHaveLength(0);
    expect(invitations.invitations.size).toBe(0);
    const [retried] = await dispatch(visit(remindedEmail));
    expect(retried).toMatchObject({ status: 'sent', reminder: 'scheduled' });
    expect(scheduler.schedules.has(reminderScheduleName(hashToken(token(2))))).toBe(true);
  });

  it("puts a late delivery that lands in the recipient's night off to the morning", async () => {
    const [outcome] = await dispatch(visit(remindedEmail, 'night', { timeZone: 'Europe/Tallinn' }));
    expect(outcome).toMatchObject({ status: 'sent' });
    const schedule = scheduler.schedules.get(reminderScheduleName(hashToken(token(1))))!;
    const night = new Date('2026-11-22T22:30:00Z'); // 00:30 in Tallinn

    const deferred = await fire(schedule.message, night);

    expect(deferred).toMatchObject({ status: 'reminder-deferred', at: '2026-11-23T06:00:00.000Z' });
    const morning = scheduler.schedules.get(reminderScheduleName(hashToken(token(1)), new Date('2026-11-23T06:00:00Z')))!;
    expect(await fire(morning.message, morning.at)).toMatchObject({ status: 'reminded' });
    expect(mailer.sent).toHaveLength(2);
  });

  it('rejects a reminder message whose token is not its invitation’s, to the dead letters, without the token', async () => {
    const schedule = await surveyed();
    const forged = JSON.parse(schedule.message);
    forged.closeloopReminder.token = 'forged000000000000000x';

    expect(await fire(JSON.stringify(forged), schedule.at)).toMatchObject({ status: 'rejected' });
    expect(deadLetters.rejected[0]?.reason).toMatch(/its token does not belong to the invitation/);
    expect(deadLetters.rejected[0]?.body).not.toContain('forged');
    expect(mailer.sent).toHaveLength(1);
  });
});

describe('counting reminders for the report (measure stage → closeloop report)', () => {
  const base = {
    tokenHash: 'm'.repeat(43),
    programId: 'reminder-nps',
    kind: 'nps' as const,
    eventId: 'e',
    contactKey: 'k',
    locale: 'en',
    customer: { id: 'c', email: 'c@example.com' },
    context: {},
    createdAt: '2026-11-20T10:00:00.000Z',
    expiresAt: 2e9,
  };

  it('counts each group’s sends and first answers once, the reminder sent, and an answer after it; the report compares the groups', async () => {
    const aggregates = new InMemoryAggregates();
    const deps = { catalog, aggregates, now: () => NOW };
    const reminded = { ...base, reminder: { plan: 'scheduled' as const } };
    const heldOut = { ...base, tokenHash: 'n'.repeat(43), reminder: { plan: 'held-out' as const } };
    const sentAt = '2026-11-21T10:00:00.000Z';
    const remindedSent = { ...reminded, reminder: { plan: 'scheduled' as const, sentAt } };
    const answered = { ...remindedSent, response: { score: 9, respondedAt: '2026-11-21T12:00:00.000Z', revision: 1 } };
    const changed = { ...answered, response: { score: 3, respondedAt: '2026-11-21T13:00:00.000Z', revision: 2 } };

    await measureChange({ type: 'invitation', after: reminded }, deps);
    await measureChange({ type: 'invitation', after: heldOut }, deps);
    await measureChange({ type: 'invitation', before: reminded, after: remindedSent }, deps);
    await measureChange({ type: 'invitation', before: reminded, after: remindedSent }, deps); // a redelivered stream record
    await measureChange({ type: 'invitation', before: remindedSent, after: answered }, deps);
    await measureChange({ type: 'invitation', before: answered, after: changed }, deps); // a changed answer is no second response

    const totals = await aggregates.totals('reminder-nps', 'all', '2026-11-01', '2026-11-30');
    expect(totals).toMatchObject({
      sent: 2,
      responses: 1,
      reminderGroupSent: 1,
      holdoutGroupSent: 1,
      remindersSent: 1,
      reminderGroupResponses: 1,
      respondedAfterReminder: 1,
    });
    const [report] = await loadReports(aggregates, catalog, {
      period: { from: '2026-11-01', to: '2026-11-30' },
      granularity: 'week',
      programIds: ['reminder-nps'],
    });
    expect(report?.reminders).toEqual({
      withReminder: { sent: 1, responses: 1, responseRate: 100 },
      heldOut: { sent: 1, responses: 0, responseRate: 0 },
      remindersSent: 1,
      respondedAfterReminder: 1,
      uplift: 100,
    });
    expect(renderText([report!])).toContain(
      'reminders      with reminder 1 of 1 answered (100 %), held out 0 of 1 (0 %), uplift +100 points; 1 reminders sent, 1 answers after one',
    );
  });
});
