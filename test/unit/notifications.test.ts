import { beforeEach, describe, expect, it } from 'vitest';
import { type CaseDeps, resolveCase } from '../../functions/cases/cases.js';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { builtInLocaleData } from '../../functions/config/locales.js';
import type { Invitation, SurveyResponse } from '../../functions/domain/invitation.js';
import { NOTIFICATION_KEYS } from '../../functions/domain/messages.js';
import { formatDeadline, type Notification } from '../../functions/domain/notification.js';
import { renderAssigneeEmail } from '../../functions/notify/assignee-email.js';
import { renderNotificationEmail } from '../../functions/notify/notification-email.js';
import { type NotifyDeps, sendNotification } from '../../functions/notify/notify.js';
import { type NotificationOutbox, type OutboxClaim, RecipientRejectedError, type SurveyEmail } from '../../functions/ports.js';
import { type FollowUpDeps, routeResponse } from '../../functions/rules/rules.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { InMemoryCases, RecordingPublisher } from '../fixtures/in-memory-cases.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

/** The demo catalog with the detractor rule notifying its respondents, and an eNPS program that tries to. */
function notifyingCatalog(enpsNotifies = false) {
  const declared = declaredCatalog();
  for (const program of declared.programs) {
    for (const rule of program.rules) {
      if (rule.id === 'detractor') rule.notifyRespondent = { onOpen: true, onResolve: true, contactedBy: { et: 'Meie klienditeenindus' } };
    }
  }
  declared.programs.push({
    id: 'staff-enps',
    trigger: { source: 'hr.reviews', detailType: 'ReviewCompleted' },
    kind: 'enps',
    defaultLocale: 'en',
    ownerTeam: 'support',
    // The catalog refuses rules on eNPS altogether (and notifyRespondent on them): declared only to see it refuse.
    rules: enpsNotifies ? [{ id: 'unhappy', when: { scoreAtMost: 6 }, queue: 'customer-success', dueInHours: 24, notifyRespondent: { onOpen: true } }] : [],
  });
  return parseCatalog(declared);
}

const valid = notifyingCatalog();
// The catalog refuses rules and notifyRespondent on eNPS; the domain refuses to notify too, should a catalog carry such a rule anyway.
const notifyingRule = valid.programs.flatMap((program) => program.rules).find((rule) => rule.id === 'detractor')!;
const catalog = {
  ...valid,
  programs: valid.programs.map((program) =>
    program.kind === 'enps' ? { ...program, rules: [{ ...notifyingRule, id: 'unhappy', notifyRespondent: { onOpen: true, onResolve: true } }] } : program,
  ),
};

const answered = (score: number, overrides: Partial<Invitation> = {}): Invitation & { response: SurveyResponse } => ({
  tokenHash: 'hash-1',
  programId: 'order-delivered-nps',
  kind: 'nps',
  eventId: 'ord-1042-delivered',
  contactKey: 'contact-77',
  locale: 'et',
  customer: { id: 'c-77', email: 'mari@example.com', name: 'Mari', tier: 'silver', timeZone: 'Europe/Tallinn' },
  context: { orderId: '1042' },
  createdAt: '2026-11-22T10:00:00Z',
  expiresAt: 2_000_000_000,
  response: { score, comment: 'Pakk jäi hiljaks.', respondedAt: '2026-11-22T12:00:00.000Z' },
  ...overrides,
});

