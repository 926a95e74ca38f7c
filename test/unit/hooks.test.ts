// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../fixtures/handler-env.js';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { ENV } from '../../functions/config/env.js';
import { inboundAccess } from '../../functions/config/inbound.js';
import { hooks as hooksManifest } from '../../functions/config/stages/hooks.js';
import { type FollowUpCaseRecord, openCase } from '../../functions/domain/follow-up-case.js';
import { UnauthorisedWebhookError, verifyWebhook } from '../../functions/hooks/hooks.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { detractorMessage, detractorRule } from '../fixtures/cases.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { HANDLER_ENV } from '../fixtures/handler-env.js';
import { outsideLeadingKeys, partitionKeysSent } from '../fixtures/leading-keys.js';

const SECRET = `whsec_${Buffer.from('inbound-hook-test-key-inbound-hook-32b').toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.from('somebody-else-key-somebody-else-key-32').toString('base64')}`;
/** What the helpdesk's delivery receiver verifies deliveries with: it must not move cases. */
const DELIVERY_SECRET = `whsec_${Buffer.from('delivery-receiver-key-delivery-key-32b').toString('base64')}`;
const NOW = new Date('2026-11-22T12:00:00.000Z');
/** Every partition key the handler sent in this file's tests (checked against its manifest's leadingKeys at the end). */
const touchedKeys: string[] = [];

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

