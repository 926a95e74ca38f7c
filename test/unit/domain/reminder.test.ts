import { describe, expect, it } from 'vitest';
import { InvalidCatalogError, parseCatalog } from '../../../functions/config/catalog-schema.js';
import { builtInLocaleData } from '../../../functions/config/locales.js';
import type { Invitation } from '../../../functions/domain/invitation.js';
import { REMINDER_KEYS } from '../../../functions/domain/messages.js';
import { contactKeyOf } from '../../../functions/domain/policies.js';
import {
  isHeldOut,
  parseReminderEnvelope,
  planReminder,
  reminderBlocked,
  reminderEnvelope,
  reminderResponseCounters,
  reminderScheduleName,
  reminderSentCounters,
} from '../../../functions/domain/reminder.js';
import { buildSegmentReport, reminderComparison } from '../../../functions/domain/report.js';
import { declaredCatalog } from '../../fixtures/catalog.js';

const QUIET = { start: '21:00', end: '08:00' };
const SENT = new Date('2026-11-20T10:00:00Z');
const TTL = Math.floor(SENT.getTime() / 1000) + 14 * 86_400;
const invitationFor = (email: string, over: Partial<Invitation> = {}): Invitation => ({
  tokenHash: 'h'.repeat(43),
  programId: 'p',
  kind: 'nps',
  eventId: 'e',
  contactKey: contactKeyOf(email),
  locale: 'en',
  customer: { id: 'c', email },
  context: {},
  createdAt: SENT.toISOString(),
  expiresAt: TTL,
  ...over,
});
/** The first address in the program's control group, and the first outside it. */
const addresses = (holdout: number) => {
  const all = Array.from({ length: 50 }, (_, i) => `person-${i}@example.com`);
  return {
    heldOut: all.find((email) => isHeldOut('p', contactKeyOf(email), holdout)) as string,
    reminded: all.find((email) => !isHeldOut('p', contactKeyOf(email), holdout)) as string,
  };
};

describe('planning the reminder when the survey is sent', () => {
  it('is due `after` the send, unless the program has none', () => {
    const plan = planReminder({ afterSeconds: 3 * 86_400, holdout: 0 }, invitationFor('a@example.com'), SENT, QUIET);
    expect(plan).toEqual({ plan: 'scheduled', at: new Date('2026-11-23T10:00:00Z') });
    expect(planReminder(undefined, invitationFor('a@example.com'), SENT, QUIET)).toBeUndefined();
  });

  it("waits for the morning when it would fall in the recipient's quiet hours", () => {
    const sentInTheEvening = new Date('2026-11-20T20:30:00Z'); // 22:30 in Zagreb
    const invitation = invitationFor('a@example.com', { customer: { id: 'c', email: 'a@example.com', timeZone: 'Europe/Zagreb' } });
    expect(planReminder({ afterSeconds: 86_400, holdout: 0 }, invitation, sentInTheEvening, QUIET)).toEqual({
      plan: 'scheduled',
      at: new Date('2026-11-22T07:00:00Z'), // 08:00 in Zagreb, the day after
    });
  });

  it('is never planned at or after the link expires', () => {
    const invitation = invitationFor('a@example.com', { expiresAt: Math.floor(SENT.getTime() / 1000) + 86_400 });
    expect(planReminder({ afterSeconds: 86_400, holdout: 0 }, invitation, SENT, QUIET)).toBeUndefined();
    expect(planReminder({ afterSeconds: 86_399, holdout: 0 }, invitation, SENT, QUIET)?.plan).toBe('scheduled');
  });

  it('holds out a deterministic control share, independent of the program sampling, the same every time', () => {
    const { heldOut, reminded } = addresses(0.3);
    expect(planReminder({ afterSeconds: 60, holdout: 0.3 }, invitationFor(heldOut), SENT, QUIET)).toEqual({ plan: 'held-out' });
    expect(planReminder({ afterSeconds: 60, holdout: 0.3 }, invitationFor(reminded), SENT, QUIET)?.plan).toBe('scheduled');
    const contacts = Array.from({ length: 4000 }, (_, i) => contactKeyOf(`c${i}@example.com`));
    const share = contacts.filter((key) => isHeldOut('p', key, 0.3)).length / contacts.length;
    expect(share).toBeGreaterThan(0.27);
    expect(share).toBeLessThan(0.33);
    expect(contacts.some((key) => isHeldOut('p', key, 0))).toBe(false);
    expect(isHeldOut('p', contacts[7] as string, 0.3)).toBe(isHeldOut('p', contacts[7] as string, 0.3));
  });
});

describe('checking a due reminder when its schedule fires', () => {
  const NOW = new Date('2026-11-23T10:00:00Z');
  const planned = invitationFor('a@example.com', { reminder: { plan: 'scheduled' } });

  it('lets an unanswered, unexpired, planned and not yet reminded invitation through', () => {
    expect(reminderBlocked(planned, NOW)).toBeUndefined();
  });

  it.each([
    ['gone', undefined],
    ['answered', { ...planned, response: { score: 9, respondedAt: NOW.toISOString() } }],
    ['expired', { ...planned, expiresAt: Math.floor(NOW.getTime() / 1000) }],
    ['held-out', { ...planned, reminder: { plan: 'held-out' as const } }],
    ['not-planned', { ...planned, reminder: undefined }],
    ['reminded', { ...planned, reminder: { plan: 'scheduled' as const, sentAt: NOW.toISOString() } }],
  ])('refuses it: %s', (reason, invitation) => {
    expect(reminderBlocked(invitation as Invitation | undefined, NOW)).toBe(reason);
  });
});

