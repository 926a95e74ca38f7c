import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpWebhookSender } from '../../functions/adapters/http-webhook-sender.js';
import { SecretsManagerSecretStore } from '../../functions/adapters/secrets-manager-secret-store.js';
import { InvalidCatalogError, parseCatalog } from '../../functions/config/catalog-schema.js';
import { type DeliverDeps, deliver, replay } from '../../functions/deliver/deliver.js';
import { LATE_TICKET_ATTEMPT } from '../../functions/deliver/zendesk.js';
import { nextAttemptInSeconds, retryAfterSeconds } from '../../functions/domain/delivery-policy.js';
import type { DeliverableEvent, Integration } from '../../functions/domain/integrations.js';
import { deliveryTag, newTicket, priorityFor, ticketLookupUrl, zendeskCredentials } from '../../functions/domain/zendesk-ticket.js';
import type { DeliveryRecord, HttpRequester } from '../../functions/ports.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { FakeZendesk } from '../fixtures/fake-zendesk.js';

const AGENT = 'closeloop-bot@shop.example';
const TOKEN = 'wJalrXUtnFEMIK7MDENGbPxRfiCY';
const SECRET_ARN = 'closeloop/zendesk';
const zendesk: Integration = {
  id: 'zendesk',
  kind: 'zendesk',
  url: 'https://shop.zendesk.com',
  secret: SECRET_ARN,
  on: ['FollowUpOpened', 'FollowUpEscalated', 'FollowUpResolved'],
  includePersonalData: false,
  includeComment: true,
  shareContext: [],
};
const caseDetail = {
  version: 1,
  caseId: 'case-1',
  programId: 'order-delivered-nps',
  rule: 'detractors',
  queue: 'customer-success',
  ownerTeam: 'support',
  customerId: 'c-77',
  score: 2,
  classification: 'detractor',
};
const event = (type: string, detail: Record<string, unknown> = {}): DeliverableEvent => ({
  source: 'closeloop',
  'detail-type': type,
  time: '2026-11-22T12:00:05Z',
  detail: { ...caseDetail, ...detail },
});
const opened = event('FollowUpOpened', { acknowledgeBy: null, dueAt: '2026-11-23T12:00:05Z' });
const escalated = event('FollowUpEscalated', { escalation: { rung: 1, reason: 'not-acknowledged', at: '2026-11-22T16:00:05Z' } });
const resolved = event('FollowUpResolved', { rootCause: 'late-delivery', resolvedAt: '2026-11-22T18:00:00Z', escalations: 1 });
const caseRecord = {
  message: {
    comment: 'The parcel came late',
    topics: ['delivery'],
    customer: { id: 'c-77', email: 'kadri@example.com', name: 'Kadri Tamm' },
    acknowledgeBy: null,
    dueAt: '2026-11-23T12:00:05Z',
  },
  contactKey: 'contact-hash',
};

const secretsManager = mockClient(SecretsManagerClient);

/** The use case's ports, with the fake account as the HTTP port and Secrets Manager mocked. */
function world(options: { windowMs?: number; integration?: Integration } = {}) {
  let clock = Date.parse('2026-11-22T12:00:10Z');
  const account = new FakeZendesk({ agentEmail: AGENT, apiToken: TOKEN, idempotencyWindowMs: options.windowMs ?? 2 * 3600_000, now: () => clock });
  const httpPort: HttpRequester = {
    request: async (method, url, headers, body) => {
      const { pathname, search } = new URL(url);
      const answer = account.handle(
        method,
        `${pathname}${search}`,
        Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
        body ?? '',
      );
      const retryAfter = retryAfterSeconds(answer.headers['retry-after'], new Date(clock));
      return { status: answer.status, body: answer.body, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) };
    },
  };
  const logged: DeliveryRecord[] = [];
  const integration = options.integration ?? zendesk;
  const deps: DeliverDeps = {
    integrations: new Map([[integration.id, integration]]),
    secrets: new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'eu-west-1' })),
    sender: {
      post: async () => {
        throw new Error('a zendesk integration sends no webhook');
      },
    },
    http: httpPort,
    log: {
      record: async (delivery) => void logged.push(delivery),
      async *since() {
        for (const item of logged) yield { webhookId: item.webhookId, event: item.event };
      },
    },
    cases: { get: async () => caseRecord as unknown as Awaited<ReturnType<DeliverDeps['cases']['get']>> },
    deadLetters: { reject: async () => undefined },
    retryScale: 1,
    now: () => new Date(clock),
  };
  const advance = (ms: number) => {
    clock += ms;
  };
  return { account, deps, logged, integration, advance };
}

