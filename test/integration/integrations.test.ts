/**
 * Integrations in the sandbox, delivered for real to HTTP receivers in this test and verified with
 * the `standardwebhooks` library, against a sandbox of this file's own (its catalog names the
 * receivers' ports; the shared sandbox of global-setup is not touched).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/closeloop.js';
import { signedFetch } from '../../cli/signed-fetch.js';
import { DynamoErasure } from '../../functions/adapters/dynamo-erasure.js';
import { toItem } from '../../functions/adapters/dynamo-invitation-repository.js';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { deliverFailureQueue } from '../../functions/config/resources.js';
import { MAX_DELIVERY_ATTEMPTS } from '../../functions/domain/delivery-policy.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import { hashToken, newToken } from '../../functions/domain/tokens.js';
import { DEFAULT_PORTS, type RunningSandbox, startSandbox } from '../../sandbox/sandbox.js';
import { secretVariable } from '../../sandbox/secrets.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { browserPost, pageStamp } from '../fixtures/person.js';

const SECRET = `whsec_${Buffer.from('closeloop-integration-test-key-32b').toString('base64')}`;
const run = Date.now().toString(36);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Received {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly at: number;
}
const received: Received[] = [];
/** Per path: the status to answer with, given how many requests that path has had (1-based). */
const behaviour = new Map<string, (nth: number) => number>();
const receiver = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const pathName = request.url ?? '/';
    received.push({ path: pathName, headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
    const nth = received.filter((r) => r.path === pathName).length;
    response.writeHead((behaviour.get(pathName) ?? (() => 204))(nth));
    response.end();
  });
});

let running: RunningSandbox;
let dynamodb: DynamoDBDocumentClient;
let sqs: SQSClient;
let events: EventBridgeClient;
const sandboxLog: string[] = [];
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-integrations-'));

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const webhook = (id: string, on: string[], extra: Record<string, unknown> = {}) => ({
    id,
    kind: 'webhook',
    url: `${base}/${id}`,
    secret: 'closeloop/test-webhook',
    on,
    ...extra,
  });
  const catalog = parseCatalog({
    ...declaredCatalog(),
    integrations: [
      webhook('cx-webhook', ['FollowUpOpened', 'SurveySent']),
      { id: 'cx-slack', kind: 'slack', secret: 'closeloop/test-slack', on: ['FollowUpOpened', 'ThresholdBreached'] },
      webhook('flaky', ['ThresholdRecovered']),
      webhook('down', ['ThresholdBreached']),
      webhook('load', ['FollowUpResolved']),
      webhook('optin', ['FollowUpOpened'], { includePersonalData: true, shareContext: ['orderId'] }),
      { id: 'no-secret', kind: 'slack', secret: 'closeloop/not-set', on: ['FollowUpOpened'] },
    ],
  });
  process.env[secretVariable('closeloop/test-webhook')] = SECRET;
  process.env[secretVariable('closeloop/test-slack')] = `${base}/slack`;
  delete process.env[secretVariable('closeloop/not-set')];
  running = await startSandbox({
    catalog,
    ports: Object.fromEntries(Object.keys(DEFAULT_PORTS).map((key) => [key, 0])),
    stateDir,
    retryDelaySeconds: 1,
    // 30 s … 12 h of backoff become 0 s: the whole (scaled) retry window passes in moments.
    delayScale: 0.00001,
    logLevel: 'SILENT',
    log: (message) => sandboxLog.push(message),
  });
  const { info } = running;
  const config = { region: info.region, credentials: info.credentials };
  dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: info.endpoints.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  sqs = new SQSClient({ ...config, endpoint: info.endpoints.sqs });
  events = new EventBridgeClient({ ...config, endpoint: info.endpoints.eventbridge });
});

afterAll(async () => {
  await running?.stop();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(stateDir, { recursive: true, force: true });
});

