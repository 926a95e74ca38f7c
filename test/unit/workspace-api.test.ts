import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { InboxCursors } from '../../functions/cases/inbox.js';
import { followUpQueueNames } from '../../functions/config/resources.js';
import type { FollowUpCaseRecord } from '../../functions/domain/follow-up-case.js';
import { groupsFromClaim } from '../../functions/domain/teams.js';
import { renderNotificationEmail } from '../../functions/notify/notification-email.js';
import type { CaseInbox, InboxQuery } from '../../functions/ports.js';
import { handleWorkspaceRequest, MAX_AGENT_TEXT, type WorkspaceDeps } from '../../functions/workspace/http.js';
import { detractorCase } from '../fixtures/cases.js';
import { testCatalog } from '../fixtures/catalog.js';
import { InMemoryAggregates } from '../fixtures/in-memory-aggregates.js';
import { InMemoryCases } from '../fixtures/in-memory-cases.js';

const OPENED = new Date('2026-11-22T12:00:00.000Z');

/** The inbox index over the in-memory cases: by queue and status, oldest due first. */
class InMemoryInbox implements CaseInbox {
  constructor(private readonly cases: InMemoryCases) {}
  async list(query: InboxQuery) {
    const records = query.partitions.flatMap(({ queue, status }) =>
      [...this.cases.records.values()].filter((record) => record.message.queue === queue && record.status === status),
    );
    return { records: records.sort((a, b) => a.message.dueAt.localeCompare(b.message.dueAt)).slice(0, query.limit) };
  }
}

/** A request as API Gateway passes it after its JWT authorizer: the claims at requestContext.authorizer.jwt.claims. */
function request(
  routeKey: string,
  claims: Record<string, unknown> | undefined,
  options: { caseId?: string; body?: unknown; query?: Record<string, string> } = {},
) {
  return {
    routeKey,
    rawPath: '/',
    pathParameters: options.caseId ? { caseId: options.caseId } : undefined,
    queryStringParameters: options.query,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: { ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}) },
  } as unknown as APIGatewayProxyEventV2;
}

const agent = (email: string, groups: string) => ({ sub: `sub-${email}`, email, 'cognito:groups': groups });
const success = agent('ana@shop.example', '[customer-success]');
const support = agent('sam@shop.example', '[support]');
const admin = agent('lead@shop.example', '[cx-admin]');