beforeEach(() => {
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: `${AGENT}/token:${TOKEN}` });
});

describe('Zendesk ticket requests (domain)', () => {
  it('reads the API token secret into Basic authentication, and refuses anything else', () => {
    const credentials = zendeskCredentials(`${AGENT}/token:${TOKEN}\n`);
    expect(credentials.agentEmail).toBe(AGENT);
    expect(Buffer.from(credentials.authorization.replace(/^Basic /, ''), 'base64').toString()).toBe(`${AGENT}/token:${TOKEN}`);
    expect(() => zendeskCredentials(TOKEN)).toThrow(/<agent email>\/token:<api token>/);
    expect(() => zendeskCredentials(`${AGENT}:password`)).toThrow(/token/);
  });

  it('builds a readable private ticket per case: program, score and class, comment, topics, due time, case id and command; tags; no personal data', () => {
    const { ticket } = newTicket(
      'FollowUpOpened',
      { ...opened.detail, customerId: undefined },
      {
        includeComment: true,
        includePersonalData: false,
        webhookId: 'msg_1',
        extras: { comment: 'The parcel came late', topics: ['delivery', 'price'], customer: caseRecord.message.customer },
      },
    );
    expect(ticket).toMatchObject({
      subject: 'Closeloop follow-up: order-delivered-nps, score 2 (detractor)',
      external_id: 'case-1',
      priority: 'normal',
      tags: ['closeloop', 'order-delivered-nps', 'detractor', 'customer-success'],
      comment: { public: false },
    });
    for (const shown of [
      'Program: order-delivered-nps',
      'Score: 2 (detractor)',
      'Due: 2026-11-23T12:00:05Z',
      'Topics: delivery, price',
      '> The parcel came late',
    ]) {
      expect(ticket.comment.body).toContain(shown);
    }
    expect(ticket.comment.body).toContain('Open it with: closeloop case show case-1');
    expect(JSON.stringify(ticket)).not.toMatch(/c-77|kadri|Kadri/);
    expect(ticket).not.toHaveProperty('status');
  });

  it('shows the customer only when the integration opted in, and the comment unless includeComment is false', () => {
    const extras = { comment: 'The parcel came late', topics: [], customer: caseRecord.message.customer };
    const personal = newTicket('FollowUpOpened', opened.detail, { includeComment: true, includePersonalData: true, webhookId: 'msg_1', extras });
    expect(personal.ticket.comment.body).toContain('Customer: c-77, Kadri Tamm <kadri@example.com>');
    const quiet = newTicket('FollowUpOpened', opened.detail, { includeComment: false, includePersonalData: false, webhookId: 'msg_1', extras });
    expect(quiet.ticket.comment.body).not.toContain('parcel');
  });

  it('raises the priority of escalations: rung 1 high, later rungs urgent', () => {
    expect(priorityFor('FollowUpOpened', opened.detail)).toBe('normal');
    expect(priorityFor('FollowUpEscalated', escalated.detail)).toBe('high');
    expect(priorityFor('FollowUpEscalated', { escalation: { rung: 2 } })).toBe('urgent');
  });

  it('looks a ticket up by its external id, encoded', () => {
    expect(ticketLookupUrl('https://shop.zendesk.com/', 'a b&c')).toBe('https://shop.zendesk.com/api/v2/tickets.json?external_id=a%20b%26c');
  });

  it('reads Retry-After as seconds or as an HTTP date, and lets it lengthen (never shorten) the backoff', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Sun, 22 Nov 2026 12:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(nextAttemptInSeconds(1, 1, 120)).toBe(120);
    expect(nextAttemptInSeconds(3, 1, 10)).toBe(120);
    expect(nextAttemptInSeconds(1, 0.001, 2)).toBe(2);
    expect(nextAttemptInSeconds(1, 1, 10 ** 9)).toBe(12 * 3600);
  });
});