async function waitFor<T>(find: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(50)) {
    const found = await find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline)
      throw new Error(`timed out; the sandbox said:\n${sandboxLog.slice(-20).join('\n')}\nreceived: ${received.map((r) => r.path).join(' ')}`);
  }
}

/** Closeloop's own events, put on its bus as the handlers put them. */
async function announce(detailType: string, details: Record<string, unknown>[]) {
  for (let i = 0; i < details.length; i += 10) {
    const Entries = details.slice(i, i + 10).map((detail) => ({
      Source: 'closeloop',
      DetailType: detailType,
      Detail: JSON.stringify(detail),
      EventBusName: running.info.busName,
    }));
    const result = await events.send(new PutEventsCommand({ Entries }));
    expect(result.FailedEntryCount).toBe(0);
  }
}

/** Personal data a producer put into the event's context (issue 25: it went to default webhooks through RecoverySurveyRequested). */
const PRODUCER_CONTEXT = { shippingAddress: 'Tamme 5, 10115 Tallinn', phone: '+372 5555 1234', secondEmail: 'kadri.private@example.org' };
const PERSONAL = [...Object.values(PRODUCER_CONTEXT)];

/** A detractor's answer through the real rating page: invitation stored as dispatch stores it, then the click. */
async function answer(label: string, score: number, comment: string) {
  const token = newToken();
  const now = new Date();
  const invitation: Invitation = {
    tokenHash: hashToken(token),
    programId: 'order-delivered-nps',
    kind: 'nps',
    eventId: `integrations-${run}-${label}`,
    contactKey: `contact-${run}-${label}`,
    locale: 'en',
    customer: { id: `cust-${run}-${label}`, email: `kadri-${run}-${label}@example.com`, name: `Kadri ${run}`, tier: 'silver' },
    // What producers put in a context: an order id, and personal data no integration receives by default.
    context: { orderId: label, ...PRODUCER_CONTEXT },
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

const bodies = (pathName: string) => received.filter((r) => r.path === pathName);

describe('integrations in the sandbox', () => {
  it('leaves out an integration whose secret is not set, with a warning', () => {
    expect(sandboxLog.join('\n')).toMatch(/integration "no-secret" is disabled: set CLOSELOOP_SECRET_CLOSELOOP_NOT_SET/);
  });

  it('delivers FollowUpOpened, signed (verified by standardwebhooks), without personal data; and the Slack message', async () => {
    const comment = `The parcel came late ${run}`;
    const { invitation, answeredAt } = await answer('first', 2, comment);

    const delivery = await waitFor(() =>
      bodies('/cx-webhook').find((r) => (JSON.parse(r.body) as { type: string }).type === 'FollowUpOpened' && r.body.includes('order-delivered-nps')),
    );
    const payload = new Webhook(SECRET).verify(delivery.body, delivery.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    console.log(`answer → webhook in the sandbox: ${delivery.at - answeredAt} ms`);

    expect(payload.type).toBe('FollowUpOpened');
    expect(payload.data).toMatchObject({ programId: 'order-delivered-nps', score: 2, classification: 'detractor' });
    expect(delivery.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    for (const personal of [invitation.customer.id, invitation.customer.email, invitation.customer.name as string, comment]) {
      expect(delivery.body).not.toContain(personal);
    }

    const slack = await waitFor(() => bodies('/slack').find((r) => r.body.includes(String(payload.data.caseId))));
    const message = JSON.parse(slack.body) as { text: string; blocks: { type: string }[] };
    expect(message.text).toContain('order-delivered-nps');
    expect(message.blocks[0]?.type).toBe('header');
    expect(slack.body).toContain(`closeloop case show ${payload.data.caseId}`);
    expect(slack.body).toContain('2 (detractor)');
    expect(slack.body).toContain(comment);
    expect(slack.body).not.toContain(invitation.customer.id);
    expect(slack.body).not.toContain(invitation.customer.email);
  });

  it('erasure scan, default integrations: no address, phone or other personal data in any delivery or log item', async () => {
    const { invitation } = await answer('scan', 2, `scan ${run}`);
    const caseDelivery = await waitFor(() => bodies('/cx-webhook').find((r) => r.body.includes('FollowUpOpened') && r.body.includes(`"programId"`)));
    await waitFor(() => bodies('/slack').find((r) => r.body.length > 0));
    const personal = [...PERSONAL, invitation.customer.email!, invitation.customer.name!, invitation.customer.id!];
    for (const id of ['cx-webhook', 'cx-slack']) {
      const logged = JSON.stringify(await logItems(id));
      for (const value of personal) expect(logged, `${id}'s log holds ${value}`).not.toContain(value);
    }
    for (const body of [...bodies('/cx-webhook'), ...bodies('/slack')].map((r) => r.body)) {
      for (const value of PERSONAL) expect(body).not.toContain(value);
    }
    // The delivered shape: the schema's fields without customerId, customer or context.
    expect(Object.keys(JSON.parse(caseDelivery.body).data).sort()).toEqual(
      ['acknowledgeBy', 'caseId', 'classification', 'dueAt', 'ownerTeam', 'programId', 'queue', 'rule', 'score', 'version'].sort(),
    );
  });

  it('erasure scan, opted-in integrations: the customer and the shared context key present before `erase`, gone after', async () => {
    const { invitation } = await answer('optin', 1, `optin ${run}`);
    const delivery = await waitFor(() => bodies('/optin').find((r) => r.body.includes(invitation.customer.id!)));
    expect(() => new Webhook(SECRET).verify(delivery.body, delivery.headers)).not.toThrow();
    expect(JSON.parse(delivery.body).data).toMatchObject({ customerId: invitation.customer.id, context: { orderId: 'optin' } });
    // shareContext names orderId only: the rest of the producer's context stays home.
    for (const value of PERSONAL) expect(delivery.body).not.toContain(value);
    await waitFor(async () => ((await logItems('optin')).some((item) => JSON.stringify(item).includes(invitation.customer.id!)) ? true : undefined));
    expect(JSON.stringify(await logItems('optin'))).toContain('"orderId":"optin"');

    await new DynamoErasure(running.info.tables.surveys, dynamodb).erase(invitation.contactKey, new Date());

    expect((await logItems('optin')).filter((item) => JSON.stringify(item).includes(invitation.customer.id!))).toEqual([]);
    expect(JSON.stringify(await logItems('optin'))).not.toContain('"orderId":"optin"');
    // The other integrations' items never held it.
    for (const id of ['cx-webhook', 'cx-slack']) expect(JSON.stringify(await logItems(id))).not.toContain(invitation.customer.id);
  });

  it('retries a receiver that fails 3 times, then delivers once, with the same webhook-id on every attempt', async () => {
    behaviour.set('/flaky', (nth) => (nth <= 3 ? 503 : 200));
    await announce('ThresholdRecovered', [{ version: 1, programId: 'order-delivered-nps', segment: `flaky-${run}`, at: new Date().toISOString() }]);

    await waitFor(() => (bodies('/flaky').length >= 4 ? true : undefined));
    await sleep(1500);

    const attempts = bodies('/flaky');
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    for (const attempt of attempts) expect(() => new Webhook(SECRET).verify(attempt.body, attempt.headers)).not.toThrow();
    const [item] = await logItems('flaky');
    expect(item).toMatchObject({ status: 'delivered', attempts: 4, webhookId: attempts[0]?.headers['webhook-id'] });
  });

  it('dead-letters with the reason when the receiver is down for the whole (scaled) retry window; replay then delivers with the same id', async () => {
    behaviour.set('/down', () => 503);
    const at = new Date().toISOString();
    await announce('ThresholdBreached', [
      { version: 1, programId: 'order-delivered-nps', segment: `down-${run}`, at, score: -40, lower: -60, upper: -20, threshold: 0 },
    ]);

    const deadLetter = await waitFor(async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: running.info.queues[deliverFailureQueue.name]?.url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 1,
        }),
      );
      for (const m of Messages)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: running.info.queues[deliverFailureQueue.name]?.url, ReceiptHandle: m.ReceiptHandle }));
      return Messages.find((m) => m.Body?.includes(`down-${run}`));
    });
    expect(deadLetter.MessageAttributes?.reason?.StringValue).toMatch(
      new RegExp(`^down: ${MAX_DELIVERY_ATTEMPTS} attempts over the retry window failed; last: HTTP 503`),
    );
    const down = bodies('/down');
    expect(down).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    const id = down[0]?.headers['webhook-id'];
    expect(new Set(down.map((a) => a.headers['webhook-id']))).toEqual(new Set([id]));
    expect((await logItems('down'))[0]).toMatchObject({ status: 'dead-lettered', attempts: MAX_DELIVERY_ATTEMPTS });

    behaviour.set('/down', () => 200);
    // The real command, against this sandbox's API (the process holds the sandbox's key pair as its AWS credentials).
    const exitCode = await main([
      'integrations',
      'replay',
      'down',
      '--since',
      new Date(Date.parse(at) - 1000).toISOString(),
      '--api-url',
      running.info.endpoints.publicApi,
    ]);
    expect(exitCode).toBe(0);

    const replayed = await waitFor(() => bodies('/down')[MAX_DELIVERY_ATTEMPTS]);
    expect(replayed.headers['webhook-id']).toBe(id);
    expect(() => new Webhook(SECRET).verify(replayed.body, replayed.headers)).not.toThrow();
    await waitFor(async () => ((await logItems('down'))[0]?.status === 'delivered' ? true : undefined));
  });

  it('refuses a replay without a signature, and one for an unknown integration', async () => {
    const unsigned = await fetch(`${running.info.endpoints.publicApi}/integrations/down/replay`, { method: 'POST', body: '{"since":"2026-01-01T00:00:00Z"}' });
    expect(unsigned.status).toBe(403);
    const unknown = await signedFetch(
      `${running.info.endpoints.publicApi}/integrations/nope/replay`,
      { method: 'POST', body: JSON.stringify({ since: '2026-01-01T00:00:00Z' }) },
      { region: running.info.region, credentials: running.info.credentials },
    );
    expect(unknown.status).toBe(404);
  });

  it('delivers 100 follow-ups announced at once, each exactly once', async () => {
    const started = Date.now();
    const cases = Array.from({ length: 100 }, (_, i) => `load-${run}-${i}`);
    await announce(
      'FollowUpResolved',
      cases.map((caseId) => ({ version: 1, caseId, programId: 'order-delivered-nps', customerId: `c-${caseId}`, score: 3, rootCause: 'late-delivery' })),
    );

    await waitFor(() => (bodies('/load').length >= 100 ? true : undefined), 120_000);
    await sleep(1500);

    const deliveries = bodies('/load');
    const seen = deliveries.map((d) => (JSON.parse(d.body) as { data: { caseId: string } }).data.caseId);
    expect(seen.sort()).toEqual([...cases].sort());
    expect(new Set(deliveries.map((d) => d.headers['webhook-id'])).size).toBe(100);
    for (const delivery of deliveries) expect(delivery.body).not.toContain('"customerId"');
    const latencies = deliveries.map((d) => d.at - started).sort((a, b) => a - b);
    console.log(`100 follow-ups: p50 ${latencies[49]} ms, p95 ${latencies[94]} ms, last ${latencies[99]} ms after the PutEvents began`);
  });
});

async function logItems(integrationId: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: running.info.tables.surveys,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `DELIVERY#${integrationId}` },
      ConsistentRead: true,
    }),
  );
  return Items;
}