describe('the workspace API (JWT-authorised, scoped to the member’s teams)', () => {
  let cases: InMemoryCases;
  let deps: WorkspaceDeps;
  let record: FollowUpCaseRecord;
  let published: unknown[];
  const call = async (...args: Parameters<typeof request>) => {
    const result = await handleWorkspaceRequest(request(...args), deps);
    return { status: result.statusCode, body: JSON.parse(String(result.body)) };
  };

  beforeEach(async () => {
    cases = new InMemoryCases();
    published = [];
    record = { ...detractorCase(OPENED), contactKey: 'contact-k' };
    await cases.open(record);
    deps = {
      catalog: testCatalog,
      cases,
      inbox: new InMemoryInbox(cases),
      cursors: async () => new InboxCursors('secret'),
      queues: followUpQueueNames(testCatalog),
      events: { publish: async (events) => void published.push(...events) },
      now: () => new Date(OPENED.getTime() + 3_600_000),
      groupsClaim: 'cognito:groups',
      aggregates: new InMemoryAggregates(),
      // The customer's past, as the by-contact index would give it: an earlier answer.
      customers: {
        of: async (contactKey) =>
          contactKey === 'contact-k' ? [{ kind: 'answer', programId: 'order-delivered-nps', score: 9, at: '2026-10-01T10:00:00.000Z' }] : [],
      },
    };
  });

  it('serves the pages as public shells with a strict CSP (no inline script; only the provider beside itself), and the script’s settings', async () => {
    deps = {
      ...deps,
      pages: {
        issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/pool',
        clientId: 'client',
        loginOrigin: 'https://shop.auth.eu-west-1.amazoncognito.com',
        script: async () => 'void 0',
      },
    };
    const page = await handleWorkspaceRequest(request('GET /inbox/{caseId}', undefined, { caseId: 'x' }), deps);
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com https://shop.auth.eu-west-1.amazoncognito.com; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(String(page.body)).toContain('<script src="/workspace/app.js" defer></script>');
    expect(String(page.body)).not.toMatch(/<script>|<style>| on\w+=/);
    const config = await handleWorkspaceRequest(request('GET /workspace/config.json', undefined), deps);
    expect(JSON.parse(String(config.body))).toMatchObject({
      clientId: 'client',
      adminTeam: 'cx-admin',
      groupsClaim: 'cognito:groups',
      teams: { support: ['support'] },
    });
    expect((await handleWorkspaceRequest(request('GET /workspace/app.js', undefined), deps)).body).toBe('void 0');
    const { pages: _pages, ...withoutPages } = deps;
    expect((await handleWorkspaceRequest(request('GET /inbox', undefined), withoutPages)).statusCode).toBe(404);
  });

  it('shows the admin team the dashboard (the report’s sections, as the HTML report renders them); anyone else 403; bad parameters 400', async () => {
    const shown = await call('GET /api/dashboard', admin, {
      query: { program: 'order-delivered-nps', from: '2026-11-01', to: '2026-11-21', granularity: 'week' },
    });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ period: { from: '2026-11-01', to: '2026-11-21' }, granularity: 'week' });
    expect(shown.body.html).toContain('order-delivered-nps');
    expect(shown.body.html).toContain('<svg');
    expect(await call('GET /api/dashboard', success)).toEqual({ status: 403, body: { message: "the dashboard is the admin team's (cx-admin)" } });
    expect((await call('GET /api/dashboard', admin, { query: { granularity: 'hour' } })).status).toBe(400);
    expect((await call('GET /api/dashboard', admin, { query: { program: 'nope' } })).body.message).toMatch(/^unknown program: nope/);
    expect((await call('GET /api/dashboard', admin, { query: { from: '2026-13-01' } })).body.message).toMatch(/^from must be a date/);
  });

  it('reads the groups claim in every form it arrives in', () => {
    expect(groupsFromClaim('[support cx-admin]')).toEqual(['support', 'cx-admin']);
    expect(groupsFromClaim('["support","cx-admin"]')).toEqual(['support', 'cx-admin']);
    expect(groupsFromClaim(['support'])).toEqual(['support']);
    expect(groupsFromClaim('support')).toEqual(['support']);
    expect(groupsFromClaim(undefined)).toEqual([]);
  });

  it('lists and shows the cases of my queues; another team’s case is absent from its list and 403 by id', async () => {
    expect(record.message.queue).toBe('customer-success');
    const mine = await call('GET /api/cases', success);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((item: { caseId: string }) => item.caseId)).toEqual([record.message.caseId]);
    expect((await call('GET /api/cases', support)).body.items).toEqual([]);
    expect((await call('GET /api/cases', support, { query: { queue: 'customer-success' } })).status).toBe(403);
    const shown = await call('GET /api/cases/{caseId}', success, { caseId: record.message.caseId });
    expect(shown.body).toMatchObject({ version: 1, case: { status: 'open', message: { caseId: record.message.caseId } } });
    expect(shown.body.earlier).toEqual([{ kind: 'answer', programId: 'order-delivered-nps', score: 9, at: '2026-10-01T10:00:00.000Z' }]);
    // None once the customer is erased.
    cases.records.set(record.message.caseId, { ...record, erasedAt: OPENED.toISOString() });
    expect((await call('GET /api/cases/{caseId}', success, { caseId: record.message.caseId })).body.earlier).toEqual([]);
    cases.records.set(record.message.caseId, record);
    const refused = await call('GET /api/cases/{caseId}', support, { caseId: record.message.caseId });
    expect(refused).toEqual({ status: 403, body: { message: `case ${record.message.caseId} is not on a queue of team support` } });
    // The admin team sees every queue.
    expect((await call('GET /api/cases', admin)).body.items).toHaveLength(1);
  });

  it('another team’s action is refused (403) and changes nothing', async () => {
    const before = cases.records.get(record.message.caseId);
    const refused = await call('POST /api/cases/{caseId}/acknowledge', support, { caseId: record.message.caseId, body: { expectedVersion: 1 } });
    expect(refused.status).toBe(403);
    expect(cases.records.get(record.message.caseId)).toBe(before);
  });

  it('acknowledges, assigns to me, notes and resolves with the version the page showed; the actor is the token’s email', async () => {
    const id = record.message.caseId;
    const acknowledged = await call('POST /api/cases/{caseId}/acknowledge', success, { caseId: id, body: { expectedVersion: 1 } });
    expect(acknowledged).toMatchObject({ status: 200, body: { version: 2, case: { status: 'acknowledged' } } });
    const assigned = await call('POST /api/cases/{caseId}/assign', success, { caseId: id, body: { expectedVersion: 2, assignee: 'ana@shop.example' } });
    expect(assigned.body.case.assignee).toBe('ana@shop.example');
    expect((await call('GET /api/cases', success, { query: { assigned: 'me' } })).body.items).toHaveLength(1);
    expect((await call('GET /api/cases', admin, { query: { assigned: 'me' } })).body.items).toHaveLength(0);
    const noted = await call('POST /api/cases/{caseId}/note', success, { caseId: id, body: { expectedVersion: 3, note: '<b>called</b>, no answer' } });
    expect(noted.body.case.history.at(-1)).toMatchObject({ action: 'noted', actor: 'ana@shop.example', note: '<b>called</b>, no answer' });
    const resolved = await call('POST /api/cases/{caseId}/resolve', success, {
      caseId: id,
      body: { expectedVersion: 4, rootCause: 'delivery-delay', reply: 'We are sorry: the courier is replaced.' },
    });
    expect(resolved.body).toMatchObject({ version: 5, case: { status: 'resolved', rootCause: 'delivery-delay' } });
    expect(resolved.body.case.history.map((change: { actor: string }) => change.actor).slice(1)).toEqual(Array(4).fill('ana@shop.example'));
    // The same use case as the IAM route: FollowUpResolved announced, the reply owed to the respondent in the outbox.
    expect(published).toContainEqual(expect.objectContaining({ detailType: 'FollowUpResolved' }));
  });

  it('replies to the customer any number of times: each reply in the history and its own outbox item, in the customer’s language; the note never leaves', async () => {
    const id = record.message.caseId;
    await call('POST /api/cases/{caseId}/note', success, { caseId: id, body: { expectedVersion: 1, note: 'internal only' } });
    const first = await call('POST /api/cases/{caseId}/reply', success, {
      caseId: id,
      body: { expectedVersion: 2, reply: 'We are on it: a new parcel leaves today.' },
    });
    expect(first).toMatchObject({ status: 200, body: { version: 3 } });
    expect(first.body.case.history.at(-1)).toMatchObject({ action: 'replied', actor: 'ana@shop.example', reply: 'We are on it: a new parcel leaves today.' });
    const second = await call('POST /api/cases/{caseId}/reply', success, { caseId: id, body: { expectedVersion: 3, reply: 'It was delivered this morning.' } });
    expect(second.status).toBe(200);
    expect([...cases.outbox.keys()].filter((key) => key.startsWith(id))).toEqual([`${id}#reply#3`, `${id}#reply#4`]);
    const sent = cases.outbox.get(`${id}#reply#3`);
    expect(sent).toMatchObject({
      kind: 'reply',
      replyId: '3',
      to: { email: 'c@example.com' },
      locale: 'en',
      reply: 'We are on it: a new parcel leaves today.',
    });
    expect(JSON.stringify([...cases.outbox.values()])).not.toContain('internal only');
    const email = renderNotificationEmail(sent!, 'https://feedback.example.com/u/t', {
      brand: testCatalog.brand,
      locales: testCatalog.locales,
      publicBaseUrl: 'https://feedback.example.com',
    });
    expect(email.subject).toBe(`A message about your feedback – ${testCatalog.brand.name}`);
    expect(email.text).toContain('A message from our team about your feedback:');
    expect(email.text).toContain('We are on it: a new parcel leaves today.');
  });

  it('refuses a reply to a suppressed or erased customer with a clear message (409), and sends nothing', async () => {
    const id = record.message.caseId;
    cases.suppressed.add('contact-k');
    const suppressed = await call('POST /api/cases/{caseId}/reply', success, { caseId: id, body: { expectedVersion: 1, reply: 'Hello?' } });
    expect(suppressed).toEqual({
      status: 409,
      body: { message: 'reply: the customer unsubscribed, or their address bounced or complained; nothing was sent' },
    });
    cases.records.set(id, { ...record, erasedAt: OPENED.toISOString() });
    const erased = await call('POST /api/cases/{caseId}/reply', success, { caseId: id, body: { expectedVersion: 1, reply: 'Hello?' } });
    expect(erased).toEqual({ status: 409, body: { message: "reply: the customer's data was erased: nothing can be sent to them; nothing was sent" } });
    expect(cases.outbox.size).toBe(0);
    expect(cases.records.get(id)?.history).toHaveLength(1);
  });

  it('a case changed since the page was read is a conflict naming who changed it and when (409), nothing changed', async () => {
    const id = record.message.caseId;
    await call('POST /api/cases/{caseId}/acknowledge', admin, { caseId: id, body: { expectedVersion: 1 } });
    const stale = await call('POST /api/cases/{caseId}/note', success, { caseId: id, body: { expectedVersion: 1, note: 'late' } });
    expect(stale).toEqual({ status: 409, body: { message: 'changed by lead@shop.example at 2026-11-22T13:00:00.000Z: reload' } });
    expect(cases.records.get(id)?.history).toHaveLength(2);
  });

  it.each([
    ['no version', { note: 'x' }, /expectedVersion/],
    ['an empty note', { expectedVersion: 1, note: '  ' }, /note: empty/],
    ['an over-long note', { expectedVersion: 1, note: 'x'.repeat(MAX_AGENT_TEXT + 1) }, /note/],
    ['an unknown field', { expectedVersion: 1, note: 'x', sendTo: 'all' }, /sendTo/],
  ])('refuses %s (400)', async (_name, body, message) => {
    const refused = await call('POST /api/cases/{caseId}/note', success, { caseId: record.message.caseId, body });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(message);
  });

  it('refuses an empty or over-long reply (400) and a request without claims (401) or without a team (403)', async () => {
    const id = record.message.caseId;
    expect((await call('POST /api/cases/{caseId}/resolve', success, { caseId: id, body: { expectedVersion: 1, rootCause: 'other', reply: ' ' } })).status).toBe(
      400,
    );
    expect(
      (await call('POST /api/cases/{caseId}/resolve', success, { caseId: id, body: { expectedVersion: 1, rootCause: 'other', reply: 'x'.repeat(5001) } }))
        .status,
    ).toBe(400);
    expect((await call('GET /api/cases', undefined)).status).toBe(401);
    expect((await call('GET /api/cases', agent('x@shop.example', '[marketing]'))).status).toBe(403);
    expect(cases.records.get(id)?.status).toBe('open');
  });
});
