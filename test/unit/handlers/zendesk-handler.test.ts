// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../../fixtures/handler-env.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCatalog } from '../../../functions/config/catalog-schema.js';
import { ENV } from '../../../functions/config/env.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { declaredCatalog } from '../../fixtures/catalog.js';
import { FakeZendesk } from '../../fixtures/fake-zendesk.js';
import { HANDLER_ENV } from '../../fixtures/handler-env.js';

const AGENT = 'closeloop-bot@shop.example';
const TOKEN = 'handler-test-token';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/closeloop-IntegrationsZendeskQueue-AbC';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:closeloop-IntegrationsZendeskQueue-AbC';
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const fetchMock = vi.fn<typeof fetch>();
let account: FakeZendesk;

let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

beforeAll(async () => {
  const catalog = parseCatalog({
    ...declaredCatalog(),
    integrations: [{ id: 'zendesk', kind: 'zendesk', url: 'https://shop.zendesk.com', secret: 'closeloop/zendesk', on: ['FollowUpOpened'] }],
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'closeloop-zendesk-')), 'catalog.json');
  writeFileSync(file, JSON.stringify(catalog));
  process.env[ENV.RUNTIME_CATALOG] = file;
  process.env[ENV.INTEGRATION_QUEUE_URLS] = JSON.stringify({ zendesk: QUEUE_URL });
  vi.stubGlobal('fetch', fetchMock);
  // Imported only now: like a cold start, the module reads its environment once.
  handler = (await import('../../../functions/deliver/handler.js')).handler as unknown as typeof handler;
});

afterAll(() => {
  vi.unstubAllGlobals();
  process.env[ENV.RUNTIME_CATALOG] = HANDLER_ENV[ENV.RUNTIME_CATALOG];
});

const record = (id: string, receiveCount: number): SQSRecord => ({
  messageId: id,
  receiptHandle: `receipt-${id}`,
  body: JSON.stringify({
    version: '0',
    id: `evt-${id}`,
    source: 'closeloop',
    'detail-type': 'FollowUpOpened',
    time: '2026-11-22T12:00:05Z',
    detail: { version: 1, caseId: `case-${id}`, programId: 'order-delivered-nps', customerId: 'c-77', score: 2, classification: 'detractor' },
  }),
  attributes: { ApproximateReceiveCount: String(receiveCount) } as SQSRecord['attributes'],
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: QUEUE_ARN,
  awsRegion: 'us-east-1',
});

describe('deliver handler, zendesk integration', () => {
  beforeEach(() => {
    sqs.reset();
    dynamo.reset();
    fetchMock.mockReset();
    account = new FakeZendesk({ agentEmail: AGENT, apiToken: TOKEN, idempotencyWindowMs: 7_200_000 });
    fetchMock.mockImplementation(async (input, init) => {
      const url = new URL(String(input));
      const answer = account.handle(
        init?.method ?? 'GET',
        `${url.pathname}${url.search}`,
        Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])),
        (init?.body as string | undefined) ?? '',
      );
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    });
    secrets.on(GetSecretValueCommand, { SecretId: 'closeloop/zendesk' }).resolves({ SecretString: `${AGENT}/token:${TOKEN}` });
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(GetCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
  });

  it('opens a ticket per case through the API, authenticated with the API token', async () => {
    const result = await handler({ Records: [record('a', 1), record('b', 1)] }, lambdaContext('deliver'));

    expect(result.batchItemFailures).toEqual([]);
    expect(account.tickets.map((ticket) => ticket.external_id).sort()).toEqual(['case-a', 'case-b']);
    expect(fetchMock.mock.calls.map(([url]) => String(url))).toEqual([
      'https://shop.zendesk.com/api/v2/tickets.json',
      'https://shop.zendesk.com/api/v2/tickets.json',
    ]);
    expect(JSON.stringify(account.requests)).not.toContain('c-77');
  });

  it("waits out a 429's Retry-After (longer than the backoff) before the next attempt", async () => {
    account.failNext(1, { status: 429, retryAfter: 90 });

    const result = await handler({ Records: [record('c', 1)] }, lambdaContext('deliver'));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'c' }]);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-c', VisibilityTimeout: 90 });
    expect(account.tickets).toEqual([]);
  });

  it('looks the ticket up on a retry and opens none when it exists', async () => {
    await handler({ Records: [record('d', 1)] }, lambdaContext('deliver'));

    const result = await handler({ Records: [record('d', 2)] }, lambdaContext('deliver'));

    expect(result.batchItemFailures).toEqual([]);
    expect(account.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(account.ticketsOf('case-d')).toHaveLength(1);
  });
});