describe('deliver to zendesk (use case, fake account)', () => {
  it('opens one ticket on the first attempt: POST with Idempotency-Key = webhook-id and external_id = case id, no lookup', async () => {
    const { account, deps, logged } = world();

    const result = await deliver(zendesk, opened, 1, deps);

    expect(result).toMatchObject({ outcome: 'delivered', result: expect.stringMatching(/ticket #1 opened/) });
    expect(account.requests.map((r) => r.method)).toEqual(['POST']);
    expect(account.requests[0]?.headers['idempotency-key']).toBe(result.webhookId);
    expect(account.ticketsOf('case-1')).toHaveLength(1);
    expect(account.tickets[0]?.comments[0]?.body).toContain('The parcel came late');
    expect(JSON.stringify(account.requests)).not.toContain('c-77');
    expect(logged[0]).toMatchObject({ status: 'delivered', webhookId: result.webhookId });
  });

  it('looks the ticket up before any retry: a ticket created by a lost answer is not opened twice, even after the idempotency window', async () => {
    const { account, deps, advance } = world({ windowMs: 60_000 });
    account.failNext(1, { status: 504, commit: true, method: 'POST' });

    const first = await deliver(zendesk, opened, 1, deps);
    advance(5 * 60_000);
    const second = await deliver(zendesk, opened, 2, deps);

    expect(first.outcome).toBe('retry');
    expect(second).toMatchObject({ outcome: 'delivered', result: expect.stringMatching(/already open.*none created/) });
    expect(account.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(account.ticketsOf('case-1')).toHaveLength(1);
  });

  it('creates the ticket on a retry when the lookup finds none', async () => {
    const { account, deps } = world();
    account.failNext(1, { status: 503, method: 'POST' });
    expect((await deliver(zendesk, opened, 1, deps)).outcome).toBe('retry');
    expect((await deliver(zendesk, opened, 2, deps)).outcome).toBe('delivered');
    expect(account.requests.map((r) => `${r.method} ${r.answered}`)).toEqual(['POST 503', 'GET 200', 'POST 201']);
    expect(account.ticketsOf('case-1')).toHaveLength(1);
  });

  it('marks a replay, and a replayed opening looks the ticket up first (its receive count starts at 1 again)', async () => {
    const { account, deps, integration } = world();
    await deliver(zendesk, opened, 1, deps);
    const enqueued: DeliverableEvent[] = [];
    await replay(integration.id, new Date(0), { ...deps, queue: { enqueue: async (_id, events) => void enqueued.push(...events) } });
    expect(enqueued[0]?.replayedAt).toBe(deps.now().toISOString());

    const again = await deliver(zendesk, JSON.parse(JSON.stringify(enqueued[0])) as DeliverableEvent, 1, deps);

    expect(again.outcome).toBe('delivered');
    expect(account.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(account.ticketsOf('case-1')).toHaveLength(1);
  });

  it('adds an escalation as a private comment with a higher priority, once: a retry finds its tag and adds nothing', async () => {
    const { account, deps } = world();
    await deliver(zendesk, opened, 1, deps);
    account.failNext(1, { status: 502, commit: true, method: 'PUT' });

    const lost = await deliver(zendesk, escalated, 1, deps);
    const retried = await deliver(zendesk, escalated, 2, deps);

    expect(lost.outcome).toBe('retry');
    expect(retried).toMatchObject({ outcome: 'delivered', result: expect.stringMatching(/already has this update/) });
    const [ticket] = account.ticketsOf('case-1');
    expect(ticket?.comments).toHaveLength(2);
    expect(ticket?.comments[1]).toMatchObject({ public: false, body: expect.stringContaining('ESCALATED in Closeloop: rung 1, not acknowledged in time') });
    expect(ticket?.priority).toBe('high');
    expect(ticket?.tags).toContain(deliveryTag(lost.webhookId));
  });

  it('solves the ticket on resolution with a private comment, assigning an unassigned ticket to the API agent', async () => {
    const { account, deps } = world();
    await deliver(zendesk, opened, 1, deps);

    const result = await deliver(zendesk, resolved, 1, deps);

    expect(result).toMatchObject({ outcome: 'delivered', result: expect.stringMatching(/ticket #1 solved/) });
    const [ticket] = account.ticketsOf('case-1');
    expect(ticket).toMatchObject({ status: 'solved', assignee_id: 1 });
    expect(ticket?.comments[1]?.body).toMatch(/Resolved in Closeloop at 2026-11-22T18:00:00Z: root cause late-delivery, after 1 escalation\./);
    expect(JSON.parse(account.requests.at(-1)?.body ?? '{}').ticket.comment.public).toBe(false);
  });

  it('leaves an assigned ticket with its assignee when solving it', async () => {
    const { account, deps } = world();
    await deliver(zendesk, opened, 1, deps);
    (account.tickets[0] as { assignee_id: number | null }).assignee_id = 42;
    await deliver(zendesk, resolved, 1, deps);
    expect(JSON.parse(account.requests.at(-1)?.body ?? '{}').ticket).not.toHaveProperty('assignee_email');
    expect(account.tickets[0]).toMatchObject({ status: 'solved', assignee_id: 42 });
  });

  it('gives a case opening in flight time before opening its ticket late, with the update in it, when an escalation finds none', async () => {
    const { account, deps } = world();

    const early = await deliver(zendesk, escalated, 1, deps);
    const result = await deliver(zendesk, escalated, LATE_TICKET_ATTEMPT, deps);

    expect(early).toMatchObject({ outcome: 'retry', retryInSeconds: 30, result: expect.stringMatching(/no ticket for the case yet/) });
    expect(result.outcome).toBe('delivered');
    expect(account.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
    const [ticket] = account.ticketsOf('case-1');
    expect(ticket?.priority).toBe('high');
    expect(ticket?.comments[0]?.body).toMatch(/Due: 2026-11-23T12:00:05Z[\s\S]*ESCALATED in Closeloop/);
    expect(ticket?.tags).toContain(deliveryTag(result.webhookId));
  });

  it('opens a solved ticket at once for a resolution when the integration takes no openings', async () => {
    const updatesOnly: Integration = { ...zendesk, on: ['FollowUpResolved'] };
    const { account, deps } = world({ integration: updatesOnly });
    expect((await deliver(updatesOnly, resolved, 1, deps)).outcome).toBe('delivered');
    expect(account.ticketsOf('case-1')).toMatchObject([{ status: 'solved', assignee_id: 1 }]);
  });

  it('honours 429 Retry-After; retries 5xx and timeouts of the lookup; records other 4xx and a closed ticket as rejected', async () => {
    const { account, deps } = world();
    account.failNext(1, { status: 429, retryAfter: 120 });
    expect(await deliver(zendesk, opened, 1, deps)).toMatchObject({ outcome: 'retry', retryInSeconds: 120, result: 'HTTP 429 (ticket creation)' });

    account.failNext(1, { status: 503, method: 'GET' });
    expect(await deliver(zendesk, escalated, 1, deps)).toMatchObject({ outcome: 'retry', retryInSeconds: 30, result: 'HTTP 503 (ticket lookup)' });

    const timeouts = world();
    timeouts.deps.http.request = async () => ({ error: 'timeout', message: 'no answer within 10000 ms' });
    expect((await deliver(zendesk, escalated, 2, timeouts.deps)).outcome).toBe('retry');

    account.failNext(1, { status: 422, method: 'POST' });
    expect(await deliver(zendesk, opened, 1, deps)).toMatchObject({ outcome: 'rejected', result: 'HTTP 422 (ticket creation)' });

    await deliver(zendesk, opened, 2, deps);
    (account.tickets[0] as { status: string }).status = 'closed';
    expect(await deliver(zendesk, resolved, 1, deps)).toMatchObject({ outcome: 'rejected', result: expect.stringMatching(/closed/) });
    expect(account.ticketsOf('case-1')).toHaveLength(1);
  });

  it('records a secret that is not an API token as rejected, naming the secret and not its value', async () => {
    secretsManager.reset();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'hunter2' });
    const { account, deps } = world();
    const result = await deliver(zendesk, opened, 1, deps);
    expect(result).toMatchObject({ outcome: 'rejected', result: expect.stringMatching(/closeloop\/zendesk.*<agent email>\/token:<api token>/) });
    expect(result.result).not.toContain('hunter2');
    expect(account.requests).toHaveLength(0);
  });

  it('reads the secret once for many deliveries (one store per cold start)', async () => {
    const { deps } = world();
    await Promise.all([deliver(zendesk, opened, 1, deps), deliver(zendesk, escalated, 1, deps), deliver(zendesk, resolved, 1, deps)]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_ARN });
  });
});

describe('HttpWebhookSender.request (a real local server)', () => {
  let server: http.Server;
  let base: string;
  beforeEach(async () => {
    server = http.createServer((request, response) => {
      if (request.url === '/busy') response.writeHead(429, { 'retry-after': '7' }).end('{}');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, auth: request.headers.authorization }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  it('answers the status, the body and Retry-After; post() keeps its webhook answer', async () => {
    const sender = new HttpWebhookSender(2000);
    expect(await sender.request('GET', `${base}/x`, { authorization: 'Basic abc' })).toEqual({ status: 200, body: '{"method":"GET","auth":"Basic abc"}' });
    expect(await sender.request('PUT', `${base}/busy`, {}, '{}')).toEqual({ status: 429, body: '{}', retryAfterSeconds: 7 });
    expect(await sender.post(`${base}/busy`, {}, '{}')).toEqual({ status: 429, retryAfterSeconds: 7 });
    expect(await sender.request('GET', 'http://127.0.0.1:1/', {})).toMatchObject({ error: 'network' });
  });
});

describe('catalog: the zendesk kind', () => {
  const good = { ...zendesk, includePersonalData: undefined, includeComment: undefined };
  const problemsOf = (integrations: unknown[]) => {
    try {
      parseCatalog({ ...declaredCatalog(), integrations });
      return '';
    } catch (error) {
      if (error instanceof InvalidCatalogError) return error.problems.join('\n');
      throw error;
    }
  };

  it('accepts a Zendesk account and fills the defaults', () => {
    const catalog = parseCatalog({ ...declaredCatalog(), integrations: [{ ...good, includePersonalData: false }] });
    expect(catalog.integrations?.[0]).toEqual(zendesk);
    expect(problemsOf([{ ...good, url: 'http://127.0.0.1:9000' }])).toBe('');
  });

  it('names the path of a missing, plain-http or pathful URL, an unknown key or kind, and an event that is not about a case', () => {
    expect(problemsOf([{ ...good, url: undefined }])).toMatch(/^integrations\.0\.url: a zendesk integration needs its account's address/m);
    expect(problemsOf([{ ...good, url: 'http://shop.zendesk.com' }])).toMatch(/^integrations\.0\.url: .*https/m);
    expect(problemsOf([{ ...good, url: 'https://shop.zendesk.com/api/v2' }])).toMatch(/^integrations\.0\.url: .*has a path/m);
    expect(problemsOf([{ ...good, on: ['FollowUpOpened', 'ThresholdBreached'] }])).toMatch(
      /^integrations\.0\.on\.1: zendesk opens and updates tickets for cases/m,
    );
    expect(problemsOf([{ ...good, on: ['TicketOpened'] }])).toMatch(/^integrations\.0\.on\.0/m);
    expect(problemsOf([{ ...good, kind: 'freshdesk' }])).toMatch(/^integrations\.0\.kind/m);
    expect(problemsOf([{ ...good, subdomain: 'shop' }])).toMatch(/^integrations\.0.*subdomain/m);
  });
});
