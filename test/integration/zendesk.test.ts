/**
 * The zendesk integration in the sandbox, delivering for real over HTTP to a server in this test
 * that behaves like a Zendesk account (test/fixtures/fake-zendesk.ts: stores tickets, honours
 * Idempotency-Key for a short window only, lists tickets by external_id, fails on demand), against a
 * sandbox of this file's own (its catalog names the server's port).
 */

import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/closeloop.js';
import { toItem } from '../../functions/adapters/dynamo-invitation-repository.js';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import { hashToken, newToken } from '../../functions/domain/tokens.js';
import { DEFAULT_PORTS, type RunningSandbox, startSandbox } from '../../sandbox/sandbox.js';
import { secretVariable } from '../../sandbox/secrets.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { FakeZendesk } from '../fixtures/fake-zendesk.js';
import { browserPost, pageStamp } from '../fixtures/person.js';

const AGENT = 'closeloop-bot@shop.example';
const TOKEN = 'zendesk-api-token-for-the-sandbox-test';
/** What Zendesk shows as the webhook's signing secret. */
const SIGNING_SECRET = 'zendesk-webhook-signing-secret-for-the-sandbox-test';
/** Zendesk keeps keys for hours; this account for moments, so a retry can come after the key is gone. */
const IDEMPOTENCY_WINDOW_MS = 400;
const run = Date.now().toString(36);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const account = new FakeZendesk({ agentEmail: AGENT, apiToken: TOKEN, idempotencyWindowMs: IDEMPOTENCY_WINDOW_MS });
const server = http.createServer(account.listener());

let running: RunningSandbox;
let dynamodb: DynamoDBDocumentClient;
let events: EventBridgeClient;
const sandboxLog: string[] = [];
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-zendesk-'));

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const catalog = parseCatalog({
    ...declaredCatalog(),
    integrations: [
      {
        id: 'zendesk',
        kind: 'zendesk',
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        secret: 'closeloop/zendesk',
        on: ['FollowUpOpened', 'FollowUpEscalated', 'FollowUpResolved'],
        // Zendesk's own webhook (its triggers) resolves cases, signed with the signing secret Zendesk shows.
        inbound: { secret: 'closeloop/zendesk-signing', queues: ['customer-success'], defaultRootCause: 'other', rootCauseField: '360000000001' },
      },
    ],
  });
  process.env[secretVariable('closeloop/zendesk')] = `${AGENT}/token:${TOKEN}`;
  process.env[secretVariable('closeloop/zendesk-signing')] = SIGNING_SECRET;
  running = await startSandbox({
    catalog,
    ports: Object.fromEntries(Object.keys(DEFAULT_PORTS).map((key) => [key, 0])),
    stateDir,
    retryDelaySeconds: 1,
    // 30 s … 12 h of backoff become (almost) 0 s; a Retry-After is honoured unscaled.
    delayScale: 0.00001,
    logLevel: 'SILENT',
    log: (message) => sandboxLog.push(message),
  });
  const { info } = running;
  const config = { region: info.region, credentials: info.credentials };
  dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: info.endpoints.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  events = new EventBridgeClient({ ...config, endpoint: info.endpoints.eventbridge });
});

afterAll(async () => {
  await running?.stop();
  await new Promise((resolve) => server.close(resolve));
  rmSync(stateDir, { recursive: true, force: true });
});

