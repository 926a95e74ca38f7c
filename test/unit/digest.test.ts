import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { DynamoDigestLedger } from '../../functions/adapters/dynamo-digest-ledger.js';
import { keys } from '../../functions/adapters/table-keys.js';
import { InvalidCatalogError, parseCatalog } from '../../functions/config/catalog-schema.js';
import { DigestDeliveryError, type DigestDeps, sendDigest, UnknownDigestError } from '../../functions/digest/digest.js';
import { handleSendRequest } from '../../functions/digest/http.js';
import { ALL_SEGMENTS, responseCounters } from '../../functions/domain/aggregates.js';
import type { AttemptResult } from '../../functions/domain/delivery-policy.js';
import { cronProblem, digestWeek, isTimeZone } from '../../functions/domain/digest.js';
import type { Catalog } from '../../functions/domain/program.js';
import { type DigestClaim, type DigestLedger, RecipientRejectedError, type SurveyEmail } from '../../functions/ports.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { httpEvent } from '../fixtures/deployed-functions.js';
import { InMemoryAggregates } from '../fixtures/in-memory-aggregates.js';

const SLACK_URL = 'https://hooks.slack.example/services/T0/B0/secret';

function catalogWith(digests: unknown[], extra: Record<string, unknown> = {}): Catalog {
  const declared = declaredCatalog();
  return parseCatalog({
    ...declared,
    programs: [
      ...declared.programs,
      {
        id: 'people-enps',
        trigger: { source: 'hr.reviews', detailType: 'ReviewCompleted' },
        kind: 'enps',
        defaultLocale: 'en',
        ownerTeam: 'support',
        rules: [],
      },
    ],
    integrations: [
      { id: 'cx-slack', kind: 'slack', secret: 'closeloop/slack-url', on: ['FollowUpOpened'] },
      { id: 'cx-webhook', kind: 'webhook', url: 'https://hooks.shop.example/closeloop', secret: 'closeloop/cx-webhook', on: ['FollowUpOpened'] },
    ],
    digests,
    ...extra,
  });
}

const weekly = {
  id: 'weekly',
  schedule: 'cron(0 8 ? * MON *)',
  timeZone: 'Europe/Tallinn',
  to: ['cx-slack', 'ops@shop.example'],
  programs: ['order-delivered-nps', 'people-enps'],
};

/** The sent records in memory, with the same conditions as the DynamoDB ledger. */
class InMemoryLedger implements DigestLedger {
  readonly records = new Map<string, { status: string; leaseUntil?: number }>();
  async claim(digestId: string, week: string, recipient: string, now: number, leaseUntil: number): Promise<DigestClaim> {
    const key = `${digestId}|${week}|${recipient}`;
    const found = this.records.get(key);
    if (found && !(found.status === 'claimed' && (found.leaseUntil ?? 0) < now)) return found.status === 'claimed' ? 'held' : 'sent';
    this.records.set(key, { status: 'claimed', leaseUntil });
    return 'claimed';
  }
  async markSent(digestId: string, week: string, recipient: string, _at: Date, outcome: 'sent' | 'rejected' = 'sent') {
    this.records.set(`${digestId}|${week}|${recipient}`, { status: outcome });
  }
  async release(digestId: string, week: string, recipient: string) {
    const key = `${digestId}|${week}|${recipient}`;
    if (this.records.get(key)?.status === 'claimed') this.records.delete(key);
  }
}

/** One answer in the buckets as the measure stage counts it (under "all"), with a case opened and resolved when given. */
async function answer(
  store: InMemoryAggregates,
  programId: string,
  kind: 'nps' | 'enps',
  id: string,
  day: string,
  score: number,
  extra: Record<string, number> = {},
) {
  const counters = { ...responseCounters(kind, { score }, score <= 6 ? ['delivery'] : []), sent: 1, ...extra };
  await store.applyOnce(`r#${id}`, [{ programId, segment: ALL_SEGMENTS, day, counters }], id, [ALL_SEGMENTS]);
}

// Monday 2026-11-30 08:00 in Tallinn (06:00 UTC): the week that just ended is 2026-11-23 … 2026-11-29.
const NOW = new Date('2026-11-30T06:00:00Z');