describe('who gets which notification', () => {
  let cases: InMemoryCases;
  let deps: FollowUpDeps;
  const now = new Date('2026-11-22T12:00:01Z');

  beforeEach(() => {
    cases = new InMemoryCases();
    deps = {
      catalog,
      cases,
      publisher: new RecordingPublisher(),
      contacts: new InMemoryInvitations(),
      timing: { slaScale: 1, caseApiBaseUrl: 'https://api.example.com' },
      now: () => now,
    };
  });

  it('stores an acknowledgement with the case of a notifying rule: language, deadline, the team in their language', async () => {
    const { cases: opened } = await routeResponse(answered(3), deps);

    expect(opened).toHaveLength(1);
    const [notification] = [...cases.outbox.values()];
    expect(notification).toMatchObject({
      caseId: opened[0]?.caseId,
      kind: 'acknowledgement',
      locale: 'et',
      contactKey: 'contact-77',
      to: { email: 'mari@example.com', name: 'Mari', timeZone: 'Europe/Tallinn' },
      deadline: opened[0]?.acknowledgeBy,
      team: 'Meie klienditeenindus',
    });
    // The case remembers that its resolution writes to the respondent, and in which language.
    expect(cases.records.get(opened[0]?.caseId as string)?.notifyOnResolve).toEqual({ locale: 'et' });
  });

  it('stores nothing for a rule without notifyRespondent (a promoter) and nothing twice for a re-delivered record', async () => {
    await routeResponse(answered(10), deps);
    expect(cases.outbox.size).toBe(0);

    await routeResponse(answered(2), deps);
    await routeResponse(answered(2), deps);
    expect(cases.outbox.size).toBe(1);
  });

  it('never notifies an eNPS respondent, and the catalog refuses a rule that asks for it', async () => {
    expect(() => notifyingCatalog(true)).toThrow(/an eNPS program never notifies its respondents/);
    const employee = answered(1, { programId: 'staff-enps', kind: 'enps', customer: { id: 'e-7', email: 'e@example.com', segment: 'team-a' } });

    const { cases: opened } = await routeResponse(employee, deps);

    expect(opened).toHaveLength(1);
    expect(cases.outbox.size).toBe(0);
    expect(cases.records.get(opened[0]?.caseId as string)?.notifyOnResolve).toBeUndefined();
  });

  it('resolving with a reply stores the reply (never the note) for the respondent; the history keeps both', async () => {
    const { cases: opened } = await routeResponse(answered(3), deps);
    const caseId = opened[0]?.caseId as string;
    const caseDeps: CaseDeps = { catalog, cases, events: { publish: async () => undefined }, now: () => new Date('2026-11-22T15:00:00Z') };

    const resolved = await resolveCase(caseId, 'agent-1', 'delivery-delay', 'refunded shipping', caseDeps, 'We have refunded your shipping costs.');

    const resolution = cases.outbox.get(`${caseId}#resolution`);
    expect(resolution).toMatchObject({ kind: 'resolution', locale: 'et', reply: 'We have refunded your shipping costs.' });
    expect(JSON.stringify(resolution)).not.toContain('refunded shipping');
    expect(resolved.history.at(-1)).toMatchObject({ action: 'resolved', note: 'refunded shipping', reply: 'We have refunded your shipping costs.' });
  });

  it('resolving without a reply (or with a blank one) sends nothing', async () => {
    const { cases: opened } = await routeResponse(answered(3), deps);
    const caseId = opened[0]?.caseId as string;
    const caseDeps: CaseDeps = { catalog, cases, events: { publish: async () => undefined }, now: () => new Date('2026-11-22T15:00:00Z') };

    await resolveCase(caseId, 'agent-1', 'delivery-delay', 'refunded shipping', caseDeps, '   ');

    expect(cases.outbox.has(`${caseId}#resolution`)).toBe(false);
  });
});

const settings = { brand: { name: 'Demo Shop', footer: 'Demo Shop OÜ, Tallinn' }, locales: catalog.locales, publicBaseUrl: 'https://feedback.example.com' };
const acknowledgement: Notification = {
  caseId: 'case-1',
  kind: 'acknowledgement',
  programId: 'order-delivered-nps',
  contactKey: 'contact-77',
  locale: 'et',
  to: { email: 'mari@example.com', name: 'Mari', timeZone: 'Europe/Tallinn' },
  deadline: '2026-11-22T16:00:00.000Z',
  createdAt: '2026-11-22T12:00:01.000Z',
  expiresAt: 2_000_000_000,
};