async function waitFor<T>(find: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(50)) {
    const found = await find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out; the sandbox said:\n${sandboxLog.slice(-20).join('\n')}\nrequests: ${account.requests.map((r) => `${r.method} ${r.path} ${r.answered}`).join('\n')}`,
      );
    }
  }
}

/** Closeloop's own case events, put on its bus as the handlers put them. */
async function announce(detailType: string, detail: Record<string, unknown>) {
  const result = await events.send(
    new PutEventsCommand({ Entries: [{ Source: 'closeloop', DetailType: detailType, Detail: JSON.stringify(detail), EventBusName: running.info.busName }] }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

const caseDetail = (caseId: string) => ({
  version: 1,
  caseId,
  programId: 'order-delivered-nps',
  rule: 'detractors',
  queue: 'customer-success',
  ownerTeam: 'support',
  customerId: `c-${caseId}`,
  score: 3,
  classification: 'detractor',
});
const caseOpened = (caseId: string) => ({ ...caseDetail(caseId), acknowledgeBy: null, dueAt: new Date(Date.now() + 86_400_000).toISOString() });

/** A detractor's answer through the real rating page: invitation stored as dispatch stores it, then the click. */
async function answer(label: string, score: number, comment: string) {
  const token = newToken();
  const now = new Date();
  const invitation: Invitation = {
    tokenHash: hashToken(token),
    programId: 'order-delivered-nps',
    kind: 'nps',
    eventId: `zendesk-${run}-${label}`,
    contactKey: `contact-${run}-${label}`,
    locale: 'en',
    customer: { id: `cust-${run}-${label}`, email: `kadri-${run}-${label}@example.com`, name: `Kadri ${run}`, tier: 'silver' },
    context: { orderId: label },
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
  };
  await dynamodb.send(new PutCommand({ TableName: running.info.tables.surveys, Item: toItem(invitation) }));
  const link = `${running.info.publicBaseUrl}/r/${token}`;
  const stamp = (await pageStamp(link)) as string;
  // A person reads the page before clicking (the page refuses an instant post as a bot's).
  await sleep(600);
  const answeredAt = Date.now();
  const response = await browserPost(link, new URLSearchParams({ score: String(score), comment, t: stamp, h: '1', j: '1' }).toString());
  expect(response.status).toBeLessThan(400);
  return { invitation, answeredAt };
}

async function logItems(): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: running.info.tables.surveys,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'DELIVERY#zendesk' },
      ConsistentRead: true,
    }),
  );
  return Items;
}

const calls = (caseId: string) => account.requestsMentioning(caseId).map((r) => `${r.method} ${r.answered}`);

describe('zendesk in the sandbox', () => {
  let answeredCase: string;

  it('opens one private ticket for an answer: Idempotency-Key = webhook-id, external_id = case id, no personal data', async () => {
    const comment = `The parcel came late ${run}`;
    const { invitation, answeredAt } = await answer('first', 2, comment);

    const ticket = await waitFor(() => account.tickets.find((t) => t.comments[0]?.body.includes(comment)));
    console.log(`answer → Zendesk ticket in the sandbox: ${(account.requests.find((r) => r.body.includes(comment))?.at ?? 0) - answeredAt} ms`);
    answeredCase = ticket.external_id as string;
    await sleep(1000);

    expect(account.ticketsOf(answeredCase)).toHaveLength(1);
    const [create] = account.requestsMentioning(answeredCase);
    expect(create?.method).toBe('POST');
    // As created (the case's escalation, moments later here, raises the priority).
    expect(JSON.parse(create?.body ?? '{}').ticket).toMatchObject({
      subject: 'Closeloop follow-up: order-delivered-nps, score 2 (detractor)',
      external_id: answeredCase,
      priority: 'normal',
      tags: expect.arrayContaining(['closeloop', 'order-delivered-nps', 'detractor']),
    });
    expect(ticket.comments[0]).toMatchObject({ public: false, body: expect.stringContaining(`closeloop case show ${answeredCase}`) });
    // The opening's log item (the case's escalation, moments later here, logs a delivery of its own).
    const item = await waitFor(async () => (await logItems()).find((i) => i.webhookId === create?.headers['idempotency-key']));
    expect(JSON.stringify(item)).toContain(answeredCase);
    expect(item).toMatchObject({ status: 'delivered', attempts: 1 });
    for (const personal of [invitation.customer.id, invitation.customer.email, invitation.customer.name as string]) {
      expect(JSON.stringify(account.requestsMentioning(answeredCase))).not.toContain(personal);
    }
  });

  it('opens one ticket after 3 failed attempts', async () => {
    const caseId = `flaky-${run}`;
    account.failNext(3, { status: 503, method: 'POST', mentioning: caseId });

    await announce('FollowUpOpened', caseOpened(caseId));

    await waitFor(() => account.ticketsOf(caseId).length > 0);
    await sleep(1500);
    expect(account.ticketsOf(caseId)).toHaveLength(1);
    expect(calls(caseId)).toEqual(['POST 503', 'GET 200', 'POST 503', 'GET 200', 'POST 503', 'GET 200', 'POST 201']);
    const keys = new Set(account.requestsMentioning(caseId).flatMap((r) => (r.method === 'POST' ? [r.headers['idempotency-key']] : [])));
    expect(keys.size).toBe(1);
  });

  it('still opens one ticket when the retry comes after the idempotency key expired (the lookup finds it), honouring Retry-After', async () => {
    const caseId = `late-${run}`;
    // The ticket is created, but the answer is lost: a 503 asking to come back in 1 s (longer than the key is kept).
    account.failNext(1, { status: 503, retryAfter: 1, commit: true, method: 'POST', mentioning: caseId });

    await announce('FollowUpOpened', caseOpened(caseId));

    await waitFor(() => account.requestsMentioning(caseId).some((r) => r.method === 'GET'));
    await sleep(1500);
    expect(calls(caseId)).toEqual(['POST 503', 'GET 200']);
    const [post, lookup] = account.requestsMentioning(caseId);
    expect((lookup?.at ?? 0) - (post?.at ?? 0)).toBeGreaterThanOrEqual(Math.max(IDEMPOTENCY_WINDOW_MS, 950));
    expect(account.ticketsOf(caseId)).toHaveLength(1);
    const [item] = (await logItems()).filter((i) => JSON.stringify(i).includes(caseId));
    expect(item).toMatchObject({ status: 'delivered', attempts: 2, lastResult: expect.stringMatching(/already open/) });
  });

  it('waits out a 429 for as long as Retry-After says', async () => {
    const caseId = `busy-${run}`;
    account.failNext(1, { status: 429, retryAfter: 2, method: 'POST', mentioning: caseId });

    await announce('FollowUpOpened', caseOpened(caseId));

    await waitFor(() => account.ticketsOf(caseId).length > 0);
    const [limited, , created] = account.requestsMentioning(caseId);
    expect(calls(caseId)).toEqual(['POST 429', 'GET 200', 'POST 201']);
    expect((created?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1950);
  });

  it("brings the escalate stage's own escalation of the answered case to its ticket (the rule's deadline passes in moments here)", async () => {
    const ticket = await waitFor(() => account.ticketsOf(answeredCase).find((t) => t.comments.some((c) => c.body.startsWith('ESCALATED'))));
    expect(account.ticketsOf(answeredCase)).toHaveLength(1);
    expect(ticket.priority).toBe('high');
    expect(ticket.comments.filter((c) => c.body.startsWith('ESCALATED in Closeloop: rung 1'))).toHaveLength(1);
  });

  it('opens no second ticket (and adds no second comment) on replay', async () => {
    const cases = [answeredCase, `flaky-${run}`, `late-${run}`, `busy-${run}`];
    const before = account.requests.length;
    const comments = cases.map((caseId) => account.ticketsOf(caseId)[0]?.comments.length);
    const since = new Date(Date.now() - 10 * 60_000).toISOString();

    const exitCode = await main(['integrations', 'replay', 'zendesk', '--since', since, '--api-url', running.info.endpoints.publicApi]);

    expect(exitCode).toBe(0);
    await waitFor(() => cases.every((caseId) => account.requestsMentioning(caseId).some((r) => account.requests.indexOf(r) >= before)));
    await sleep(1500);
    const after = account.requests.slice(before);
    expect(after.length).toBeGreaterThanOrEqual(cases.length);
    expect(after.map((r) => `${r.method} ${r.answered}`)).toEqual(after.map(() => 'GET 200'));
    for (const caseId of cases) expect(account.ticketsOf(caseId)).toHaveLength(1);
    expect(cases.map((caseId) => account.ticketsOf(caseId)[0]?.comments.length)).toEqual(comments);
  });

  it('adds an escalation and the resolution to the same ticket: private comments, priority raised, solved', async () => {
    const caseId = `flaky-${run}`;
    await announce('FollowUpEscalated', { ...caseDetail(caseId), escalation: { rung: 2, reason: 'not-resolved', at: new Date().toISOString() } });
    await waitFor(() => (account.ticketsOf(caseId)[0]?.comments.length ?? 0) >= 2);
    await announce('FollowUpResolved', { ...caseDetail(caseId), rootCause: 'late-delivery', resolvedAt: new Date().toISOString(), escalations: 2 });
    await waitFor(() => account.ticketsOf(caseId)[0]?.status === 'solved');
    await sleep(1000);

    const tickets = account.ticketsOf(caseId);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ priority: 'urgent', status: 'solved', assignee_id: 1 });
    expect(tickets[0]?.comments.map((c) => c.public)).toEqual([false, false, false]);
    expect(tickets[0]?.comments[1]?.body).toMatch(/^ESCALATED in Closeloop: rung 2, not resolved in time/);
    expect(tickets[0]?.comments[2]?.body).toMatch(/^Resolved in Closeloop .*root cause late-delivery, after 2 escalations/);
    expect(calls(caseId).slice(-4)).toEqual(['GET 200', 'PUT 200', 'GET 200', 'PUT 200']);
  });

  it("a ticket solved in Zendesk resolves its case through Zendesk's own signed webhook (no relay); a bad signature is 401", async () => {
    const comment = `Solved in Zendesk ${run}`;
    await answer('zendesk-solved', 2, comment);
    const ticket = await waitFor(() => account.tickets.find((t) => t.comments[0]?.body.includes(comment)));
    const caseId = ticket.external_id as string;
    // The body the documented trigger sends (docs/integrations.md), signed as Zendesk signs.
    const body = JSON.stringify({ event: 'solved', ticket: { id: String(ticket.id), external_id: caseId, root_cause: 'delivery-delay' }, author: AGENT });
    const post = (signature: string, timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')) =>
      fetch(`${running.info.endpoints.publicApi}/hooks/zendesk`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-zendesk-webhook-signature': signature,
          'x-zendesk-webhook-signature-timestamp': timestamp,
        },
        body,
      });
    const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const forged = await post(
      createHmac('sha256', 'not-the-secret')
        .update(timestamp + body)
        .digest('base64'),
      timestamp,
    );
    expect(forged.status).toBe(401);
    const signature = createHmac('sha256', SIGNING_SECRET)
      .update(timestamp + body)
      .digest('base64');
    const accepted = await post(signature, timestamp);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({
      status: 'resolved',
      rootCause: 'delivery-delay',
      history: expect.arrayContaining([expect.objectContaining({ actor: 'integration:zendesk', action: 'resolved' })]),
    });
    // The same request again (a replay) changes nothing.
    expect((await post(signature, timestamp)).status).toBe(401);
  });
});
