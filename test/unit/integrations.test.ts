import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { InvalidCatalogError, parseCatalog } from '../../functions/config/catalog-schema.js';
import { type DeliverDeps, deliver, parseDeliverable, replay, UndeliverableMessageError } from '../../functions/deliver/deliver.js';
import { type AttemptResult, MAX_DELIVERY_ATTEMPTS, RETRY_WINDOW_SECONDS, retryDelaySeconds, verdictOf } from '../../functions/domain/delivery-policy.js';
import { type DeliverableEvent, type Integration, webhookId, withoutPersonalData } from '../../functions/domain/integrations.js';
import { slackMessage } from '../../functions/domain/slack-message.js';
import { signWebhook, webhookBody } from '../../functions/domain/webhooks.js';
import type { DeliveryLog, DeliveryRecord } from '../../functions/ports.js';
import { declaredCatalog } from '../fixtures/catalog.js';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const webhook: Integration = {
  id: 'cx-webhook',
  kind: 'webhook',
  url: 'https://hooks.shop.example/closeloop',
  secret: 'closeloop/cx-webhook',
  on: ['FollowUpOpened', 'FollowUpEscalated', 'ThresholdBreached'],
  includePersonalData: false,
  includeComment: true,
  shareContext: [],
};
const slack: Integration = { ...webhook, id: 'cx-slack', kind: 'slack', url: undefined, secret: 'closeloop/slack-url' };
const opened: DeliverableEvent = {
  id: 'evt-1',
  source: 'closeloop',
  'detail-type': 'FollowUpOpened',
  time: '2026-11-22T12:00:05Z',
  detail: {
    version: 1,
    caseId: 'case-1',
    programId: 'order-delivered-nps',
    rule: 'detractors',
    queue: 'customer-success',
    ownerTeam: 'support',
    customerId: 'c-77',
    score: 3,
    classification: 'detractor',
    acknowledgeBy: null,
    dueAt: '2026-11-23T12:00:05Z',
  },
};

