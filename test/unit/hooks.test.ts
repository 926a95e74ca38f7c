// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../fixtures/handler-env.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { ENV } from '../../functions/config/env.js';
import { acceptsInbound } from '../../functions/config/inbound.js';
import { type FollowUpCaseRecord, openCase } from '../../functions/domain/follow-up-case.js';
import { UnauthorisedWebhookError, verifyWebhook } from '../../functions/hooks/hooks.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { detractorMessage, detractorRule } from '../fixtures/cases.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { HANDLER_ENV } from '../fixtures/handler-env.js';

const SECRET = `whsec_${Buffer.from('inbound-hook-test-key-inbound-hook-32b').toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.from('somebody-else-key-somebody-else-key-32').toString('base64')}`;
const NOW = new Date('2026-11-22T12:00:00.000Z');

/** A request as a helpdesk signs it, with the `standardwebhooks` library. */
function signed(body: string, { secret = SECRET, id = 'msg_1', at = NOW } = {}) {
  const signature = new Webhook(secret).sign(id, at, body);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

describe('Standard Webhooks verification', () => {
  const body = JSON.stringify({ type: 'case.acknowledge', data: { caseId: 'c' } });

  it('accepts what the standardwebhooks library signs, among several signatures too', () => {
    expect(verifyWebhook(SECRET, signed(body), body, NOW)).toEqual({ id: 'msg_1', timestamp: Math.floor(NOW.getTime() / 1000) });
    const headers = signed(body);
    const both = { ...headers, 'webhook-signature': `${signed(body, { secret: OTHER_SECRET })['webhook-signature']} ${headers['webhook-signature']}` };
    expect(verifyWebhook(SECRET, both, body, NOW).id).toBe('msg_1');
  });

  it.each([
    ['unsigned', {}, body, /^unsigned/],
    ['signed with another secret', signed(body, { secret: OTHER_SECRET }), body, /no webhook-signature matches/],
    ['a changed body', signed(body), body.replace('acknowledge', 'resolve'), /no webhook-signature matches/],
    ['older than 5 minutes', signed(body, { at: new Date(NOW.getTime() - 301_000) }), body, /more than 5 minutes old/],
    ['from the future', signed(body, { at: new Date(NOW.getTime() + 301_000) }), body, /in the future/],
    ['a timestamp that is not a number', { ...signed(body), 'webhook-timestamp': '12e9' }, body, /whole epoch seconds/],
  ])('refuses %s', (_, headers, received, reason) => {
    expect(() => verifyWebhook(SECRET, headers, received, NOW)).toThrow(UnauthorisedWebhookError);
    expect(() => verifyWebhook(SECRET, headers, received, NOW)).toThrow(reason);
  });
});

describe('which integrations accept inbound hooks', () => {
  it('webhooks unless they say inbound: false; Slack never', () => {
    expect(acceptsInbound({ kind: 'webhook' })).toBe(true);
    expect(acceptsInbound({ kind: 'webhook', inbound: false })).toBe(false);
    expect(acceptsInbound({ kind: 'slack' })).toBe(false);
  });

  it('the catalog refuses inbound: true on Slack, naming the path', () => {
    expect(() =>
      parseCatalog({ ...declaredCatalog(), integrations: [{ id: 's', kind: 'slack', secret: 'x/y', on: ['FollowUpOpened'], inbound: true }] }),
    ).toThrow(/integrations\.0\.inbound: a Slack integration cannot move cases/);
  });
});

describe('hooks handler (POST /hooks/{integrationId})', () => {
  const secrets = mockClient(SecretsManagerClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const bus = mockClient(EventBridgeClient);
  let handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyStructuredResultV2>;
  let record: FollowUpCaseRecord;

  beforeAll(async () => {
    const catalog = parseCatalog({
      ...declaredCatalog(),
      integrations: [
        { id: 'helpdesk', kind: 'webhook', url: 'https://hooks.shop.example/a', secret: 'closeloop/helpdesk', on: ['FollowUpOpened'] },
        { id: 'outbound-only', kind: 'webhook', url: 'https://hooks.shop.example/b', secret: 'closeloop/outbound', on: ['FollowUpOpened'], inbound: false },
        { id: 'cx-slack', kind: 'slack', secret: 'closeloop/slack', on: ['FollowUpOpened'] },
      ],
    });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'closeloop-hooks-')), 'catalog.json');
    writeFileSync(file, JSON.stringify(catalog));
    process.env[ENV.RUNTIME_CATALOG] = file;
    // Imported only now: like a cold start, the module reads its environment once.
    handler = (await import('../../functions/hooks/handler.js')).handler as unknown as typeof handler;
  });

  afterAll(() => {
    process.env[ENV.RUNTIME_CATALOG] = HANDLER_ENV[ENV.RUNTIME_CATALOG];
  });

  beforeEach(() => {
    dynamo.reset();
    bus.reset();
    const now = new Date();
    const message = detractorMessage(now);
    record = openCase(message, detractorRule, now);
    dynamo.on(GetCommand).resolves({ Item: { pk: `CASE#${message.caseId}`, sk: 'CASE', type: 'case', caseId: message.caseId, version: 1, ...record } });
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  });

  const request = (integrationId: string, body: string, headers: Record<string, string>): APIGatewayProxyEventV2 =>
    ({
      routeKey: 'POST /hooks/{integrationId}',
      rawPath: `/hooks/${integrationId}`,
      pathParameters: { integrationId },
      headers: { 'content-type': 'application/json', ...headers },
      body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST' } },
    }) as unknown as APIGatewayProxyEventV2;
  const acknowledge = () =>
    JSON.stringify({ type: 'case.acknowledge', timestamp: new Date().toISOString(), data: { caseId: record.message.caseId, note: 'Ticket #4711' } });

  it('acknowledges the case as the case API does, records the webhook-id, and reads the secret once per cold start', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'closeloop/helpdesk' }).resolves({ SecretString: SECRET });
    const body = acknowledge();
    const first = await handler(request('helpdesk', body, signed(body, { id: 'msg_ack_1', at: new Date() })), lambdaContext('closeloop-hooks'));
    const again = acknowledge();
    const second = await handler(request('helpdesk', again, signed(again, { id: 'msg_ack_2', at: new Date() })), lambdaContext('closeloop-hooks'));

    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(JSON.parse(first.body!).history.at(-1)).toMatchObject({ action: 'acknowledged', actor: 'integration:helpdesk', note: 'Ticket #4711' });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(dynamo).toReceiveCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'HOOK#helpdesk#msg_ack_1', type: 'webhook-receipt' }),
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
    });
    expect(dynamo).toReceiveCommandWith(UpdateCommand, { ConditionExpression: '#version = :expected' });
  });

  it('answers 401 to a replayed webhook-id and changes nothing', async () => {
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const body = acknowledge();
    const answer = await handler(request('helpdesk', body, signed(body, { id: 'msg_seen', at: new Date() })), lambdaContext('closeloop-hooks'));
    expect(answer.statusCode).toBe(401);
    expect(dynamo).not.toReceiveCommand(UpdateCommand);
  });

  it.each([
    ['an unknown integration', 'nope', SECRET],
    ['a webhook with inbound: false', 'outbound-only', SECRET],
    ['a Slack integration', 'cx-slack', SECRET],
    ['a wrong secret', 'helpdesk', OTHER_SECRET],
  ])('answers 401 to %s and changes nothing', async (_, integrationId, secret) => {
    const body = acknowledge();
    const answer = await handler(request(integrationId, body, signed(body, { secret, at: new Date() })), lambdaContext('closeloop-hooks'));
    expect(answer.statusCode).toBe(401);
    expect(dynamo).not.toReceiveCommand(UpdateCommand);
    expect(dynamo).not.toReceiveCommand(PutCommand);
    expect(secrets).not.toReceiveCommandWith(GetSecretValueCommand, { SecretId: 'closeloop/outbound' });
    expect(secrets).not.toReceiveCommandWith(GetSecretValueCommand, { SecretId: 'closeloop/slack' });
  });

  it('gives the webhook-id back when the case API refuses the move (400/409), so nothing is consumed', async () => {
    const body = JSON.stringify({ type: 'case.resolve', data: { caseId: record.message.caseId, rootCause: 'not-a-root-cause' } });
    const answer = await handler(request('helpdesk', body, signed(body, { id: 'msg_bad', at: new Date() })), lambdaContext('closeloop-hooks'));
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body!).message).toMatch(/^rootCause must be one of/);
    expect(dynamo).toReceiveCommandWith(DeleteCommand, { Key: { pk: 'HOOK#helpdesk#msg_bad', sk: 'RECEIPT' } });
    expect(dynamo).not.toReceiveCommand(UpdateCommand);
  });
});