describe('which integrations take inbound hooks, and on what', () => {
  const webhook = { id: 'w', kind: 'webhook', url: 'https://hooks.shop.example/w', secret: 'closeloop/w', on: ['FollowUpOpened'] };
  const withIntegrations =
    (...integrations: unknown[]) =>
    () =>
      parseCatalog({ ...declaredCatalog(), integrations });

  it('a webhook (Standard Webhooks) or a zendesk integration (Zendesk signing) that declares its own access; off by default and with inbound: false', () => {
    const access = { secret: 'closeloop/w-inbound', queues: ['customer-success'] };
    expect(inboundAccess({ kind: 'webhook' })).toBeUndefined();
    expect(inboundAccess({ kind: 'webhook', inbound: false })).toBeUndefined();
    expect(inboundAccess({ kind: 'webhook', inbound: access })).toEqual({ ...access, scheme: 'standard-webhooks' });
    expect(inboundAccess({ kind: 'zendesk', inbound: { ...access, defaultRootCause: 'other' } })).toEqual({
      ...access,
      defaultRootCause: 'other',
      scheme: 'zendesk',
    });
    expect(inboundAccess({ kind: 'slack', inbound: access })).toBeUndefined();
    expect(withIntegrations({ ...webhook, inbound: false })).not.toThrow();
    const zendesk = { id: 'z', kind: 'zendesk', url: 'https://shop.zendesk.com', secret: 'x/y', on: ['FollowUpOpened'] };
    expect(
      withIntegrations({ ...zendesk, inbound: { secret: 'x/z', queues: ['support'], defaultRootCause: 'other', rootCauseField: '360000000001' } }),
    ).not.toThrow();
  });

  it.each([
    [
      'inbound: true, showing the object form',
      { ...webhook, inbound: true },
      /integrations\.0\.inbound: false, or an object \{ secret: <a secret name of its own>, queues:/,
    ],
    [
      'a Slack integration',
      { id: 's', kind: 'slack', secret: 'x/y', on: ['FollowUpOpened'], inbound: { secret: 'x/z', queues: ['support'] } },
      /integrations\.0\.inbound: a slack integration takes no inbound hooks/,
    ],
    [
      'a Zendesk hook without defaultRootCause',
      { id: 'z', kind: 'zendesk', url: 'https://shop.zendesk.com', secret: 'x/y', on: ['FollowUpOpened'], inbound: { secret: 'x/z', queues: ['support'] } },
      /integrations\.0\.inbound\.defaultRootCause: a zendesk hook needs the root cause of a solved ticket/,
    ],
    [
      'a Zendesk hook with a root cause the catalog does not know',
      {
        id: 'z',
        kind: 'zendesk',
        url: 'https://shop.zendesk.com',
        secret: 'x/y',
        on: ['FollowUpOpened'],
        inbound: { secret: 'x/z', queues: ['support'], defaultRootCause: 'gremlins' },
      },
      /inbound\.defaultRootCause: "gremlins" is not one of rootCauses/,
    ],
    [
      'a Zendesk hook that would write to respondents',
      {
        id: 'z',
        kind: 'zendesk',
        url: 'https://shop.zendesk.com',
        secret: 'x/y',
        on: ['FollowUpOpened'],
        inbound: { secret: 'x/z', queues: ['support'], defaultRootCause: 'other', reply: true },
      },
      /inbound\.reply: a zendesk hook never writes to respondents/,
    ],
    [
      "a webhook with a Zendesk hook's keys",
      { ...webhook, inbound: { secret: 'closeloop/w-in', queues: ['support'], defaultRootCause: 'other' } },
      /inbound\.defaultRootCause: only for a zendesk integration's hook/,
    ],
    [
      'its own delivery secret',
      { ...webhook, inbound: { secret: 'closeloop/w', queues: ['support'] } },
      /inbound\.secret: "closeloop\/w" is an integration's delivery secret/,
    ],
    [
      'a queue the catalog does not declare',
      { ...webhook, inbound: { secret: 'closeloop/w-in', queues: ['sales'] } },
      /inbound\.queues\.0: "sales" is not a follow-up queue/,
    ],
    ['no queues', { ...webhook, inbound: { secret: 'closeloop/w-in', queues: [] } }, /integrations\.0\.inbound/],
  ])('refuses %s, naming the path', (_, integration, message) => {
    expect(withIntegrations(integration)).toThrow(message);
  });

  it("refuses another integration's delivery secret and one inbound secret named by two hooks", () => {
    const other = { ...webhook, id: 'v', secret: 'closeloop/v' };
    expect(withIntegrations(other, { ...webhook, inbound: { secret: 'closeloop/v', queues: ['support'] } })).toThrow(
      /integrations\.1\.inbound\.secret: "closeloop\/v" is an integration's delivery secret/,
    );
    expect(
      withIntegrations(
        { ...other, inbound: { secret: 'closeloop/shared', queues: ['support'] } },
        { ...webhook, inbound: { secret: 'closeloop/shared', queues: ['support'] } },
      ),
    ).toThrow(/inbound\.secret: "closeloop\/shared" is named by two inbound hooks/);
  });
});

describe('hooks handler (POST /hooks/{integrationId})', () => {
  const secrets = mockClient(SecretsManagerClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => {
    touchedKeys.push(...partitionKeysSent(dynamo));
  });
  const bus = mockClient(EventBridgeClient);
  let handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyStructuredResultV2>;
  let record: FollowUpCaseRecord;

  beforeAll(async () => {
    const catalog = parseCatalog({
      ...declaredCatalog(),
      integrations: [
        {
          id: 'helpdesk',
          kind: 'webhook',
          url: 'https://hooks.shop.example/a',
          secret: 'closeloop/helpdesk',
          on: ['FollowUpOpened'],
          inbound: { secret: 'closeloop/helpdesk-inbound', queues: ['customer-success'] },
        },
        {
          id: 'escalations',
          kind: 'webhook',
          url: 'https://hooks.shop.example/e',
          secret: 'closeloop/escalations',
          on: ['FollowUpEscalated'],
          inbound: { secret: 'closeloop/escalations-inbound', queues: ['escalation'], reply: true },
        },
        { id: 'outbound-only', kind: 'webhook', url: 'https://hooks.shop.example/b', secret: 'closeloop/outbound', on: ['FollowUpOpened'], inbound: false },
        { id: 'default', kind: 'webhook', url: 'https://hooks.shop.example/c', secret: 'closeloop/default', on: ['FollowUpOpened'] },
        { id: 'cx-slack', kind: 'slack', secret: 'closeloop/slack', on: ['FollowUpOpened'] },
        {
          id: 'zendesk',
          kind: 'zendesk',
          url: 'https://shop.zendesk.com',
          secret: 'closeloop/zendesk-api',
          on: ['FollowUpOpened'],
          inbound: { secret: 'closeloop/zendesk-signing', queues: ['customer-success'], defaultRootCause: 'other', rootCauseField: '360000000001' },
        },
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

  const item = (r: FollowUpCaseRecord) => ({
    pk: `CASE#${r.message.caseId}`,
    sk: 'CASE',
    type: 'case',
    caseId: r.message.caseId,
    version: r.history.length,
    ...r,
  });
  const resolveBody = (fields: Record<string, string>) =>
    JSON.stringify({ type: 'case.resolve', data: { caseId: record.message.caseId, rootCause: 'delivery-delay', ...fields } });
  const call = (integrationId: string, body: string, secret = SECRET, id = `msg_${Math.random()}`) =>
    handler(request(integrationId, body, signed(body, { secret, id, at: new Date() })), lambdaContext('closeloop-hooks'));

  it("acknowledges the case as the case API does, records the webhook-id, and reads the hook's own secret once per cold start", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'closeloop/helpdesk-inbound' }).resolves({ SecretString: SECRET });
    secrets.on(GetSecretValueCommand, { SecretId: 'closeloop/escalations-inbound' }).resolves({ SecretString: SECRET });
    secrets.on(GetSecretValueCommand, { SecretId: 'closeloop/helpdesk' }).resolves({ SecretString: DELIVERY_SECRET });
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
    ['a webhook that declares no inbound (off by default)', 'default', SECRET],
    ['a Slack integration', 'cx-slack', SECRET],
    ['a wrong secret', 'helpdesk', OTHER_SECRET],
    ["the integration's delivery secret (what its receiver holds)", 'helpdesk', DELIVERY_SECRET],
  ])('answers 401 to %s and changes nothing', async (_, integrationId, secret) => {
    const body = acknowledge();
    const answer = await handler(request(integrationId, body, signed(body, { secret, at: new Date() })), lambdaContext('closeloop-hooks'));
    expect(answer.statusCode).toBe(401);
    expect(dynamo).not.toReceiveCommand(UpdateCommand);
    expect(dynamo).not.toReceiveCommand(PutCommand);
    for (const delivery of ['closeloop/outbound', 'closeloop/slack', 'closeloop/default', 'closeloop/helpdesk']) {
      expect(secrets).not.toReceiveCommandWith(GetSecretValueCommand, { SecretId: delivery });
    }
  });

  it('answers 404 "no case" for a case on a queue outside its inbound.queues, as for an unknown id, and changes nothing', async () => {
    const answer = await call('escalations', acknowledge());
    expect(answer.statusCode).toBe(404);
    expect(JSON.parse(answer.body!).message).toBe(`no case ${record.message.caseId}`);
    expect(dynamo).not.toReceiveCommand(UpdateCommand);
  });

  it('moves a case that has reached a rung on one of its queues', async () => {
    const escalated = { ...record, status: 'escalated' as const, rung: 1 };
    dynamo.on(GetCommand).resolves({ Item: item(escalated) });
    const answer = await call('escalations', acknowledge());
    expect(answer.statusCode).toBe(200);
  });

  it('refuses a public reply without inbound.reply: true (400), and changes nothing', async () => {
    const answer = await call('helpdesk', resolveBody({ reply: 'We refunded you.' }));
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body!).message).toBe('reply: integration "helpdesk" may not write to respondents (inbound.reply is not true)');
    expect(dynamo).not.toReceiveCommand(UpdateCommand);
    expect(dynamo).not.toReceiveCommand(TransactWriteCommand);
  });

  it('keeps a reply it may send as plain lines: no CR, no bidi override, no control characters', async () => {
    const escalated = { ...record, status: 'escalated' as const, rung: 1 };
    dynamo.on(GetCommand).resolves({ Item: item(escalated) });
    dynamo.on(TransactWriteCommand).resolves({});
    const answer = await call('escalations', resolveBody({ reply: 'Refunded.\r\nBcc: all@shop.example\u202Egnp.exe\u0007', note: 'ok\u001b[8m hidden' }));
    expect(answer.statusCode).toBe(200);
    const resolved = JSON.parse(answer.body!);
    expect(resolved.reply).toBe('Refunded.\nBcc: all@shop.examplegnp.exe');
    expect(resolved.note).toBe('ok[8m hidden');
  });

  describe("a zendesk integration's hook, in Zendesk's own signing", () => {
    const ZENDESK_SECRET = 'dGhlLXNpZ25pbmctc2VjcmV0LVplbmRlc2stc2hvd3M=';
    /** As Zendesk signs: base64 HMAC-SHA256 of the timestamp followed by the raw body. */
    const zendeskSigned = (body: string, { secret = ZENDESK_SECRET, at = new Date() } = {}) => {
      const timestamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
      return {
        'x-zendesk-webhook-signature': createHmac('sha256', secret)
          .update(timestamp + body)
          .digest('base64'),
        'x-zendesk-webhook-signature-timestamp': timestamp,
      };
    };
    const solved = (rootCause = '') =>
      JSON.stringify({ event: 'solved', ticket: { id: '4711', external_id: record.message.caseId, root_cause: rootCause }, author: 'agent@shop.example' });
    const zendesk = (body: string, headers: Record<string, string> = zendeskSigned(body)) =>
      handler(request('zendesk', body, headers), lambdaContext('closeloop-hooks'));

    beforeEach(() => {
      secrets.on(GetSecretValueCommand, { SecretId: 'closeloop/zendesk-signing' }).resolves({ SecretString: ZENDESK_SECRET });
    });

    it('a solved ticket resolves its case: the ticket field root cause when the catalog knows it, else defaultRootCause', async () => {
      const known = await zendesk(solved('pricing'));
      expect(known.statusCode).toBe(200);
      expect(JSON.parse(known.body!)).toMatchObject({ status: 'resolved', rootCause: 'pricing', note: 'Zendesk #4711 solved (agent@shop.example)' });
      expect(JSON.parse(known.body!).history.at(-1)).toMatchObject({ action: 'resolved', actor: 'integration:zendesk' });
      const unknown = await zendesk(solved('not-a-cause'));
      expect(JSON.parse(unknown.body!).rootCause).toBe('other');
      // The request's id: a hash of Zendesk's timestamp and signature, recorded as a receipt.
      expect(dynamo).toReceiveCommandWith(PutCommand, { Item: expect.objectContaining({ pk: expect.stringMatching(/^HOOK#zendesk#zendesk-/) }) });
    });

    it("an agent's private comment becomes a note on the case", async () => {
      const body = JSON.stringify({
        event: 'note',
        ticket: { id: 4711, external_id: record.message.caseId },
        comment: 'Called the courier.',
        author: 'agent@shop.example',
      });
      const answer = await zendesk(body);
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body!).history.at(-1)).toMatchObject({
        action: 'noted',
        actor: 'integration:zendesk',
        note: 'Zendesk #4711 (agent@shop.example): Called the courier.',
      });
    });

    it.each([
      ['unsigned', () => ({})],
      ['signed with another secret', () => zendeskSigned(solved(), { secret: 'another-secret' })],
      ['signed as Standard Webhooks instead', () => signed(solved(), { at: new Date() })],
      ['older than 5 minutes', () => zendeskSigned(solved(), { at: new Date(Date.now() - 301_000) })],
      ['a timestamp that is no time', () => ({ ...zendeskSigned(solved()), 'x-zendesk-webhook-signature-timestamp': 'yesterday' })],
    ])('answers 401 to a request %s, and changes nothing', async (_, headers) => {
      const answer = await zendesk(solved(), headers() as Record<string, string>);
      expect(answer.statusCode).toBe(401);
      expect(dynamo).not.toReceiveCommand(UpdateCommand);
    });

    it('answers 401 to a replay (the same timestamp and signature) and 404 to a ticket that names no case of its queues', async () => {
      dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
      expect((await zendesk(solved())).statusCode).toBe(401);
      dynamo.on(PutCommand).resolves({});
      const elsewhere = JSON.stringify({ event: 'solved', ticket: { id: '1', external_id: '' } });
      expect((await zendesk(elsewhere)).statusCode).toBe(404);
      dynamo.on(GetCommand).resolves({ Item: item({ ...record, message: { ...record.message, queue: 'escalation' } }) });
      expect((await zendesk(solved())).statusCode).toBe(404);
      expect(dynamo).not.toReceiveCommand(UpdateCommand);
    });
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

describe("the hooks stage's table grant (LeadingKeys)", () => {
  it('names every item family the handler touched in these tests, and no more is needed', () => {
    expect(touchedKeys.length).toBeGreaterThan(0);
    expect(outsideLeadingKeys(hooksManifest, touchedKeys)).toEqual([]);
  });
});
