/**
 * The weekly digest in the sandbox: answers recorded through the real pipeline (survey email,
 * rating page, the measure stage's day buckets), then `closeloop digest send` → one Block Kit
 * message at a Slack-like HTTP receiver in this test and one email in the SES emulator, with the
 * week's figures; a second send of the same week sends nothing. A sandbox of this file's own (its
 * catalog names the receiver); the shared sandbox of global-setup is not touched.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/closeloop.js';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { ALL_SEGMENTS } from '../../functions/domain/aggregates.js';
import { DEFAULT_PORTS, type RunningSandbox, startSandbox } from '../../sandbox/sandbox.js';
import { secretVariable } from '../../sandbox/secrets.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { browserPost, pageStamp } from '../fixtures/person.js';
import { mimeOf } from './sandbox-clients.js';

const run = Date.now().toString(36);
const OPS = `ops-${run}@shop.example`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const slackPosts: { headers: http.IncomingHttpHeaders; body: string }[] = [];
const receiver = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.url === '/slack') slackPosts.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
  });
});

let running: RunningSandbox;
let store: DynamoAggregateStore;
const sandboxLog: string[] = [];
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-digest-'));
const today = new Date().toISOString().slice(0, 10);

interface StoredEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
}
const emailsTo = async (address: string) =>
  ((await (await fetch(running.info.sesStoreUrl)).json()) as { emails: StoredEmail[] }).emails.filter((e) => e.destination.to.includes(address));

async function waitFor<T>(find: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(150)) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the sandbox said:\n${sandboxLog.slice(-20).join('\n')}`);
  }
}

/** An order delivered → the survey email → a person's click with a score (and comment) on the rating page. */
async function surveyAndAnswer(events: EventBridgeClient, label: string, score: number, comment: string) {
  const email = `digest-${run}-${label}@example.com`;
  const put = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'shop.orders',
          DetailType: 'OrderDelivered',
          EventBusName: running.info.busName,
          Detail: JSON.stringify({
            eventId: `digest-${run}-${label}`,
            occurredAt: new Date().toISOString(),
            customer: { id: `c-${run}-${label}`, email, locale: 'en', tier: 'silver' },
            context: { orderId: label },
          }),
        },
      ],
    }),
  );
  expect(put.FailedEntryCount).toBe(0);
  const [survey] = await waitFor(async () => {
    const found = (
      (await (await fetch(running.info.sesStoreUrl)).json()) as { emails: { destination: { to: string[] }; body: { text?: string } }[] }
    ).emails.filter((e) => e.destination.to.includes(email));
    return found.length ? found : undefined;
  }, `the survey email to ${label}`);
  const link = /^0: (\S+)$/m.exec(survey?.body.text ?? '')?.[1] as string;
  const stamp = await pageStamp(link);
  // A person reads the page before clicking (the page refuses an instant post as a bot's).
  await sleep(600);
  const response = await browserPost(link, new URLSearchParams({ ...(stamp ? { t: stamp } : {}), h: '1', j: '1', score: String(score), comment }).toString());
  expect(response.status).toBeLessThan(400);
}

/** Runs the real command; returns its exit code and what it printed. */
async function digestSend(): Promise<{ exitCode: number; printed: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    // The process holds the sandbox's key pair as its AWS credentials: the request is SigV4-signed as against AWS.
    const exitCode = await main(['digest', 'send', 'weekly', '--week', today, '--api-url', running.info.endpoints.publicApi, '--json']);
    return { exitCode, printed: log.mock.calls.map((call) => call.join(' ')).join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const catalog = parseCatalog({
    ...declaredCatalog(),
    integrations: [{ id: 'cx-slack', kind: 'slack', secret: 'closeloop/digest-slack', on: ['ThresholdBreached'] }],
    // UTC: the week of the buckets' days, whatever the hour the test runs at.
    digests: [{ id: 'weekly', schedule: 'cron(0 8 ? * MON *)', timeZone: 'UTC', to: ['cx-slack', OPS], programs: ['order-delivered-nps'] }],
  });
  process.env[secretVariable('closeloop/digest-slack')] = `${base}/slack`;
  running = await startSandbox({
    catalog,
    ports: Object.fromEntries(Object.keys(DEFAULT_PORTS).map((key) => [key, 0])),
    stateDir,
    retryDelaySeconds: 1,
    logLevel: 'SILENT',
    log: (message) => sandboxLog.push(message),
  });
  const { info } = running;
  const config = { region: info.region, credentials: info.credentials };
  store = new DynamoAggregateStore(info.tables.surveys, DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: info.endpoints.dynamodb })));
  const events = new EventBridgeClient({ ...config, endpoint: info.endpoints.eventbridge });
  await Promise.all([
    surveyAndAnswer(events, 'a', 10, 'Great, thanks'),
    surveyAndAnswer(events, 'b', 9, ''),
    surveyAndAnswer(events, 'c', 2, 'The parcel came late'),
  ]);
  // The measure stage counts the answers and the three cases they open (promoters go to advocacy, the detractor to customer success).
  await waitFor(async () => {
    const totals = await store.totals('order-delivered-nps', ALL_SEGMENTS, today, today);
    return totals.responses === 3 && totals.casesOpened === 3 && totals.sent === 3 ? totals : undefined;
  }, 'the day bucket to count 3 responses, 3 sent and 3 cases');
});

