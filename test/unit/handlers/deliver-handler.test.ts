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
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCatalog } from '../../../functions/config/catalog-schema.js';
import { ENV } from '../../../functions/config/env.js';
import { deliver as deliverManifest } from '../../../functions/config/stages/deliver.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { declaredCatalog } from '../../fixtures/catalog.js';
import { HANDLER_ENV } from '../../fixtures/handler-env.js';
import { outsideLeadingKeys, partitionKeysSent } from '../../fixtures/leading-keys.js';

const SECRET = `whsec_${Buffer.from('handler-test-key-handler-test-key-32').toString('base64')}`;
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/closeloop-IntegrationsCxWebhookQueue-AbC';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:closeloop-IntegrationsCxWebhookQueue-AbC';
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const dynamo = mockClient(DynamoDBDocumentClient);
/** Every partition key the handler sent in this file's tests (checked against its manifest's leadingKeys at the end). */
const touchedKeys: string[] = [];
afterEach(() => {
  touchedKeys.push(...partitionKeysSent(dynamo));
});
const fetchMock = vi.fn<typeof fetch>();

let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

beforeAll(async () => {
  const catalog = parseCatalog({
    ...declaredCatalog(),
    integrations: [{ id: 'cx-webhook', kind: 'webhook', url: 'https://hooks.shop.example/closeloop', secret: 'closeloop/cx-webhook', on: ['FollowUpOpened'] }],
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'closeloop-deliver-')), 'catalog.json');
  writeFileSync(file, JSON.stringify(catalog));
  process.env[ENV.RUNTIME_CATALOG] = file;
  process.env[ENV.INTEGRATION_QUEUE_URLS] = JSON.stringify({ 'cx-webhook': QUEUE_URL });
  vi.stubGlobal('fetch', fetchMock);
  // Imported only now: like a cold start, the module reads its environment once.
  handler = (await import('../../../functions/deliver/handler.js')).handler as unknown as typeof handler;
});

afterAll(() => {
  vi.unstubAllGlobals();
  process.env[ENV.RUNTIME_CATALOG] = HANDLER_ENV[ENV.RUNTIME_CATALOG];
});

const record = (id: string, receiveCount: number, caseId = `case-${id}`): SQSRecord => ({
  messageId: id,
  receiptHandle: `receipt-${id}`,
  body: JSON.stringify({
    version: '0',
    id: `evt-${id}`,
    source: 'closeloop',
    'detail-type': 'FollowUpOpened',
    time: '2026-11-22T12:00:05Z',
    detail: { version: 1, caseId, programId: 'order-delivered-nps', customerId: 'c-77', score: 2, classification: 'detractor' },
  }),
  attributes: { ApproximateReceiveCount: String(receiveCount) } as SQSRecord['attributes'],
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: QUEUE_ARN,
  awsRegion: 'us-east-1',
});

describe('deliver handler', () => {
  beforeEach(() => {
    sqs.reset();
    dynamo.reset();
    fetchMock.mockReset();
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(GetCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
  });

  it('reads the signing secret once per cold start, however many deliveries follow', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'closeloop/cx-webhook' }).resolves({ SecretString: SECRET });
    fetchMock.mockImplementation(async () => new Response(null, { status: 204 }));

    await handler({ Records: [record('a', 1), record('b', 1)] }, lambdaContext('deliver'));
    await handler({ Records: [record('c', 1)] }, lambdaContext('deliver'));

    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('https://hooks.shop.example/closeloop');
    expect(new Webhook(SECRET).verify(init.body as string, init.headers as Record<string, string>)).toMatchObject({ type: 'FollowUpOpened' });
    expect(init.body).not.toContain('c-77');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'DELIVERY#cx-webhook', sk: expect.stringMatching(/^2026-11-22T12:00:05.000Z#msg_/) },
    });
  });

  it('reports a 503 as a failed item, after setting its visibility to the backoff', async () => {
    fetchMock.mockImplementation(async () => new Response(null, { status: 503 }));

    const result = await handler({ Records: [record('d', 3)] }, lambdaContext('deliver'));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'd' }]);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, { QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-d', VisibilityTimeout: 120 });
  });

  it('dead-letters the last attempt with the reason, and takes it off the queue', async () => {
    fetchMock.mockImplementation(async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    });

    const result = await handler({ Records: [record('e', 13)] }, lambdaContext('deliver'));

    expect(result.batchItemFailures).toEqual([]);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: HANDLER_ENV[ENV.DELIVER_FAILURE_QUEUE_URL],
      MessageAttributes: expect.objectContaining({
        reason: { DataType: 'String', StringValue: expect.stringMatching(/13 attempts .* last: network: ECONNREFUSED/) },
      }),
    });
  });
});

describe("the deliver stage's table grant (LeadingKeys)", () => {
  it('names every item family the handler touched in these tests, and no more is needed', () => {
    expect(touchedKeys.length).toBeGreaterThan(0);
    expect(outsideLeadingKeys(deliverManifest, touchedKeys)).toEqual([]);
  });
});
