/**
 * Answer → integration latency (issue 14): detractors answer through the real rating page of a
 * sandbox whose catalog has one webhook and one Slack integration on FollowUpOpened; HTTP receivers
 * in this process take the deliveries. Times are from the answer's POST to the delivery's arrival,
 * through the same path as in AWS: answer → stream → rules stage → bus → integration queue → deliver.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { toItem } from '../functions/adapters/dynamo-invitation-repository.js';
import { parseCatalog } from '../functions/config/catalog-schema.js';
import type { Invitation } from '../functions/domain/invitation.js';
import { hashToken, newToken } from '../functions/domain/tokens.js';
import { secretVariable } from '../sandbox/secrets.js';
import { declaredCatalog } from '../test/fixtures/catalog.js';
import { browserPost, pageStamp } from '../test/fixtures/person.js';
import { benchSandbox } from './harness.js';

export interface WebhookLatency {
  readonly answers: number;
  /** POSTs answered 503 (the table busy: "try again in a second") and retried. */
  readonly retried503: number;
  readonly webhook: { readonly p50: number; readonly p95: number; readonly delivered: number };
  readonly slack: { readonly p50: number; readonly p95: number; readonly delivered: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/** `answers` detractors, `concurrency` at a time, each reading the page 0.6 s before clicking as a person does. */
export async function benchWebhooks(answers = 40, concurrency = 8): Promise<WebhookLatency> {
  const arrivals = new Map<string, number>(); // "<path> <caseId>" → ms
  const receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const label = /bench-([a-z0-9]+-\d+)/.exec(body)?.[1] ?? /"eventId":"([^"]+)"/.exec(body)?.[1];
      arrivals.set(`${request.url} ${label}`, Date.now());
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  process.env[secretVariable('closeloop/bench-webhook')] = `whsec_${Buffer.from('closeloop-bench-webhook-key-32-b').toString('base64')}`;
  process.env[secretVariable('closeloop/bench-slack')] = `${base}/slack`;
  const sandbox = await benchSandbox('webhooks', {
    catalog: parseCatalog({
      ...declaredCatalog(),
      integrations: [
        // Personal data opted in so the receivers can match a delivery to its answer by the customer id.
        { id: 'bench-webhook', kind: 'webhook', url: `${base}/webhook`, secret: 'closeloop/bench-webhook', on: ['FollowUpOpened'], includePersonalData: true },
        { id: 'bench-slack', kind: 'slack', secret: 'closeloop/bench-slack', on: ['FollowUpOpened'], includePersonalData: true },
      ],
    }),
    retryDelaySeconds: 1,
  });
  try {
    const { info } = sandbox;
    const dynamodb = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.dynamodb }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    const run = Date.now().toString(36);
    const answeredAt = new Map<string, number>();
    let retried503 = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < answers) {
          const label = `${run}-${next++}`;
          const token = newToken();
          const now = new Date();
          const invitation: Invitation = {
            tokenHash: hashToken(token),
            programId: 'order-delivered-nps',
            kind: 'nps',
            eventId: `bench-${label}`,
            contactKey: `bench-contact-${label}`,
            locale: 'en',
            customer: { id: `bench-${label}`, email: `bench-${label}@example.com`, tier: 'silver' },
            context: { orderId: label },
            createdAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
          };
          await dynamodb.send(new PutCommand({ TableName: info.tables.surveys, Item: toItem(invitation) }));
          const link = `${info.publicBaseUrl}/r/${token}`;
          const stamp = (await pageStamp(link)) as string;
          await sleep(600);
          answeredAt.set(label, Date.now());
          // A person's browser retries a 503 after its Retry-After (1 s), as the page asks; the answer's time stays the first click.
          let response = await browserPost(link, new URLSearchParams({ score: '2', comment: 'late', t: stamp, h: '1', j: '1' }).toString());
          for (let retry = 0; response.status === 503 && retry < 5; retry++) {
            retried503++;
            await sleep(1000);
            response = await browserPost(link, new URLSearchParams({ score: '2', comment: 'late', t: stamp, h: '1', j: '1' }).toString());
          }
          if (response.status >= 400) throw new Error(`the rating page answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
        }
      }),
    );
    const expected = [...answeredAt.keys()].flatMap((label) => [`/webhook ${label}`, `/slack ${label}`]);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !expected.every((key) => arrivals.has(key)); ) await sleep(100);
    const latencies = (pathName: string) =>
      [...answeredAt.entries()].flatMap(([label, at]) => {
        const arrived = arrivals.get(`${pathName} ${label}`);
        return arrived === undefined ? [] : [(arrived - at) / 1000];
      });
    const webhook = latencies('/webhook');
    const slack = latencies('/slack');
    return {
      answers,
      retried503,
      webhook: { p50: percentile(webhook, 50), p95: percentile(webhook, 95), delivered: webhook.length },
      slack: { p50: percentile(slack, 50), p95: percentile(slack, 95), delivered: slack.length },
    };
  } finally {
    await sandbox.stop();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