describe('the reminder message and its schedule', () => {
  const message = { programId: 'p', tokenHash: 'x'.repeat(43), token: 't'.repeat(22), at: '2026-11-23T10:00:00.000Z' };

  it('round-trips the message, which holds no address or name', () => {
    const envelope = reminderEnvelope(message);
    expect(JSON.stringify(envelope)).not.toMatch(/@|email|name"/);
    expect(parseReminderEnvelope(JSON.parse(JSON.stringify(envelope)))).toEqual({ ok: true, value: message });
    expect(parseReminderEnvelope({ source: 'shop.orders' })).toBeUndefined();
  });

  it('names what is wrong in a broken message', () => {
    expect(parseReminderEnvelope({ closeloopReminder: { ...message, version: 2 } })).toEqual({ ok: false, reason: 'closeloopReminder.version: 2 is not 1' });
    expect(parseReminderEnvelope({ closeloopReminder: { version: 1, ...message, token: '' } })).toEqual({
      ok: false,
      reason: 'closeloopReminder.token: a non-empty string is required',
    });
    expect(parseReminderEnvelope({ closeloopReminder: { version: 1, ...message, at: 'soon' } })).toMatchObject({ ok: false, reason: /at: "soon"/ });
  });

  it("names the schedule after the invitation, within Scheduler's 64 characters and alphabet", () => {
    const tokenHash = 'Ab-_'.repeat(10).slice(0, 43);
    expect(reminderScheduleName(tokenHash)).toBe(`closeloop-reminder-${tokenHash}`);
    const deferred = reminderScheduleName(tokenHash, new Date('2026-11-24T07:00:00Z'));
    expect(deferred).not.toBe(reminderScheduleName(tokenHash));
    for (const name of [reminderScheduleName(tokenHash), deferred]) {
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(/^[0-9a-zA-Z-_.]+$/);
    }
  });
});

describe('the response rate with and without the reminder', () => {
  it('counts sends and first answers per group, reminders sent and answers after one', () => {
    expect(reminderSentCounters({ reminder: { plan: 'scheduled' } })).toEqual({ reminderGroupSent: 1 });
    expect(reminderSentCounters({ reminder: { plan: 'held-out' } })).toEqual({ holdoutGroupSent: 1 });
    expect(reminderSentCounters({})).toEqual({});
    const response = { score: 8, respondedAt: '2026-11-23T11:00:00.000Z' };
    expect(reminderResponseCounters({ reminder: { plan: 'held-out' }, response })).toEqual({ holdoutGroupResponses: 1 });
    expect(reminderResponseCounters({ reminder: { plan: 'scheduled' }, response })).toEqual({ reminderGroupResponses: 1 });
    expect(reminderResponseCounters({ reminder: { plan: 'scheduled', sentAt: '2026-11-23T10:00:00.000Z' }, response })).toEqual({
      reminderGroupResponses: 1,
      respondedAfterReminder: 1,
    });
  });

  it('reports both groups with counts and rates, and the uplift in points', () => {
    expect(
      reminderComparison({
        reminderGroupSent: 80,
        reminderGroupResponses: 28,
        holdoutGroupSent: 20,
        holdoutGroupResponses: 4,
        remindersSent: 60,
        respondedAfterReminder: 9,
      }),
    ).toEqual({
      withReminder: { sent: 80, responses: 28, responseRate: 35 },
      heldOut: { sent: 20, responses: 4, responseRate: 20 },
      remindersSent: 60,
      respondedAfterReminder: 9,
      uplift: 15,
    });
    expect(reminderComparison({ sent: 10, responses: 2 })).toBeNull();
    const period = { from: '2026-11-16', to: '2026-11-22' };
    const days = { '2026-11-17': { sent: 10, responses: 3, score_9: 3, class_promoter: 3, reminderGroupSent: 10, reminderGroupResponses: 3 } };
    const report = buildSegmentReport({ id: 'p', kind: 'nps' }, 'all', period, days, {}, { granularity: 'week', minGroupSize: 5 });
    expect(report.reminders).toMatchObject({
      withReminder: { sent: 10, responses: 3, responseRate: 30 },
      heldOut: { sent: 0, responseRate: null },
      uplift: null,
    });
  });

  it('is left out of an anonymous (eNPS) report: no group counts beside its figures', () => {
    const month = { from: '2026-11-01', to: '2026-11-30' };
    const days = {
      '2026-11-17': {
        sent: 10,
        responses: 6,
        score_9: 6,
        class_promoter: 6,
        reminderGroupSent: 8,
        reminderGroupResponses: 5,
        holdoutGroupSent: 2,
        holdoutGroupResponses: 1,
      },
    };
    const cells = { shown: () => true, previousShown: true };
    const report = buildSegmentReport({ id: 'e', kind: 'enps' }, 'all', month, days, {}, { granularity: 'month', minGroupSize: 5, cells });
    expect(report.suppressed).toBe(false);
    expect(report.responses).toBe(6);
    expect(report).not.toHaveProperty('reminders');
  });
});

describe('the catalog key `reminder`', () => {
  const withReminder = (reminder: unknown, ttl?: number) => {
    const declared = declaredCatalog();
    declared.programs[0].reminder = reminder;
    if (ttl !== undefined) declared.invitationTtlDays = ttl;
    return declared;
  };

  it('is parsed into seconds and a holdout share (default 0)', () => {
    expect(parseCatalog(withReminder({ after: 'P3D' })).programs[0]?.reminder).toEqual({ afterSeconds: 3 * 86_400, holdout: 0 });
    expect(parseCatalog(withReminder({ after: 'PT36H', holdout: 0.1 })).programs[0]?.reminder).toEqual({ afterSeconds: 36 * 3600, holdout: 0.1 });
    expect(parseCatalog(declaredCatalog()).programs[0]?.reminder).toBeUndefined();
  });

  const problems = (declared: unknown) => {
    try {
      parseCatalog(declared);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidCatalogError);
      return (error as InvalidCatalogError).problems;
    }
    throw new Error('the catalog was accepted');
  };

  it('refuses an unknown key, naming its path', () => {
    expect(problems(withReminder({ after: 'P3D', afterr: 'P2D' })).join('\n')).toMatch(/programs\.0\.reminder\.afterr/);
  });

  it('refuses an `after` that is not an ISO 8601 duration, naming the path', () => {
    expect(problems(withReminder({ after: '3 days' }))).toEqual([
      'programs.0.reminder.after: "3 days" is not an ISO 8601 duration of weeks, days, hours, minutes or seconds (e.g. "P3D", "PT36H")',
    ]);
    expect(problems(withReminder({ after: 'P1M' }))[0]).toMatch(/^programs\.0\.reminder\.after: "P1M" is not an ISO 8601 duration/);
    expect(problems(withReminder({ after: 'PT0S' }))[0]).toMatch(/^programs\.0\.reminder\.after: "PT0S"/);
  });

  it("refuses a reminder at or after the link's lifetime, naming the path", () => {
    expect(problems(withReminder({ after: 'P14D' }, 14))).toEqual([
      'programs.0.reminder.after: "P14D" is not shorter than the link\'s lifetime (invitationTtlDays: 14); the reminder\'s link would have expired',
    ]);
    expect(problems(withReminder({ after: 'P15D' }, 14))[0]).toMatch(/^programs\.0\.reminder\.after: "P15D" is not shorter than the link's lifetime/);
    expect(parseCatalog(withReminder({ after: 'P13DT23H' }, 14)).programs[0]?.reminder?.afterSeconds).toBe((13 * 24 + 23) * 3600);
  });

  it('refuses a holdout outside 0–0.5, naming the path', () => {
    expect(problems(withReminder({ after: 'P3D', holdout: 0.6 })).join('\n')).toMatch(/programs\.0\.reminder\.holdout/);
    expect(problems(withReminder({ after: 'P3D', holdout: -0.1 })).join('\n')).toMatch(/programs\.0\.reminder\.holdout/);
  });
});

describe('the reminder strings of the locale bundles', () => {
  it('are in every built-in bundle, and the demo catalog parses without a warning', () => {
    for (const [tag, bundle] of Object.entries(builtInLocaleData())) {
      expect(Object.keys((bundle as { reminder: object }).reminder), tag).toEqual([...REMINDER_KEYS]);
    }
    const warnings: string[] = [];
    const catalog = parseCatalog(declaredCatalog(), { warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    expect(catalog.locales.hr?.reminder.subject).toBe('Podsjetnik: kratko pitanje – {brand}');
  });

  it('a bundle lacking them falls back to English, with a warning naming each', () => {
    const { reminder: _new, ...older } = builtInLocaleData().et as Record<string, unknown>;
    const declared = { ...declaredCatalog(), locales: { de: { ...older, reminder: { intro: 'Nur eine Erinnerung.' } } } };
    const warnings: string[] = [];

    const parsed = parseCatalog(declared, { warn: (message) => warnings.push(message) });

    expect(warnings).toEqual([expect.stringMatching(/^locales\.de: lacks reminder\.subject; English is used for them/)]);
    expect(parsed.locales.de?.reminder).toEqual({ subject: 'A reminder: a quick question from {brand}', intro: 'Nur eine Erinnerung.' });
  });

  it('the English bundle must have them: it is the fallback of the others', () => {
    const { reminder: _gone, ...english } = builtInLocaleData().en as Record<string, unknown>;
    expect(() => parseCatalog(declaredCatalog(), { builtIns: { ...builtInLocaleData(), en: english } })).toThrow(
      /\(built-in locale en\)\.reminder: lacks subject, intro/,
    );
  });
});