describe('the notification emails', () => {
  it("tells an assignee that the customer wrote back: their words escaped, the case page's link, List-Unsubscribe and Closeloop's own header", () => {
    const email = renderAssigneeEmail(
      {
        caseId: 'AbCdEfGhIjKlMnOpQrStUv',
        kind: 'assignee',
        replyId: '5',
        programId: 'order-delivered-nps',
        contactKey: 'k',
        locale: 'en',
        to: { email: 'lead@shop.example' },
        reply: 'The <b>box</b> was dented.',
        customerFrom: 'mari@example.com',
        createdAt: '2026-12-07T10:00:00.000Z',
        expiresAt: 0,
      },
      'https://feedback.example.com/u/abc',
      { workspaceUrl: 'https://feedback.example.com/inbox' },
    );
    expect(email).toMatchObject({ to: 'lead@shop.example', subject: 'Customer replied on case AbCdEfGh (order-delivered-nps)' });
    expect(email.text).toContain('mari@example.com wrote back on 2026-12-07T10:00:00.000Z:\n\nThe <b>box</b> was dented.');
    expect(email.text).toContain('https://feedback.example.com/inbox/AbCdEfGhIjKlMnOpQrStUv');
    expect(email.html).toContain('The &lt;b&gt;box&lt;/b&gt; was dented.');
    expect(email.headers).toMatchObject({ 'X-Closeloop-Notification': 'assignee', 'List-Unsubscribe': '<https://feedback.example.com/u/abc>' });
    expect(email.replyTo).toBeUndefined();
  });

  it("with inbound mail on, Reply-To is the case's own reply address and the body names the support address for anything else", () => {
    const plain = renderNotificationEmail(acknowledgement, 'https://feedback.example.com/u/abc', settings);
    expect(plain.replyTo).toBeUndefined();
    expect(plain.text).not.toContain('support@example.com');
    const email = renderNotificationEmail(acknowledgement, 'https://feedback.example.com/u/abc', settings, {
      replyTo: 'reply+abc@inbound.example.com',
      supportEmail: 'support@example.com',
    });
    expect(email.replyTo).toBe('reply+abc@inbound.example.com');
    expect(email.text).toContain('Võite meile kirjutada ka aadressil support@example.com.');
    expect(email.html).toContain('support@example.com');
  });

  it('acknowledges in the respondent language, with who and by when in their time zone, the brand block and List-Unsubscribe', () => {
    const email = renderNotificationEmail(acknowledgement, 'https://feedback.example.com/u/abc', settings);

    expect(email.subject).toBe('Lugesime teie tagasisidet – Demo Shop');
    expect(email.text).toContain('Tere, Mari!');
    expect(email.text).toContain('Keegi meie meeskonnast võtab teiega ühendust hiljemalt 22. november, kell 18:00');
    expect(email.text).toContain('Demo Shop OÜ, Tallinn');
    expect(email.headers).toEqual({
      'List-Unsubscribe': '<https://feedback.example.com/u/abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Closeloop-Notification': 'acknowledgement',
    });
    expect(email.html).toContain('lang="et"');
  });

  it('writes the deadline in UTC, named, when the time zone is unknown; right to left for Persian', () => {
    expect(formatDeadline('2026-11-22T16:00:00.000Z', 'en')).toBe('November 22 at 04:00 PM UTC');
    const email = renderNotificationEmail({ ...acknowledgement, locale: 'fa', to: { email: 'x@example.com' } }, 'https://x/u/a', settings);
    expect(email.html).toContain('dir="rtl"');
    expect(email.subject).toContain('بازخورد شما را خواندیم');
  });

  it('carries the public reply, escaped, and nothing else of the case', () => {
    const email = renderNotificationEmail(
      { ...acknowledgement, kind: 'resolution', locale: 'en', reply: 'We refunded <b>shipping</b>.' },
      'https://feedback.example.com/u/abc',
      settings,
    );
    expect(email.subject).toBe('An update on your feedback – Demo Shop');
    expect(email.text).toContain('Here is what we have done about your feedback:\n\nWe refunded <b>shipping</b>.');
    expect(email.html).toContain('We refunded &lt;b&gt;shipping&lt;/b&gt;.');
  });
});

/** An outbox that answers claims as told and records what happened. */
class FakeOutbox implements NotificationOutbox {
  claims: OutboxClaim[] = ['claimed'];
  readonly log: string[] = [];
  async claim() {
    return this.claims.shift() ?? 'done';
  }
  async markSent(caseId: string, kind: string) {
    this.log.push(`sent ${caseId} ${kind}`);
  }
  async release(caseId: string) {
    this.log.push(`released ${caseId}`);
  }
  async skip(caseId: string, _kind: string, reason: string) {
    this.log.push(`skipped ${caseId} ${reason}`);
  }
}