function depsFor(catalog: Catalog, store: InMemoryAggregates, overrides: Partial<DigestDeps> = {}) {
  const posts: { url: string; body: string }[] = [];
  const emails: SurveyEmail[] = [];
  let slackAnswer: AttemptResult = { status: 200 };
  const deps: DigestDeps = {
    catalog,
    aggregates: store,
    ledger: new InMemoryLedger(),
    secrets: { read: async (name) => (name === 'closeloop/slack-url' ? SLACK_URL : Promise.reject(new Error(`no ${name}`))) },
    sender: {
      post: async (url, _headers, body) => {
        posts.push({ url, body });
        return slackAnswer;
      },
    },
    mailer: {
      send: async (email) => {
        emails.push(email);
        return { messageId: `m${emails.length}` };
      },
    },
    supportEmail: 'support@shop.example',
    leaseSeconds: 120,
    now: () => NOW,
    ...overrides,
  };
  return { deps, posts, emails, answerSlackWith: (result: AttemptResult) => (slackAnswer = result) };
}

async function seeded(): Promise<InMemoryAggregates> {
  const store = new InMemoryAggregates();
  // The week: 4 promoters, 1 passive, 3 detractors (NPS 12.5); two cases opened, one resolved late.
  const week = [10, 9, 10, 9, 8, 3, 5, 2];
  for (const [i, score] of week.entries()) {
    await answer(store, 'order-delivered-nps', 'nps', `w${i}`, `2026-11-2${3 + (i % 7)}`, score, i === 5 ? { casesOpened: 1 } : {});
  }
  await store.applyOnce(
    'case#1#resolved',
    [
      {
        programId: 'order-delivered-nps',
        segment: ALL_SEGMENTS,
        day: '2026-11-26',
        counters: { casesResolved: 1, acknowledgedInTime: 1, resolveHours_le48: 1, rootCause_late_courier: 1 },
      },
    ],
    'c1',
  );
  await answer(store, 'order-delivered-nps', 'nps', 'w8', '2026-11-27', 1, { casesOpened: 1 });
  // The baseline week before: 2 promoters, 2 detractors (NPS 0).
  for (const [i, score] of [9, 10, 4, 6].entries()) await answer(store, 'order-delivered-nps', 'nps', `b${i}`, `2026-11-1${6 + i}`, score);
  // Outside the week (after it): not counted.
  await answer(store, 'order-delivered-nps', 'nps', 'later', '2026-11-30', 0);
  // eNPS: 3 answers this week and 3 in October — fewer than the minimum group of 5 anywhere.
  for (let i = 0; i < 3; i++) await answer(store, 'people-enps', 'enps', `e${i}`, '2026-11-24', 0);
  for (let i = 0; i < 3; i++) await answer(store, 'people-enps', 'enps', `o${i}`, '2026-10-14', 10);
  return store;
}

describe('digest schedule, zone and week', () => {
  it('accepts EventBridge Scheduler cron expressions and names what is wrong with others', () => {
    expect(cronProblem('cron(0 8 ? * MON *)')).toBeUndefined();
    expect(cronProblem('cron(30 7 1 * ? *)')).toBeUndefined();
    expect(cronProblem('cron(0 8 * * MON *)')).toMatch(/exactly one of day-of-month and day-of-week must be "\?"/);
    expect(cronProblem('cron(0 8 ? * MON)')).toMatch(/has 5 fields; a cron expression has 6/);
    expect(cronProblem('cron(0 25 ? * MON *)')).toMatch(/"25" is not a valid hours field/);
    expect(cronProblem('0 8 * * 1')).toMatch(/is not a cron expression/);
    expect(cronProblem('rate(7 days)')).toMatch(/is not a cron expression/);
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('Europe/Tallinn')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Atlantis')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it("takes the last complete Monday-to-Sunday week in the digest's zone, or the week of a given day", () => {
    expect(digestWeek(NOW, 'Europe/Tallinn')).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    // 23:30 UTC on Sunday is already Monday in Tallinn, still Sunday in New York.
    const sundayNight = new Date('2026-11-29T23:30:00Z');
    expect(digestWeek(sundayNight, 'Europe/Tallinn')).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    expect(digestWeek(sundayNight, 'America/New_York')).toEqual({ from: '2026-11-16', to: '2026-11-22' });
    expect(digestWeek(NOW, 'Europe/Tallinn', '2026-11-30')).toEqual({ from: '2026-11-30', to: '2026-12-06' });
  });
});

