import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { announceCommand, readMessageFile } from '../../cli/announce.js';
import { type CliError, EXIT } from '../../cli/args.js';
import { DynamoAnnouncements } from '../../functions/adapters/dynamo-announcements.js';
import { SqsAnnouncementQueue } from '../../functions/adapters/sqs-announcements.js';
import { keys } from '../../functions/adapters/table-keys.js';
import {
  type AnnouncementClaim,
  type AnnouncementJob,
  type AnnouncementReader,
  type AnnouncementRecords,
  planAnnouncement,
  type SendDeps,
  sendAnnouncement,
} from '../../functions/announce/announce.js';
import { renderAnnouncementEmail } from '../../functions/announce/announcement-email.js';
import { handleAnnouncementRequest } from '../../functions/announce/http.js';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import {
  AnnouncementRefusedError,
  type AnnouncementRequest,
  type AnsweredInvitation,
  announcementIdFor,
  checkAnnouncement,
  countByLocale,
  InvalidAnnouncementError,
  parseAnnouncementMessages,
  selectRecipients,
  UnknownAnnouncementProgramError,
} from '../../functions/domain/announcement.js';
import { caseIdFor } from '../../functions/domain/follow-up-case.js';
import { RecipientRejectedError, type SurveyEmail } from '../../functions/ports.js';
import { declaredCatalog } from '../fixtures/catalog.js';

/** The demo catalog and an eNPS program. */
function catalogWithEnps() {
  const declared = declaredCatalog();
  declared.programs.push({
    id: 'staff-enps',
    trigger: { source: 'hr.reviews', detailType: 'ReviewCompleted' },
    kind: 'enps',
    defaultLocale: 'en',
    ownerTeam: 'support',
    rules: [],
  });
  return parseCatalog(declared);
}
const catalog = catalogWithEnps();

const messages = {
  en: { subject: 'You said, we did', body: 'Hello {name},\n\nwe fixed deliveries at {brand}.' },
  et: { subject: 'Te ütlesite, me tegime', body: 'Tere {name}!\n\n{brand} parandas tarned.' },
};
const request = (overrides: Partial<AnnouncementRequest> = {}): AnnouncementRequest => ({
  programId: 'order-delivered-nps',
  filter: { topic: 'delivery' },
  since: '2026-03-01T00:00:00.000Z',
  messages,
  announcementId: 'ann-1',
  ...overrides,
});
const answer = (n: number, overrides: Partial<AnsweredInvitation> = {}): AnsweredInvitation => ({
  tokenHash: `hash-${n}`,
  programId: 'order-delivered-nps',
  contactKey: `contact-${n}`,
  locale: 'en',
  respondedAt: '2026-03-05T10:00:00.000Z',
  comment: 'The parcel came late',
  email: `p${n}@example.com`,
  ...overrides,
});

describe('the message file', () => {
  it('is a mapping of locale tags to { subject, body }, trimmed', () => {
    expect(parseAnnouncementMessages({ en: { subject: ' Hi ', body: 'Text\n\n' }, 'pt-br': { subject: 'Oi', body: 'Texto' } })).toEqual({
      en: { subject: 'Hi', body: 'Text' },
      'pt-br': { subject: 'Oi', body: 'Texto' },
    });
  });

  it('names every problem by its path: unknown keys, missing or empty fields, bad tags, a subject of two lines', () => {
    const attempt = () =>
      parseAnnouncementMessages({
        en: { subject: 'Hi', body: 'x', footer: 'no' },
        de: { subject: '' },
        EN_us: { subject: 'a', body: 'b' },
        fr: { subject: 'a\nb', body: 'c' },
      });
    expect(attempt).toThrow(InvalidAnnouncementError);
    expect(attempt).toThrow(/en\.footer: unknown key \(subject, body\)/);
    expect(attempt).toThrow(/de\.subject: must be a non-empty string/);
    expect(attempt).toThrow(/de\.body: must be a non-empty string/);
    expect(attempt).toThrow(/EN_us: not a locale tag/);
    expect(attempt).toThrow(/fr\.subject: must be one line/);
  });

  it('is refused when it is not a mapping', () => {
    expect(() => parseAnnouncementMessages(['en'], 'news.yaml')).toThrow(/^news\.yaml: must be a mapping from locale tag/);
    expect(() => parseAnnouncementMessages({ en: 'Hello' })).toThrow(/en: must be a mapping with subject and body/);
  });

  it("must hold the program's default locale", () => {
    expect(() => checkAnnouncement(catalog, request({ messages: { et: messages.et } }))).toThrow(
      /message file: no wording for "en", the default locale of program "order-delivered-nps" \(has: et\)/,
    );
  });
});