describe('Standard Webhooks signing', () => {
  it('produces headers the standardwebhooks library verifies, over the exact body', () => {
    const body = webhookBody('FollowUpOpened', opened.time, opened.detail);
    const signed = signWebhook(SECRET, 'msg_abc', new Date(), body);

    const verified = new Webhook(SECRET).verify(signed.body, signed.headers);

    expect(verified).toEqual({ type: 'FollowUpOpened', timestamp: opened.time, data: opened.detail });
    expect(signed.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(() => new Webhook(SECRET).verify(`${signed.body} `, signed.headers)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.from('another-key-another-key-another').toString('base64')}`).verify(signed.body, signed.headers)).toThrow();
  });

  it('refuses a secret that is not whsec_ and enough base64 bytes', () => {
    expect(() => signWebhook('whsec_short', 'msg_1', new Date(), '{}')).toThrow(/whsec_/);
  });
});

describe('webhook-id', () => {
  it('is the same for a retry, a replay and an opted-in copy, and differs per integration, type and escalation rung', () => {
    const id = webhookId('cx-webhook', 'FollowUpOpened', opened.detail);
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(webhookId('cx-webhook', 'FollowUpOpened', withoutPersonalData(opened.detail))).toBe(id);
    expect(webhookId('other', 'FollowUpOpened', opened.detail)).not.toBe(id);
    expect(webhookId('cx-webhook', 'FollowUpEscalated', { ...opened.detail, escalation: { rung: 1 } })).not.toBe(
      webhookId('cx-webhook', 'FollowUpEscalated', { ...opened.detail, escalation: { rung: 2 } }),
    );
    const breach = { programId: 'p', segment: 'smb', at: '2026-11-22T00:00:00Z' };
    expect(webhookId('x', 'ThresholdBreached', breach)).not.toBe(webhookId('x', 'ThresholdBreached', { ...breach, segment: 'enterprise' }));
  });
});

describe('personal data', () => {
  it('leaves no name, address or customer id at any depth', () => {
    const stripped = withoutPersonalData({ customerId: 'c', customer: { email: 'a@b.c' }, nested: [{ name: 'Ana', email: 'a@b.c', ok: 1 }], score: 3 });
    expect(stripped).toEqual({ nested: [{ ok: 1 }], score: 3 });
  });
});

describe('retry policy', () => {
  it('backs off exponentially to 12 hours, over a window of at least 24 hours', () => {
    expect([1, 2, 3].map(retryDelaySeconds)).toEqual([30, 60, 120]);
    expect(retryDelaySeconds(20)).toBe(43_200);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(13);
    expect(RETRY_WINDOW_SECONDS).toBeGreaterThanOrEqual(86_400);
  });

  it('retries 408, 429, 5xx, timeouts and network errors; takes any other answer as final', () => {
    const cases: [AttemptResult, string][] = [
      [{ status: 204 }, 'delivered'],
      [{ status: 408 }, 'retry'],
      [{ status: 429 }, 'retry'],
      [{ status: 503 }, 'retry'],
      [{ error: 'timeout', message: '' }, 'retry'],
      [{ error: 'network', message: 'ECONNREFUSED' }, 'retry'],
      [{ status: 400 }, 'rejected'],
      [{ status: 410 }, 'rejected'],
      [{ status: 301 }, 'rejected'],
    ];
    for (const [result, verdict] of cases) expect(verdictOf(result)).toBe(verdict);
  });
});

describe('Slack message', () => {
  it('shows program, score and class, comment, topics, due time, the case and the command; escapes what the respondent wrote', () => {
    const message = slackMessage('FollowUpOpened', opened.detail, {
      includeComment: true,
      extras: { comment: 'Late again <!channel> & <https://evil.example|click>', topics: ['delivery'] },
    });
    const text = JSON.stringify(message);
    expect(message.text).toContain('order-delivered-nps');
    expect(text).toContain('3 (detractor)');
    expect(text).toContain('delivery');
    expect(text).toContain('2026-11-23T12:00:05Z');
    expect(text).toContain('closeloop case show case-1');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(message.blocks[0]).toMatchObject({ type: 'header' });
  });

  it('leaves the comment out with includeComment: false, and makes escalations and breaches stand out', () => {
    const quiet = slackMessage('FollowUpOpened', opened.detail, { includeComment: false, extras: { comment: 'secret words' } });
    expect(JSON.stringify(quiet)).not.toContain('secret words');
    const loud = slackMessage('FollowUpEscalated', { ...opened.detail, escalation: { rung: 1, reason: 'not-acknowledged' } }, { includeComment: true });
    expect(JSON.stringify(loud.blocks[0])).toContain('ESCALATED');
    expect(loud.blocks[1]).toEqual({ type: 'divider' });
    expect(JSON.stringify(loud)).toContain('rung 1 (not-acknowledged); unassigned');
    const assigned = slackMessage(
      'FollowUpEscalated',
      { ...opened.detail, escalation: { rung: 2, reason: 'overdue', assignee: 'mari' } },
      { includeComment: true },
    );
    expect(JSON.stringify(assigned)).toContain('rung 2 (overdue); assigned to mari');
    const breach = slackMessage(
      'ThresholdBreached',
      { programId: 'p', segment: 'smb', score: -12, lower: -20, upper: -4, threshold: 0 },
      { includeComment: true },
    );
    expect(JSON.stringify(breach.blocks[0])).toContain('THRESHOLD BREACHED');
  });
});

describe('catalog integrations', () => {
  const withIntegrations = (integrations: unknown[]) => ({ ...declaredCatalog(), integrations });
  const problemsOf = (integrations: unknown[]) => {
    try {
      parseCatalog(withIntegrations(integrations));
    } catch (error) {
      if (error instanceof InvalidCatalogError) return error.problems.join('\n');
      throw error;
    }
    return '';
  };
  const good = { id: 'cx-webhook', kind: 'webhook', url: 'https://hooks.shop.example/closeloop', secret: 'closeloop/cx-webhook', on: ['FollowUpOpened'] };

  it('fills the defaults: no personal data, the comment shown', () => {
    const catalog = parseCatalog(withIntegrations([good, { id: 'cx-slack', kind: 'slack', secret: 'closeloop/slack-url', on: ['ThresholdBreached'] }]));
    expect(catalog.integrations).toEqual([
      { ...good, includePersonalData: false, includeComment: true, shareContext: [] },
      {
        id: 'cx-slack',
        kind: 'slack',
        secret: 'closeloop/slack-url',
        on: ['ThresholdBreached'],
        includePersonalData: false,
        includeComment: true,
        shareContext: [],
      },
    ]);
  });

  it('names the path of an unknown kind, a non-https URL, an unknown event type, a missing URL and a duplicate id', () => {
    expect(problemsOf([{ ...good, kind: 'zapier' }])).toMatch(/^integrations\.0\.kind/m);
    expect(problemsOf([{ ...good, url: 'http://hooks.shop.example/x' }])).toMatch(/^integrations\.0\.url: .*https/m);
    expect(problemsOf([{ ...good, on: ['FollowUpOpened', 'OrderShipped'] }])).toMatch(/^integrations\.0\.on\.1/m);
    expect(problemsOf([{ ...good, url: undefined }])).toMatch(/^integrations\.0\.url: a webhook needs/m);
    expect(problemsOf([good, good])).toMatch(/^integrations\.1\.id: "cx-webhook" is declared twice/m);
    expect(problemsOf([{ ...good, kind: 'slack' }])).toMatch(/^integrations\.0\.url: a Slack incoming-webhook URL is a credential/m);
    expect(problemsOf([{ ...good, colour: 'red' }])).toMatch(/^integrations\.0.*colour/m);
  });

  it('accepts plain http on loopback only (the sandbox)', () => {
    expect(problemsOf([{ ...good, url: 'http://127.0.0.1:9000/hook' }])).toBe('');
    expect(problemsOf([{ ...good, url: 'http://localhost/hook' }])).toBe('');
    expect(problemsOf([{ ...good, url: 'http://127.0.0.1.evil.example/hook' }])).toMatch(/url/);
  });
});

/** In-memory fakes of the ports. */
function fakes(answers: AttemptResult[], overrides: Partial<DeliverDeps> = {}) {
  const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
  const logged: DeliveryRecord[] = [];
  const deadLetters: { body: string; reason: string }[] = [];
  const log: DeliveryLog = {
    record: async (delivery) => {
      logged.push(delivery);
    },
    async *since() {
      for (const item of logged) yield { webhookId: item.webhookId, event: item.event };
    },
  };
  const deps: DeliverDeps = {
    integrations: new Map([
      [webhook.id, webhook],
      [slack.id, slack],
    ]),
    secrets: { read: async (name) => (name === slack.secret ? 'https://hooks.slack.com/services/T/B/X' : SECRET) },
    sender: {
      post: async (url, headers, body) => {
        sent.push({ url, headers: { ...headers }, body });
        return answers.shift() ?? { status: 200 };
      },
    },
    log,
    http: {
      request: async () => {
        throw new Error('no helpdesk in these tests');
      },
    },
    cases: {
      get: async () =>
        ({ message: { comment: 'Parcel came late', topics: ['delivery'] }, contactKey: 'contact-hash' }) as unknown as Awaited<
          ReturnType<DeliverDeps['cases']['get']>
        >,
    },
    deadLetters: {
      reject: async (body, reason) => {
        deadLetters.push({ body, reason });
      },
    },
    retryScale: 1,
    now: () => new Date(),
    ...overrides,
  };
  return { deps, sent, logged, deadLetters };
}

describe('deliver (use case)', () => {
  it('signs and sends the event without personal data, and logs it delivered', async () => {
    const { deps, sent, logged } = fakes([{ status: 204 }]);

    const result = await deliver(webhook, opened, 1, deps);

    expect(result.outcome).toBe('delivered');
    const payload = new Webhook(SECRET).verify(sent[0]!.body, sent[0]!.headers) as { type: string; data: Record<string, unknown> };
    expect(payload.type).toBe('FollowUpOpened');
    expect(payload.data.customerId).toBeUndefined();
    expect(payload.data.caseId).toBe('case-1');
    expect(sent[0]!.headers['webhook-id']).toBe(result.webhookId);
    expect(logged[0]).toMatchObject({ status: 'delivered', webhookId: result.webhookId, lastResult: 'HTTP 204' });
    expect(JSON.stringify(logged[0])).not.toContain('c-77');
    expect(logged[0]!.contactKey).toBeUndefined();
  });

  it('keeps the customer id for an integration that opted in, and gives its log item the contact key erasure looks for', async () => {
    const { deps, sent, logged } = fakes([{ status: 200 }]);
    await deliver({ ...webhook, includePersonalData: true }, opened, 1, deps);
    expect(sent[0]!.body).toContain('c-77');
    expect(logged[0]!.contactKey).toBe('contact-hash');
  });

  it('logs an opted-in delivery it cannot tie to a contact (no case) without the personal data, so nothing escapes erasure', async () => {
    const { deps, sent, logged } = fakes([{ status: 200 }]);
    const skipped: DeliverableEvent = {
      ...opened,
      'detail-type': 'SurveySkipped',
      detail: { programId: 'p', eventId: 'e-1', customerId: 'c-77', reason: 'throttled' },
    };
    await deliver({ ...webhook, on: ['SurveySkipped'], includePersonalData: true }, skipped, 1, deps);
    expect(sent[0]!.body).toContain('c-77');
    expect(JSON.stringify(logged[0])).not.toContain('c-77');
    expect(logged[0]!.contactKey).toBeUndefined();
  });

  it('asks for a retry with exponential backoff (scaled), then dead-letters with the reason once the window is over', async () => {
    const { deps, deadLetters, logged } = fakes([{ status: 503 }, { status: 503 }, { error: 'timeout', message: 'no answer' }], { retryScale: 0.5 });

    const first = await deliver(webhook, opened, 1, deps);
    const second = await deliver(webhook, opened, 2, deps);
    const last = await deliver(webhook, opened, MAX_DELIVERY_ATTEMPTS, deps);

    expect(first).toMatchObject({ outcome: 'retry', retryInSeconds: 15 });
    expect(second).toMatchObject({ outcome: 'retry', retryInSeconds: 30, webhookId: first.webhookId });
    expect(last).toMatchObject({ outcome: 'dead-lettered', webhookId: first.webhookId });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.reason).toMatch(/13 attempts .* last: timeout/);
    expect(logged.map((l) => l.status)).toEqual(['retrying', 'retrying', 'dead-lettered']);
  });

  it('records a 4xx other than 408/429 as rejected, without a retry', async () => {
    const { deps } = fakes([{ status: 401 }]);
    expect(await deliver(webhook, opened, 1, deps)).toMatchObject({ outcome: 'rejected', result: 'HTTP 401' });
  });

  it("FollowUpCustomerReplied: ids only by default; with includePersonalData the reply's sender and text, read from the case; Slack shows them, escaped", async () => {
    const replied: DeliverableEvent = {
      ...opened,
      'detail-type': 'FollowUpCustomerReplied',
      detail: { ...opened.detail, status: 'acknowledged', messageId: 'mid-1', repliedAt: '2026-11-23T09:00:00Z' },
    };
    const caseWithReply = {
      message: { comment: 'Parcel came late', topics: ['delivery'] },
      contactKey: 'contact-hash',
      history: [
        {
          at: '2026-11-23T09:00:00Z',
          actor: 'customer',
          action: 'customer-replied',
          from: 'mari@example.com',
          text: 'It came. <!channel>',
          messageId: 'mid-1',
        },
      ],
    } as unknown as Awaited<ReturnType<DeliverDeps['cases']['get']>>;
    const on = { on: ['FollowUpCustomerReplied' as const] };
    const plain = fakes([{ status: 200 }], { cases: { get: async () => caseWithReply } });
    await deliver({ ...webhook, ...on }, replied, 1, plain.deps);
    const body = new Webhook(SECRET).verify(plain.sent[0]!.body, plain.sent[0]!.headers) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({ caseId: 'case-1', status: 'acknowledged', messageId: 'mid-1' });
    expect(body.data.reply).toBeUndefined();
    const opted = fakes([{ status: 200 }], { cases: { get: async () => caseWithReply } });
    const first = await deliver({ ...webhook, ...on, includePersonalData: true }, replied, 1, opted.deps);
    const withReply = new Webhook(SECRET).verify(opted.sent[0]!.body, opted.sent[0]!.headers) as { data: Record<string, unknown> };
    expect(withReply.data.reply).toEqual({ from: 'mari@example.com', text: 'It came. <!channel>' });
    // The same webhook-id as the plain delivery's: the reply is personal data, left out of the id.
    expect(first.webhookId).toBe(plain.sent[0]!.headers['webhook-id']);
    const viaSlack = fakes([{ status: 200 }], { cases: { get: async () => caseWithReply } });
    await deliver({ ...slack, ...on, includePersonalData: true }, replied, 1, viaSlack.deps);
    const message = JSON.stringify(JSON.parse(viaSlack.sent[0]!.body));
    expect(message).toContain('Customer replied');
    expect(message).toContain('It came. &lt;!channel&gt;');
  });

  it('posts a Slack message with the comment and topics of the case to the URL the secret holds', async () => {
    const { deps, sent } = fakes([{ status: 200 }]);
    await deliver(slack, opened, 1, deps);
    expect(sent[0]!.url).toBe('https://hooks.slack.com/services/T/B/X');
    const message = JSON.parse(sent[0]!.body) as { blocks: unknown[] };
    expect(JSON.stringify(message.blocks)).toContain('Parcel came late');
    expect(JSON.stringify(message)).not.toContain('c-77');
  });

  it('refuses a message that is not a Closeloop event, and an event the integration does not take', async () => {
    expect(() => parseDeliverable('{"source":"shop.orders"}')).toThrow(UndeliverableMessageError);
    const { deps } = fakes([]);
    await expect(deliver(webhook, { ...opened, 'detail-type': 'SurveySent' }, 1, deps)).rejects.toThrow(UndeliverableMessageError);
  });

  it('replays what was logged, through the queue, with the same ids', async () => {
    const { deps } = fakes([{ status: 200 }]);
    const { webhookId: id } = await deliver(webhook, opened, 1, deps);
    const enqueued: DeliverableEvent[] = [];
    const result = await replay(webhook.id, new Date(0), {
      integrations: deps.integrations,
      log: deps.log,
      queue: { enqueue: async (_id, events) => void enqueued.push(...events) },
    });
    expect(result).toEqual({ replayed: 1, webhookIds: [id] });
    expect(webhookId(webhook.id, enqueued[0]!['detail-type'], enqueued[0]!.detail)).toBe(id);
  });
});