afterAll(async () => {
  await running?.stop();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the weekly digest in the sandbox', () => {
  it("`closeloop digest send` posts one Block Kit message to Slack and sends one email with the week's figures; a second send sends nothing", async () => {
    const first = await digestSend();

    expect(first.exitCode).toBe(0);
    const outcome = JSON.parse(first.printed) as { week: { from: string; to: string }; recipients: { to: string; status: string }[] };
    expect(outcome.recipients).toEqual([
      { to: 'cx-slack', status: 'sent' },
      { to: OPS, status: 'sent' },
    ]);
    expect(outcome.week.from <= today && today <= outcome.week.to).toBe(true);

    expect(slackPosts).toHaveLength(1);
    expect(slackPosts[0]?.headers['content-type']).toBe('application/json');
    const message = JSON.parse(slackPosts[0]?.body as string) as { text: string; blocks: { type: string; fields?: { text: string }[] }[] };
    expect(message.blocks[0]?.type).toBe('header');
    expect(message.text).toContain(`weekly digest · ${outcome.week.from} … ${outcome.week.to}`);
    const fields = message.blocks.flatMap((block) => block.fields ?? []).map((field) => field.text);
    // 2 promoters and 1 detractor: NPS 33.3 (the report's rounding), with its interval.
    expect(fields).toContainEqual(expect.stringMatching(/^\*NPS\*\n33\.3 ± [\d.]+ \(95 % interval -?[\d.]+ to [\d.]+\)$/));
    expect(fields).toContainEqual('*Responses*\n3 of 3 sent (100 %)');
    expect(fields).toContainEqual(expect.stringMatching(/^\*Follow-ups\*\n3 opened, 0 resolved/));
    expect(fields).toContainEqual('*Top topics*\ndelivery 1 (100 %)');

    const [email] = await emailsTo(OPS);
    expect(email?.subject).toBe(`Closeloop Demo Shop weekly digest · ${outcome.week.from} … ${outcome.week.to}`);
    const mime = await mimeOf(email?.messageId as string, running.info.endpoints.sesv2);
    expect(mime.text).toContain('order-delivered-nps');
    expect(mime.text).toContain('Responses: 3 of 3 sent (100 %)');
    expect(mime.text).toMatch(/NPS: 33\.3 ± [\d.]+ \(95 % interval/);
    expect(mime.html).toContain('Closeloop Demo Shop');
    expect(mime.html).toContain('3 of 3 sent (100 %)');

    const second = await digestSend();

    expect(second.exitCode).toBe(0);
    expect((JSON.parse(second.printed) as { recipients: { status: string }[] }).recipients.map((r) => r.status)).toEqual(['already-sent', 'already-sent']);
    // Give a wrongly sent second message the time to arrive before counting.
    await sleep(500);
    expect(slackPosts).toHaveLength(1);
    expect(await emailsTo(OPS)).toHaveLength(1);
  });

  it('answers an unknown digest with exit code 3 and sends nothing', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(main(['digest', 'send', 'monthly', '--api-url', running.info.endpoints.publicApi])).rejects.toMatchObject({ exitCode: 3 });
    } finally {
      error.mockRestore();
      stderr.mockRestore();
    }
    expect(slackPosts).toHaveLength(1);
  });
});