describe('checking a request against the catalog', () => {
  it('refuses an eNPS program, an unknown program, topic or root cause, and a bad id', () => {
    expect(() => checkAnnouncement(catalog, request({ programId: 'staff-enps' }))).toThrow(AnnouncementRefusedError);
    expect(() => checkAnnouncement(catalog, request({ programId: 'staff-enps' }))).toThrow(/eNPS program; its respondents are anonymous/);
    expect(() => checkAnnouncement(catalog, request({ programId: 'nope' }))).toThrow(UnknownAnnouncementProgramError);
    expect(() => checkAnnouncement(catalog, request({ filter: { topic: 'weather' } }))).toThrow(
      /^topic: "weather" is not a topic of the catalog \(delivery, price/,
    );
    expect(() => checkAnnouncement(catalog, request({ filter: { rootCause: 'bad-luck' } }))).toThrow(/^rootCause: "bad-luck" is not a root cause/);
    expect(() => checkAnnouncement(catalog, request({ announcementId: 'a b' }))).toThrow(/^announcementId:/);
    expect(checkAnnouncement(catalog, request()).id).toBe('order-delivered-nps');
  });

  it('derives the default id from program, filter, date and message file: the same inputs, the same id', () => {
    const id = announcementIdFor('order-delivered-nps', { topic: 'delivery' }, '2026-03-01', 'en: …');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(announcementIdFor('order-delivered-nps', { topic: 'delivery' }, '2026-03-01T00:00:00Z', 'en: …')).toBe(id);
    expect(announcementIdFor('order-delivered-nps', { rootCause: 'delivery' }, '2026-03-01', 'en: …')).not.toBe(id);
    expect(announcementIdFor('order-delivered-nps', { topic: 'delivery' }, '2026-03-02', 'en: …')).not.toBe(id);
    expect(announcementIdFor('order-delivered-nps', { topic: 'delivery' }, '2026-03-01', 'en: changed')).not.toBe(id);
  });
});

describe('selecting the recipients', () => {
  const program = { defaultLocale: 'en' };

  it('takes answers of the program since the date whose comment carries the topic (in any language), one per person, in their language or the default', () => {
    const selected = selectRecipients(
      [
        answer(1),
        answer(2, { locale: 'et', comment: 'Pakk jäi hiljaks' }),
        answer(3, { locale: 'th' }), // no Thai wording: the default
        answer(4, { comment: 'Too expensive' }), // another topic
        answer(5, { respondedAt: '2026-02-28T23:59:59.999Z' }), // before the date
        answer(6, { programId: 'checkout-csat' }),
        answer(7, { email: undefined }), // forgotten: nobody to write to
        answer(8, { comment: undefined }),
        answer(9, { contactKey: 'contact-1', locale: 'et', respondedAt: '2026-03-06T10:00:00.000Z' }), // person 1 again, later, in Estonian
        answer(10, { locale: 'et-EE' }),
      ],
      request(),
      program,
      catalog,
    );
    expect(selected).toEqual([
      { contactKey: 'contact-1', tokenHash: 'hash-9', locale: 'et' },
      { contactKey: 'contact-2', tokenHash: 'hash-2', locale: 'et' },
      { contactKey: 'contact-3', tokenHash: 'hash-3', locale: 'en' },
      { contactKey: 'contact-10', tokenHash: 'hash-10', locale: 'et' },
    ]);
    expect(countByLocale(selected)).toEqual({ en: 1, et: 3 });
  });

  it('by root cause: answers whose case got it', () => {
    const causes: Record<string, string[]> = { 'hash-1': ['delivery-delay'], 'hash-2': ['pricing'] };
    const selected = selectRecipients(
      [answer(1), answer(2), answer(3)],
      request({ filter: { rootCause: 'delivery-delay' } }),
      program,
      catalog,
      (t) => causes[t] ?? [],
    );
    expect(selected.map((r) => r.contactKey)).toEqual(['contact-1']);
  });
});

/** In-memory reader: answers by program, cases, suppressions and records. */
class FakeReader implements AnnouncementReader {
  constructor(
    readonly stored: AnsweredInvitation[],
    readonly causes: Map<string, string> = new Map(),
    readonly suppressedKeys: Set<string> = new Set(),
    readonly announcedKeys: Set<string> = new Set(),
  ) {}
  readonly asked: { since?: string } = {};
  async *answeredSince(programId: string, since: string) {
    this.asked.since = since;
    const hashes = this.stored.filter((a) => a.programId === programId && a.respondedAt >= since).map((a) => a.tokenHash);
    for (let i = 0; i < hashes.length; i += 2) yield hashes.slice(i, i + 2);
  }
  async answers(tokenHashes: readonly string[]) {
    return this.stored.filter((a) => tokenHashes.includes(a.tokenHash));
  }
  async rootCauses(caseIds: readonly string[]) {
    return new Map([...this.causes].filter(([id]) => caseIds.includes(id)));
  }
  async suppressed(contactKeys: readonly string[]) {
    return new Set(contactKeys.filter((k) => this.suppressedKeys.has(k)));
  }
  async announced(_id: string, contactKeys: readonly string[]) {
    return new Set(contactKeys.filter((k) => this.announcedKeys.has(k)));
  }
}

describe('planAnnouncement (use case)', () => {
  it("queues one job per recipient with its language's wording; skips the suppressed and the already announced", async () => {
    const reader = new FakeReader(
      [answer(1), answer(2, { locale: 'et' }), answer(3), answer(4), answer(5, { comment: 'price' })],
      new Map(),
      new Set(['contact-3']),
      new Set(['contact-4']),
    );
    const queued: AnnouncementJob[] = [];
    const plan = await planAnnouncement(request(), false, { catalog, reader, queue: { enqueue: async (jobs) => void queued.push(...jobs) } });
    expect(plan).toEqual({
      announcementId: 'ann-1',
      programId: 'order-delivered-nps',
      dryRun: false,
      matched: 4,
      recipients: 2,
      byLocale: { en: 1, et: 1 },
      skipped: { suppressed: 1, alreadyAnnounced: 1 },
    });
    expect(queued).toEqual([
      { announcementId: 'ann-1', programId: 'order-delivered-nps', tokenHash: 'hash-1', contactKey: 'contact-1', locale: 'en', ...messages.en },
      { announcementId: 'ann-1', programId: 'order-delivered-nps', tokenHash: 'hash-2', contactKey: 'contact-2', locale: 'et', ...messages.et },
    ]);
    // No name or address travels on the queue: they are read at send time.
    expect(JSON.stringify(queued)).not.toContain('@example.com');
  });

  it('a dry run counts per locale and queues nothing', async () => {
    const queued: AnnouncementJob[] = [];
    const plan = await planAnnouncement(request(), true, {
      catalog,
      reader: new FakeReader([answer(1), answer(2, { locale: 'et' }), answer(3, { locale: 'et' })]),
      queue: { enqueue: async (jobs) => void queued.push(...jobs) },
    });
    expect(plan).toMatchObject({ dryRun: true, recipients: 3, byLocale: { en: 1, et: 2 } });
    expect(queued).toEqual([]);
  });

  it("by root cause: reads each answer's cases by their ids (answer and rule), never searches", async () => {
    const reader = new FakeReader([answer(1), answer(2), answer(3)], new Map([[caseIdFor('hash-2', 'detractor'), 'delivery-delay']]));
    const queued: AnnouncementJob[] = [];
    await planAnnouncement(request({ filter: { rootCause: 'delivery-delay' } }), false, {
      catalog,
      reader,
      queue: { enqueue: async (jobs) => void queued.push(...jobs) },
    });
    expect(queued.map((job) => job.contactKey)).toEqual(['contact-2']);
  });

  it('refuses an eNPS program before reading anything', async () => {
    const reader = new FakeReader([answer(1, { programId: 'staff-enps' })]);
    await expect(planAnnouncement(request({ programId: 'staff-enps' }), true, { catalog, reader, queue: { enqueue: async () => undefined } })).rejects.toThrow(
      AnnouncementRefusedError,
    );
    expect(reader.asked.since).toBeUndefined();
  });
});

const job: AnnouncementJob = {
  announcementId: 'ann-1',
  programId: 'order-delivered-nps',
  tokenHash: 'hash-1',
  contactKey: 'contact-1',
  locale: 'et',
  ...messages.et,
};

/** Records as the table keeps them: one per announcement and contact, a claim with a lease. */
class FakeRecords implements AnnouncementRecords {
  readonly records = new Map<string, { status: 'sending' | 'sent' | 'skipped'; leaseUntil: number }>();
  readonly suppressedKeys = new Set<string>();
  person: { contactKey: string; email: string; name?: string } | undefined = { contactKey: 'contact-1', email: 'mari@example.com', name: 'Mari' };
  async recipient() {
    return this.person;
  }
  async claim(j: AnnouncementJob, now: number, leaseUntil: number): Promise<AnnouncementClaim> {
    const key = `${j.announcementId}#${j.contactKey}`;
    const record = this.records.get(key);
    if (record && !(record.status === 'sending' && record.leaseUntil <= now)) return record.status === 'sending' ? 'held' : 'done';
    if (this.suppressedKeys.has(j.contactKey)) return 'suppressed';
    this.records.set(key, { status: 'sending', leaseUntil });
    return 'claimed';
  }
  async markSent(id: string, contactKey: string) {
    this.records.set(`${id}#${contactKey}`, { status: 'sent', leaseUntil: 0 });
  }
  async release(id: string, contactKey: string) {
    this.records.set(`${id}#${contactKey}`, { status: 'sending', leaseUntil: 0 });
  }
  async skip(id: string, contactKey: string) {
    this.records.set(`${id}#${contactKey}`, { status: 'skipped', leaseUntil: 0 });
  }
}

describe('sendAnnouncement (use case)', () => {
  let records: FakeRecords;
  let sent: SurveyEmail[];
  let failNext: Error | undefined;
  let deps: SendDeps;
  beforeEach(() => {
    records = new FakeRecords();
    sent = [];
    failNext = undefined;
    deps = {
      brand: catalog.brand,
      locales: catalog.locales,
      records,
      mailer: {
        send: async (email) => {
          if (failNext) {
            const error = failNext;
            failNext = undefined;
            throw error;
          }
          sent.push(email);
          return { messageId: `m-${sent.length}` };
        },
      },
      publicBaseUrl: 'https://feedback.example.com/',
      now: () => new Date('2026-03-10T10:00:00Z'),
      leaseSeconds: 87,
      keepDays: 365,
      newUnsubscribeToken: () => 'u'.repeat(43),
    };
  });

  it('sends once: a second delivery of the same job sends nothing', async () => {
    expect(await sendAnnouncement(job, deps)).toEqual({ status: 'sent', messageId: 'm-1', marked: true });
    expect(await sendAnnouncement(job, deps)).toEqual({ status: 'duplicate' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: 'mari@example.com', subject: 'Te ütlesite, me tegime' });
  });

  it('a transient SES failure releases the claim and throws; the retry sends it (once)', async () => {
    failNext = new Error('Throttling');
    await expect(sendAnnouncement(job, deps)).rejects.toThrow('Throttling');
    expect(sent).toHaveLength(0);
    expect(await sendAnnouncement(job, deps)).toMatchObject({ status: 'sent' });
    expect(sent).toHaveLength(1);
  });

  it('a refusal for good is recorded and not retried', async () => {
    failNext = new RecipientRejectedError('no such mailbox');
    expect(await sendAnnouncement(job, deps)).toEqual({ status: 'skipped', reason: 'rejected' });
    expect(await sendAnnouncement(job, deps)).toEqual({ status: 'duplicate' });
    expect(sent).toHaveLength(0);
  });

  it('skips a person suppressed or erased since the selection', async () => {
    records.suppressedKeys.add('contact-1');
    expect(await sendAnnouncement(job, deps)).toEqual({ status: 'skipped', reason: 'suppressed' });
    records.person = undefined;
    expect(await sendAnnouncement(job, deps)).toEqual({ status: 'skipped', reason: 'gone' });
    expect(sent).toHaveLength(0);
  });

  it('throws while another send holds the claim, so the queue retries later', async () => {
    await records.claim(job, 0, Math.floor(Date.parse('2026-03-10T10:01:00Z') / 1000));
    await expect(sendAnnouncement(job, deps)).rejects.toThrow(/held by another send/);
  });
});

describe('the announcement email', () => {
  const url = 'https://feedback.example.com/u/tok';
  it('fills {name} and {brand}, keeps the frame, List-Unsubscribe and the language', () => {
    const email = renderAnnouncementEmail(job, { email: 'mari@example.com', name: 'Mari <b>' }, url, { brand: catalog.brand, locales: catalog.locales });
    expect(email.subject).toBe('Te ütlesite, me tegime');
    expect(email.text).toContain(`Tere Mari <b>!\n\n${catalog.brand.name} parandas tarned.`);
    expect(email.html).toContain('Tere Mari &lt;b&gt;!');
    expect(email.html).toContain('<html lang="et"');
    expect(email.html).toContain(url);
    expect(email.headers).toEqual({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    expect(email.tags).toEqual({ program: 'order-delivered-nps', announcement: 'ann-1' });
  });

  it('closes up the greeting when there is no name', () => {
    const email = renderAnnouncementEmail({ ...job, locale: 'en', ...messages.en }, { email: 'x@example.com' }, url, {
      brand: catalog.brand,
      locales: catalog.locales,
    });
    expect(email.text.startsWith('Hello,\n\nwe fixed deliveries')).toBe(true);
  });
});

describe('DynamoAnnouncements (adapter)', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const store = new DynamoAnnouncements('surveys', DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })));
  beforeEach(() => ddb.reset());

  it('reads answers through the answer index (a Query, page after page), never a scan', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'INV#a', sk: 'INVITATION', programId: 'p', respondedAt: 't' }], LastEvaluatedKey: { pk: 'INV#a' } })
      .resolvesOnce({ Items: [{ pk: 'INV#b', sk: 'INVITATION' }] });
    const pages: (readonly string[])[] = [];
    for await (const page of store.answeredSince('order-delivered-nps', '2026-03-01')) pages.push(page);
    expect(pages).toEqual([['a'], ['b']]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'by-program-answer',
      KeyConditionExpression: '#program = :program AND #answered >= :since',
      ExpressionAttributeValues: { ':program': 'order-delivered-nps', ':since': '2026-03-01T00:00:00.000Z' },
    });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
  });

  it('reads items in batches of 100 and asks again for unprocessed keys', async () => {
    const hashes = Array.from({ length: 150 }, (_, i) => `h${i}`);
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { surveys: [] }, UnprocessedKeys: { surveys: { Keys: [keys.suppression('c-1')] } } })
      .resolves({ Responses: { surveys: [{ pk: 'CONTACT#c-1' }] } });
    expect([...(await store.suppressed(hashes))]).toEqual(['c-1']);
    // 100 + the unprocessed one again + 50.
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 3);
  });

  it('leaves out erased answers (anonymous responses) and forgotten addresses', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        surveys: [
          {
            type: 'invitation',
            tokenHash: 'a',
            programId: 'p',
            contactKey: 'c',
            locale: 'et',
            respondedAt: 't',
            comment: 'x',
            customer: { email: 'a@example.com' },
          },
          { type: 'anonymous-response', programId: 'p', respondedAt: 't' },
          { type: 'invitation', tokenHash: 'b', programId: 'p', contactKey: 'd', locale: 'en', respondedAt: 't', customer: {} },
        ],
      },
    });
    expect(await store.answers(['a', 'b', 'c'])).toEqual([
      { tokenHash: 'a', programId: 'p', contactKey: 'c', locale: 'et', respondedAt: 't', comment: 'x', email: 'a@example.com' },
      { tokenHash: 'b', programId: 'p', contactKey: 'd', locale: 'en', respondedAt: 't' },
    ]);
  });

  it('counts a record as announced unless its claim was released', async () => {
    const future = Math.floor(Date.now() / 1000) + 60;
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        surveys: [
          { contactKey: 'sent', status: 'sent' },
          { contactKey: 'held', status: 'sending', leaseUntil: future },
          { contactKey: 'released', status: 'sending', leaseUntil: 0 },
        ],
      },
    });
    expect([...(await store.announced('ann-1', ['sent', 'held', 'released']))].sort()).toEqual(['held', 'sent']);
  });

  it('claims with a condition, the suppression check and the unsubscribe link in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    expect(await store.claim(job, 100, 187, { key: 'link', expiresAt: 999 }, 999)).toBe('claimed');
    const [call] = ddb.commandCalls(TransactWriteCommand);
    const items = call!.args[0].input.TransactItems!;
    expect(items[0]!.Update).toMatchObject({
      Key: keys.announcement('ann-1', 'contact-1'),
      ConditionExpression: 'attribute_not_exists(pk) OR (#status = :sending AND leaseUntil <= :now)',
    });
    expect(items[1]!.ConditionCheck).toMatchObject({ Key: keys.suppression('contact-1'), ConditionExpression: 'attribute_not_exists(pk)' });
    expect(items[2]!.Put!.Item).toMatchObject({ ...keys.unsubscribeLink('link'), type: 'unsubscribe-link', contactKey: 'contact-1' });
  });

  it('a second claim of a sent record is done; of a held one, held; of a suppressed contact, suppressed', async () => {
    const cancelled = (reasons: { Code: string; Item?: Record<string, unknown> }[]) =>
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: reasons.map((r) => ({ Code: r.Code, ...(r.Item ? { Item: marshall(r.Item) } : {}) })),
      });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([{ Code: 'ConditionalCheckFailed', Item: { status: 'sent' } }, { Code: 'None' }, { Code: 'None' }]))
      .rejectsOnce(cancelled([{ Code: 'ConditionalCheckFailed', Item: { status: 'sending' } }, { Code: 'None' }, { Code: 'None' }]))
      .rejectsOnce(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }]))
      .rejectsOnce(cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }]));
    expect(await store.claim(job, 100, 187, { key: 'l', expiresAt: 1 }, 1)).toBe('done');
    expect(await store.claim(job, 100, 187, { key: 'l', expiresAt: 1 }, 1)).toBe('held');
    expect(await store.claim(job, 100, 187, { key: 'l', expiresAt: 1 }, 1)).toBe('suppressed');
    await expect(store.claim(job, 100, 187, { key: 'l', expiresAt: 1 }, 1)).rejects.toThrow(TransactionCanceledException);
  });

  it('reads the recipient consistently at send time; an erased invitation has none', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { type: 'invitation', contactKey: 'c', customer: { email: 'a@example.com', name: 'Ana' } } })
      .resolvesOnce({
        Item: { type: 'anonymous-response' },
      });
    expect(await store.recipient('a')).toEqual({ contactKey: 'c', email: 'a@example.com', name: 'Ana' });
    expect(await store.recipient('a')).toBeUndefined();
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: keys.invitation('a'), ConsistentRead: true });
  });

  it('marks sent and releases conditionally', async () => {
    ddb.on(UpdateCommand).resolves({});
    await store.markSent('ann-1', 'contact-1', new Date('2026-03-10T10:00:00Z'));
    await store.release('ann-1', 'contact-1');
    expect(ddb).toHaveReceivedNthCommandWith(UpdateCommand, 1, { UpdateExpression: 'SET #status = :sent, sentAt = :at REMOVE leaseUntil' });
    expect(ddb).toHaveReceivedNthCommandWith(UpdateCommand, 2, { ConditionExpression: '#status = :sending' });
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(store.release('ann-1', 'contact-1')).rejects.toThrow(ConditionalCheckFailedException);
  });
});