describe('digests in the catalog', () => {
  const problems = (digests: unknown[]) => {
    try {
      catalogWith(digests);
    } catch (error) {
      if (error instanceof InvalidCatalogError) return error.problems;
      throw error;
    }
    return [];
  };

  it('parses a valid digest', () => {
    expect(catalogWith([weekly]).digests).toEqual([weekly]);
  });

  it('names the path of an unknown integration, a non-slack one, a bad address, an invalid cron, an unknown zone, unknown programs', () => {
    const found = problems([
      {
        id: 'bad',
        schedule: 'cron(0 8 * * MON *)',
        timeZone: 'Europe/Atlantis',
        to: ['nope', 'cx-webhook', 'ops@', 'cx-slack', 'cx-slack'],
        programs: ['order-delivered-nps', 'ghost'],
      },
    ]);
    expect(found).toEqual([
      'digests.0.schedule: "cron(0 8 * * MON *)": exactly one of day-of-month and day-of-week must be "?"',
      'digests.0.timeZone: "Europe/Atlantis" is not an IANA time zone such as "Europe/Tallinn"',
      'digests.0.to.0: "nope" is neither an email address nor a declared integration (slack integrations: cx-slack)',
      'digests.0.to.1: integration "cx-webhook" is a webhook; a digest goes to slack integrations and email addresses only',
      'digests.0.to.2: "ops@" is not an email address',
      'digests.0.to: "cx-slack" is listed twice',
      expect.stringMatching(/^digests\.0\.programs\.1: "ghost" is not a declared program \(order-delivered-nps, /),
    ]);
  });

  it('names a duplicate id, an empty recipient list and an unknown key', () => {
    expect(problems([weekly, weekly])).toEqual(['digests.1.id: "weekly" is declared twice']);
    expect(problems([{ ...weekly, to: [] }])[0]).toMatch(/^digests\.0\.to: /);
    expect(problems([{ ...weekly, when: 'monday' }])[0]).toMatch(/^digests\.0\.when: unknown key/);
  });
});

describe('sendDigest', () => {
  let store: InMemoryAggregates;
  beforeEach(async () => {
    store = await seeded();
  });

  it("sends the week's figures to Slack (Block Kit) and by email (text and HTML, in the brand's frame)", async () => {
    const { deps, posts, emails } = depsFor(catalogWith([weekly]), store);

    const outcome = await sendDigest({ digestId: 'weekly' }, deps);

    expect(outcome).toEqual({
      digestId: 'weekly',
      week: { from: '2026-11-23', to: '2026-11-29' },
      recipients: [
        { to: 'cx-slack', status: 'sent' },
        { to: 'ops@shop.example', status: 'sent' },
      ],
    });
    expect(posts).toHaveLength(1);
    expect(posts[0]?.url).toBe(SLACK_URL);
    const slack = JSON.parse(posts[0]?.body as string) as { text: string; blocks: { type: string; fields?: { text: string }[] }[] };
    expect(slack.blocks[0]?.type).toBe('header');
    expect(slack.text).toContain('2026-11-23 … 2026-11-29');
    const fields = slack.blocks.flatMap((b) => b.fields ?? []).map((f) => f.text);
    // 9 answers: 4 promoters, 1 passive, 4 detractors → NPS 0; the week before: 2 and 2 → 0.
    expect(fields).toContainEqual(expect.stringMatching(/^\*NPS\*\n0 ± \d+(\.\d)? \(95 % interval -\d+(\.\d)? to \d+(\.\d)?\)$/));
    expect(fields).toContainEqual('*Baseline (the period before)*\n0 in 2026-11-16 … 2026-11-22 (change 0)');
    expect(fields).toContainEqual('*Responses*\n9 of 9 sent (100 %)');
    expect(fields).toContainEqual('*Follow-ups*\n2 opened, 1 resolved; SLA: acknowledged in time 100 %, resolved in time 0 %; median time to resolve ≤ 48 h');
    expect(fields).toContainEqual('*Resolved late*\n1 resolved after their due time');
    expect(fields).toContainEqual('*Top topics*\ndelivery 4 (100 %)');
    expect(fields).toContainEqual('*Top root causes*\nlate_courier 1 (100 %)');

    expect(emails).toHaveLength(1);
    const [email] = emails as [SurveyEmail];
    expect(email.to).toBe('ops@shop.example');
    expect(email.subject).toBe(`${deps.catalog.brand.name} weekly digest · 2026-11-23 … 2026-11-29`);
    expect(email.text).toContain('  Responses: 9 of 9 sent (100 %)');
    expect(email.text).toContain('  Resolved late: 1 resolved after their due time');
    expect(email.html).toContain('<th align="left"');
    expect(email.html).toContain('Stop receiving this digest');
    expect(email.tags).toEqual({ digest: 'weekly', week: '2026-11-23' });
  });

  it("counts each follow-up queue's cases still open past their due time, in Slack and the email", async () => {
    const asked: { queue: string; now: number }[] = [];
    const overdue = {
      countOverdue: async (queue: string, now: number) => {
        asked.push({ queue, now });
        return queue === 'support' ? 2 : 0;
      },
    };
    const { deps, posts, emails } = depsFor(catalogWith([weekly]), store, { overdue, queues: ['customer-success', 'support'] });

    await sendDigest({ digestId: 'weekly' }, deps);

    expect(asked).toEqual([
      { queue: 'customer-success', now: NOW.getTime() },
      { queue: 'support', now: NOW.getTime() },
    ]);
    const line = 'Open and overdue now: customer-success 0, support 2 (2 in all) · closeloop case list --overdue';
    expect(posts[0]?.body).toContain(line);
    expect(emails[0]?.text).toContain(line);
    expect(emails[0]?.html).toContain(line);
  });

  it('says none are overdue when no queue has one, and leaves the line out when nothing counts them', async () => {
    const counted = depsFor(catalogWith([weekly]), store, { overdue: { countOverdue: async () => 0 }, queues: ['support'] });
    await sendDigest({ digestId: 'weekly' }, counted.deps);
    expect(counted.emails[0]?.text).toContain('Open and overdue now: none');
    const uncounted = depsFor(catalogWith([weekly]), await seeded());
    await sendDigest({ digestId: 'weekly' }, uncounted.deps);
    expect(uncounted.emails[0]?.text).not.toContain('Open and overdue now');
  });

  it('keeps eNPS anonymity exactly as the report does: fewer answers than the minimum group show nothing', async () => {
    const { deps, posts, emails } = depsFor(catalogWith([weekly]), store);

    await sendDigest({ digestId: 'weekly' }, deps);

    const slack = posts[0]?.body as string;
    expect(slack).toContain('people-enps');
    expect(slack).toMatch(/\*eNPS\*\\nnot shown — eNPS is anonymous/);
    // No score, count or topic of the three eNPS answers of the week, in either message.
    for (const text of [slack, emails[0]?.text as string, emails[0]?.html as string]) {
      const enps = text.slice(text.indexOf('people-enps'));
      expect(enps).not.toMatch(/-100|3 of 3|Responses/);
    }
  });

  it('sends nothing the second time for the same week, and again for another week', async () => {
    const { deps, posts, emails } = depsFor(catalogWith([weekly]), store);
    await sendDigest({ digestId: 'weekly' }, deps);

    const again = await sendDigest({ digestId: 'weekly' }, deps);

    expect(again.recipients.map((r) => r.status)).toEqual(['already-sent', 'already-sent']);
    expect(posts).toHaveLength(1);
    expect(emails).toHaveLength(1);
    await sendDigest({ digestId: 'weekly', weekOf: '2026-11-16' }, deps);
    expect(posts).toHaveLength(2);
    expect(emails).toHaveLength(2);
  });

  it('on a Slack outage sends the email, throws, and the retry sends only to Slack', async () => {
    const { deps, posts, emails, answerSlackWith } = depsFor(catalogWith([weekly]), store);
    answerSlackWith({ status: 503 });

    await expect(sendDigest({ digestId: 'weekly' }, deps)).rejects.toThrow(DigestDeliveryError);
    expect(emails).toHaveLength(1);

    answerSlackWith({ status: 200 });
    const retry = await sendDigest({ digestId: 'weekly' }, deps);
    expect(retry.recipients).toEqual([
      { to: 'cx-slack', status: 'sent' },
      { to: 'ops@shop.example', status: 'already-sent' },
    ]);
    expect(posts).toHaveLength(2);
    expect(emails).toHaveLength(1);
  });

  it('records a final refusal (a 4xx, an address SES refuses) instead of retrying it for ever', async () => {
    const { deps, answerSlackWith } = depsFor(catalogWith([weekly]), store, {
      mailer: { send: async () => Promise.reject(new RecipientRejectedError('SES refused the message: bad address')) },
    });
    answerSlackWith({ status: 404 });

    const outcome = await sendDigest({ digestId: 'weekly' }, deps);

    expect(outcome.recipients).toEqual([
      { to: 'cx-slack', status: 'rejected', reason: 'HTTP 404' },
      { to: 'ops@shop.example', status: 'rejected', reason: 'SES refused the message: bad address' },
    ]);
    expect((await sendDigest({ digestId: 'weekly' }, deps)).recipients.map((r) => r.status)).toEqual(['already-sent', 'already-sent']);
  });

  it('refuses an unknown digest and skips a Slack integration the runtime catalog lacks (the sandbox without its secret)', async () => {
    const catalog = catalogWith([weekly]);
    const { deps, emails } = depsFor({ ...catalog, integrations: [] }, store);

    await expect(sendDigest({ digestId: 'monthly' }, deps)).rejects.toThrow(UnknownDigestError);
    const outcome = await sendDigest({ digestId: 'weekly' }, deps);
    expect(outcome.recipients[0]).toEqual({ to: 'cx-slack', status: 'skipped', reason: 'no slack integration "cx-slack" is available' });
    expect(emails).toHaveLength(1);
  });

  it('reads the same number of buckets whatever the number of answers (cost independent of volume)', async () => {
    const reads = async (answers: number) => {
      const many = new InMemoryAggregates();
      for (let i = 0; i < answers; i++) await answer(many, 'order-delivered-nps', 'nps', `v${i}`, '2026-11-25', i % 11);
      let calls = 0;
      const counting = new Proxy(many, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          return typeof value === 'function' && ['daily', 'totals', 'segments'].includes(String(key))
            ? (...args: unknown[]) => {
                calls++;
                return value.apply(target, args);
              }
            : value;
        },
      });
      const { deps } = depsFor(catalogWith([{ ...weekly, programs: ['order-delivered-nps'] }]), counting);
      await sendDigest({ digestId: 'weekly' }, deps);
      return calls;
    };
    expect(await reads(10)).toBe(await reads(500));
  });
});