describe('sending a notification at most once', () => {
  let outbox: FakeOutbox;
  let sent: SurveyEmail[];
  let failure: Error | undefined;
  let deps: NotifyDeps;

  beforeEach(() => {
    outbox = new FakeOutbox();
    sent = [];
    failure = undefined;
    deps = {
      ...settings,
      outbox,
      mailer: {
        send: async (email) => {
          if (failure) throw failure;
          sent.push(email);
          return { messageId: `m-${sent.length}` };
        },
      },
      now: () => new Date('2026-11-22T12:00:02Z'),
      leaseSeconds: 90,
      linkDays: 365,
      newUnsubscribeToken: () => 'u'.repeat(43),
    };
  });

  it('claims, sends with its own unsubscribe link, and marks it sent', async () => {
    expect(await sendNotification(acknowledgement, deps)).toEqual({ status: 'sent', messageId: 'm-1', marked: true });
    expect(sent[0]?.headers['List-Unsubscribe']).toBe(`<https://feedback.example.com/u/${'u'.repeat(43)}>`);
    expect(outbox.log).toEqual(['sent case-1 acknowledgement']);
  });

  it('sends nothing to a suppressed (unsubscribed or erased) person, and records the skip', async () => {
    outbox.claims = ['suppressed'];
    expect(await sendNotification(acknowledgement, deps)).toEqual({ status: 'skipped', reason: 'suppressed' });
    expect(sent).toEqual([]);
    expect(outbox.log).toEqual(['skipped case-1 suppressed']);
  });

  it('sends nothing for a notification sent before or erased', async () => {
    outbox.claims = ['done', 'gone'];
    expect(await sendNotification(acknowledgement, deps)).toEqual({ status: 'duplicate' });
    expect(await sendNotification(acknowledgement, deps)).toEqual({ status: 'gone' });
    expect(sent).toEqual([]);
  });

  it('releases the claim and fails on a transient SES error (the stream retries); a held claim fails without sending', async () => {
    failure = new Error('Maximum sending rate exceeded.');
    await expect(sendNotification(acknowledgement, deps)).rejects.toThrow('Maximum sending rate exceeded.');
    expect(outbox.log).toEqual(['released case-1']);

    outbox.claims = ['held'];
    await expect(sendNotification(acknowledgement, deps)).rejects.toThrow(/held by another delivery/);
  });

  it('gives up on an address SES refuses for good', async () => {
    failure = new RecipientRejectedError('Illegal address');
    expect(await sendNotification(acknowledgement, deps)).toEqual({ status: 'skipped', reason: 'rejected' });
    expect(outbox.log).toEqual(['skipped case-1 rejected']);
  });
});

describe('notification strings in the bundles', () => {
  it('every built-in bundle has every notification string (no warning)', () => {
    const warnings: string[] = [];
    parseCatalog(declaredCatalog(), { warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    for (const [tag, bundle] of Object.entries(builtInLocaleData())) {
      expect(Object.keys((bundle as { notification: object }).notification), tag).toEqual([...NOTIFICATION_KEYS]);
    }
  });

  it('a bundle made by an older `locale init` falls back to English for the strings it lacks, with a warning naming them', () => {
    const { notification: _new, ...older } = builtInLocaleData().et as Record<string, unknown>;
    const declared = { ...declaredCatalog(), locales: { de: { ...older, notification: { replyHint: 'Antworten Sie einfach auf diese E-Mail.' } } } };
    const warnings: string[] = [];

    const parsed = parseCatalog(declared, { warn: (message) => warnings.push(message) });

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^locales\.de: lacks notification\.acknowledgementSubject, .*notification\.resolutionIntro, notification\.replySubject, notification\.replyIntro, notification\.supportContact; English is used for them/,
    );
    expect(warnings[0]).not.toContain('replyHint');
    expect(parsed.locales.de?.notification.acknowledgementSubject).toBe('We have read your feedback – {brand}');
    expect(parsed.locales.de?.notification.replyHint).toBe('Antworten Sie einfach auf diese E-Mail.');
  });
});