describe('SqsAnnouncementQueue (adapter)', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  it('sends in batches of 10 and sends the failed entries again', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '3', Code: 'ServiceUnavailable', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    const jobs = Array.from({ length: 12 }, (_, i) => ({ ...job, contactKey: `c${i}` }));
    await new SqsAnnouncementQueue('https://sqs/announce', new SQSClient({ region: 'us-east-1' })).enqueue(jobs);
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(calls).toEqual([10, 1, 2]);
    expect(JSON.parse(sqs.commandCalls(SendMessageBatchCommand)[1]!.args[0].input.Entries![0]!.MessageBody!)).toMatchObject({ contactKey: 'c3' });
  });

  it('fails loudly when SQS keeps refusing', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'KmsThrottled', SenderFault: false, Message: 'slow down' }] });
    await expect(new SqsAnnouncementQueue('https://sqs/announce', new SQSClient({ region: 'us-east-1' })).enqueue([job])).rejects.toThrow(
      /SQS refused 1 announcement messages: slow down/,
    );
  });
});

describe('POST /announcements (the route)', () => {
  const event = (body: unknown, signed = true) =>
    ({
      routeKey: 'POST /announcements',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: signed ? { authorizer: { iam: { userArn: 'arn:aws:iam::1:user/ops' } } } : {},
    }) as unknown as Parameters<typeof handleAnnouncementRequest>[0];
  const deps = { catalog, reader: new FakeReader([answer(1), answer(2, { locale: 'et' })]), queue: { enqueue: async () => undefined } };
  const body = { programId: 'order-delivered-nps', topic: 'delivery', since: '2026-03-01T00:00:00Z', messages, dryRun: true };
  const call = async (b: unknown, signed = true) => {
    const result = await handleAnnouncementRequest(event(b, signed), deps, () => undefined);
    return { status: result.statusCode, body: JSON.parse(result.body as string) };
  };

  it('answers the plan, with an id derived from the request when none is given', async () => {
    const { status, body: plan } = await call(body);
    expect(status).toBe(200);
    expect(plan).toMatchObject({ dryRun: true, recipients: 2, byLocale: { en: 1, et: 1 } });
    expect(plan.announcementId).toBe(announcementIdFor('order-delivered-nps', { topic: 'delivery' }, body.since, JSON.stringify(messages)));
  });

  it('refuses unsigned calls, bad bodies (naming the field), an unknown program and an eNPS program', async () => {
    expect((await call(body, false)).status).toBe(403);
    expect(await call('{')).toEqual({ status: 400, body: { message: 'the body is not JSON' } });
    expect(await call({ ...body, rootCause: 'pricing' })).toEqual({ status: 400, body: { message: 'topic, rootCause: give exactly one of them' } });
    expect((await call({ ...body, since: 'yesterday' })).body.message).toMatch(/^since:/);
    expect((await call({ ...body, extra: 1 })).status).toBe(400);
    expect((await call({ ...body, messages: { en: { subject: 'x', body: 'y', html: '<b>' } } })).status).toBe(400);
    expect((await call({ ...body, messages: { et: messages.et } })).body.message).toMatch(/no wording for "en"/);
    expect((await call({ ...body, programId: 'nope' })).status).toBe(404);
    const enps = await call({ ...body, programId: 'staff-enps' });
    expect(enps.status).toBe(422);
    expect(enps.body.message).toMatch(/eNPS/);
  });
});