describe('DynamoDigestLedger (aws-sdk-client-mock)', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const ledger = new DynamoDigestLedger('surveys', dynamo as unknown as DynamoDBDocumentClient);
  beforeEach(() => dynamo.reset());

  it('claims with one conditional put keyed by digest, week and a hash of the address (never the address)', async () => {
    dynamo.on(PutCommand).resolves({});

    expect(await ledger.claim('weekly', '2026-11-23', 'ops@shop.example', 1000, 1120)).toBe('claimed');

    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'surveys',
      ConditionExpression: 'attribute_not_exists(pk) OR (#status = :claimed AND leaseUntil < :now)',
      ExpressionAttributeValues: { ':claimed': 'claimed', ':now': 1000 },
    });
    const item = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item as Record<string, unknown>;
    expect(item).toMatchObject({ pk: 'DIGEST#weekly#2026-11-23', type: 'digest-send', status: 'claimed', leaseUntil: 1120 });
    expect(item.sk).toMatch(/^TO#email:[0-9a-f]{32}$/);
    expect(JSON.stringify(item)).not.toContain('ops@shop.example');
    expect(keys.digestSend('weekly', '2026-11-23', 'cx-slack').sk).toBe('TO#integration:cx-slack');
  });

  it("says 'sent' for a send that went out and 'held' for another invocation's live claim", async () => {
    const failed = (status: string) =>
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: { status: { S: status } } });
    dynamo.on(PutCommand).rejectsOnce(failed('sent')).rejectsOnce(failed('rejected')).rejectsOnce(failed('claimed'));

    expect(await ledger.claim('weekly', '2026-11-23', 'cx-slack', 1000, 1120)).toBe('sent');
    expect(await ledger.claim('weekly', '2026-11-23', 'cx-slack', 1000, 1120)).toBe('sent');
    expect(await ledger.claim('weekly', '2026-11-23', 'cx-slack', 1000, 1120)).toBe('held');
  });

  it('marks sent, and releases only a claim (a sent record stays)', async () => {
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(DeleteCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    await ledger.markSent('weekly', '2026-11-23', 'cx-slack', new Date('2026-11-30T06:00:01Z'));
    await expect(ledger.release('weekly', '2026-11-23', 'cx-slack')).resolves.toBeUndefined();

    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'DIGEST#weekly#2026-11-23', sk: 'TO#integration:cx-slack' },
      ExpressionAttributeValues: { ':status': 'sent', ':at': '2026-11-30T06:00:01.000Z' },
    });
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, { ConditionExpression: '#status = :claimed' });
  });
});