describe('closeloop announce (the message file, before anything is sent)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'announce-'));
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  it('reads YAML wording per locale', () => {
    const at = file('ok.yaml', 'en:\n  subject: We fixed it\n  body: |\n    Hello {name},\n\n    thanks.\n');
    expect(readMessageFile(at).messages).toEqual({ en: { subject: 'We fixed it', body: 'Hello {name},\n\nthanks.' } });
  });

  it('names the file and the key at fault, as a usage error (exit 2)', () => {
    const at = file('bad.yaml', 'en:\n  subject: Hi\n  body: Text\n  sender: me\n');
    expect(() => readMessageFile(at)).toThrow(/bad\.yaml: en\.sender: unknown key/);
    try {
      readMessageFile(file('broken.yaml', 'en: [\n'));
    } catch (error) {
      expect((error as CliError).exitCode).toBe(EXIT.usage);
      expect((error as Error).message).toMatch(/broken\.yaml: not YAML/);
    }
    expect(() => readMessageFile(path.join(dir, 'missing.yaml'))).toThrow(/--message-file: cannot read/);
  });

  it('refuses a call without exactly one filter, or with a bad date, before reading anything', async () => {
    await expect(announceCommand.run([], { program: 'p', since: '2026-03-01', 'message-file': 'x' })).rejects.toThrow(
      /exactly one of --topic and --root-cause/,
    );
    await expect(announceCommand.run([], { program: 'p', topic: 't', since: 'March', 'message-file': 'x' })).rejects.toThrow(/--since: "March" is not a date/);
  });
});