describe('POST /digests/{digestId}/send', () => {
  const request = (digestId: string, body?: string, iam = true) =>
    httpEvent('POST', '/digests/{digestId}/send', `/digests/${digestId}/send`, { digestId }, { iam, ...(body === undefined ? {} : { body }) }) as never;

  it('sends the week of the given day, and maps unsigned, unknown, bad and partly failed requests to 403, 404, 400 and 502', async () => {
    const store = await seeded();
    const { deps, answerSlackWith } = depsFor(catalogWith([weekly]), store);
    const audited: string[] = [];
    const send = (r: Parameters<typeof sendDigest>[0]) => sendDigest(r, deps);
    const audit = (actor: string) => audited.push(actor);

    const ok = await handleSendRequest(request('weekly', JSON.stringify({ week: '2026-11-18' })), send, audit);
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body as string)).toMatchObject({ week: { from: '2026-11-16', to: '2026-11-22' } });
    expect(audited).toHaveLength(1);

    expect((await handleSendRequest(request('weekly', undefined, false), send, audit)).statusCode).toBe(403);
    expect((await handleSendRequest(request('monthly'), send, audit)).statusCode).toBe(404);
    const bad = await handleSendRequest(request('weekly', JSON.stringify({ week: 'monday' })), send, audit);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('week');
    answerSlackWith({ status: 500 });
    const partly = await handleSendRequest(request('weekly', JSON.stringify({ week: '2026-11-04' })), send, audit);
    expect(partly.statusCode).toBe(502);
    expect(partly.body).toContain('cx-slack: HTTP 500');
  });
});

describe('DynamoCaseRepository.countOverdue (aws-sdk-client-mock)', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const repository = new DynamoCaseRepository('surveys', dynamo as unknown as DynamoDBDocumentClient);
  beforeEach(() => dynamo.reset());

  it('counts with the inbox index only (Select COUNT, due before now), every open status, every page', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Count: 3, LastEvaluatedKey: { pk: 'x' } })
      .resolvesOnce({ Count: 1 })
      .resolves({ Count: 2 });
    expect(await repository.countOverdue('support', 1_000)).toBe(8);
    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(4);
    for (const query of queries) expect(query).toMatchObject({ IndexName: 'inbox', Select: 'COUNT', ExpressionAttributeValues: { ':now': 1_000 } });
    expect(queries.map((query) => query.ExpressionAttributeValues?.[':key'])).toEqual([
      'support#open',
      'support#open',
      'support#acknowledged',
      'support#escalated',
    ]);
    expect(queries[1]?.ExclusiveStartKey).toEqual({ pk: 'x' });
  });
});
