// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../../fixtures/handler-env.js';
import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../../functions/adapters/dynamo-invitation-repository.js';
import { ENV } from '../../../functions/config/env.js';
import { respond as respondManifest } from '../../../functions/config/stages/respond.js';
import type { Invitation } from '../../../functions/domain/invitation.js';
import { pageStamps } from '../../../functions/domain/page-stamp.js';
import { hashToken, unsubscribeTokenFor } from '../../../functions/domain/tokens.js';
import { handler } from '../../../functions/respond/handler.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { HANDLER_ENV } from '../../fixtures/handler-env.js';
import { outsideLeadingKeys, partitionKeysSent } from '../../fixtures/leading-keys.js';

const dynamo = mockClient(DynamoDBDocumentClient);
/** Every partition key the handler sent in this file's tests (checked against its manifest's leadingKeys at the end). */
const touchedKeys: string[] = [];
afterEach(() => {
  touchedKeys.push(...partitionKeysSent(dynamo));
});
// Not reset between tests: it counts the reads of the whole cold start (this module's one import of the handler).
const secretsManager = mockClient(SecretsManagerClient);
const SIGNING_KEY = 'generated-by-the-stack-0123456789abcdefghijklmnopqrstuvwxyz';
secretsManager.on(GetSecretValueCommand, { SecretId: HANDLER_ENV[ENV.PAGE_SIGNING_SECRET] }).resolves({ SecretString: SIGNING_KEY });
const stamps = pageStamps(SIGNING_KEY);
const TOKEN = 'Zm9vYmFyYmF6cXV4MTIzNA';
const invitation: Invitation = {
  tokenHash: hashToken(TOKEN),
  programId: 'order-delivered-nps',
  kind: 'nps',
  eventId: 'e1',
  contactKey: 'contact-1',
  locale: 'et',
  customer: { id: 'c-1', email: 'a@example.com' },
  context: {},
  createdAt: '2026-11-22T10:00:00Z',
  expiresAt: 4_000_000_000,
};

function request(
  method: string,
  options: { body?: string; base64?: boolean; query?: Record<string, string>; token?: string; route?: 'r' | 'u' } = {},
): APIGatewayProxyEventV2 {
  const route = options.route ?? 'r';
  return {
    version: '2.0',
    routeKey: `${method} /${route}/{token}`,
    rawPath: `/${route}/${options.token ?? TOKEN}`,
    rawQueryString: '',
    headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', 'content-type': 'application/x-www-form-urlencoded' },
    queryStringParameters: options.query,
    pathParameters: { token: options.token ?? TOKEN },
    requestContext: {
      http: { method, path: '/r', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' },
    } as never,
    body: options.body && options.base64 ? Buffer.from(options.body).toString('base64') : options.body,
    isBase64Encoded: Boolean(options.base64),
  };
}

/** A person's form: the page's script ran and saw a real tap, three seconds after the page (signed with the stack's key) opened. */
const asPerson = (fields: string) => `${fields}&t=${stamps.sign('rating', TOKEN, Date.now() - 3000)}&h=1&j=1`;

const call = (event: APIGatewayProxyEventV2) => handler(event, lambdaContext('respond')) as Promise<APIGatewayProxyStructuredResultV2>;

describe('respond handler', () => {
  beforeEach(() => {
    dynamo.reset();
    dynamo.on(GetCommand).resolves({ Item: toItem(invitation) });
  });

  it.each(['GET', 'HEAD'])('%s reads the invitation and never writes', async (method) => {
    const response = await call(request(method, { query: { s: '4' } }));
    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { TableName: 'surveys-test', Key: { pk: `INV#${hashToken(TOKEN)}`, sk: 'INVITATION' } });
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    if (method === 'HEAD') expect(response.body).toBe('');
    else expect(response.body).toContain('value="4" checked');
  });

  it('POST records the score with one conditional update keyed by the token hash', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...toItem(invitation), score: 3, respondedAt: 'now' } });
    const response = await call(request('POST', { body: asPerson('score=3&comment=Kohaletoimetamine+hilines'), base64: true }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Aitäh!');
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: `INV#${hashToken(TOKEN)}`, sk: 'INVITATION' },
      ConditionExpression: expect.stringContaining('attribute_not_exists(respondedAt)'),
      ExpressionAttributeValues: expect.objectContaining({
        ':score': 3,
        ':comment': 'Kohaletoimetamine hilines',
        ':userAgent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
        ':evidence': expect.objectContaining({ interaction: true, dwellMs: expect.any(Number) }),
      }),
    });
  });

  it('POST on an answered invitation shows thanks again (the write was refused by its condition)', async () => {
    dynamo.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall({ ...toItem(invitation), score: 5, respondedAt: '2026-11-22T11:00:00Z' }) as never,
      }),
    );
    const response = await call(request('POST', { body: asPerson('score=3') }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Aitäh!');
  });

  it('POST with a score outside the scale asks again with 400', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {}, Item: marshall(toItem(invitation)) as never }));
    const response = await call(request('POST', { body: asPerson('score=42') }));
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('role="alert"');
  });

  it('POST on an unknown token is the same 404 as GET', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
    dynamo.on(GetCommand).resolves({});
    const post = await call(request('POST', { body: asPerson('score=3') }));
    const get = await call(request('GET'));
    expect([post.statusCode, get.statusCode]).toEqual([404, 404]);
    expect(post.body).toBe(get.body);
  });

  it('refuses an oversized body before touching DynamoDB', async () => {
    const response = await call(request('POST', { body: `score=3&comment=${'x'.repeat(20_000)}` }));
    expect(response.statusCode).toBe(413);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('asks a form posted at once, without evidence of a person, to confirm, and writes nothing', async () => {
    const response = await call(request('POST', { body: 'score=3' }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Palun kinnitage oma vastus');
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it("takes a render time the client chose for no evidence (the page key is the stack's secret)", async () => {
    const forged = pageStamps('an-attacker-key-that-is-long-enough-0123456789').sign('rating', TOKEN, Date.now() - 600_000);
    for (const t of [String(Date.now() - 600_000), forged]) {
      const response = await call(request('POST', { body: `score=0&h=1&j=1&t=${t}` }));
      expect(response.body).toContain('Palun kinnitage oma vastus');
    }
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it("unsubscribes on a mail client's one-click POST, and asks a form without evidence to confirm", async () => {
    const unsubscribeToken = unsubscribeTokenFor(TOKEN);
    const formOnly = await call(request('POST', { route: 'u', token: unsubscribeToken, body: 'h=0&j=1' }));
    expect(formOnly.body).toContain('Palun kinnitage, et soovite tellimusest loobuda');
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);

    const oneClick = await call(request('POST', { route: 'u', token: unsubscribeToken, body: 'List-Unsubscribe=One-Click' }));
    expect(oneClick.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { pk: `INV#${hashToken(TOKEN)}`, sk: 'INVITATION' } });
    const suppression = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(suppression.map((i) => i.Update?.Key?.sk)).toEqual(['SUPPRESSED', 'REST#all']);
    expect(suppression[0]!.Update?.ExpressionAttributeValues).toMatchObject({ ':reason': 'unsubscribed' });
  });

  it('reads the page signing key from Secrets Manager once per cold start', async () => {
    for (let i = 0; i < 3; i++) await call(request('GET'));
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: HANDLER_ENV[ENV.PAGE_SIGNING_SECRET] });
  });

  it('answers other methods with 405, with HSTS like every page', async () => {
    const response = await call(request('DELETE'));
    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ 'strict-transport-security': 'max-age=31536000' });
    expect((await call(request('GET'))).headers).toMatchObject({ 'strict-transport-security': 'max-age=31536000' });
  });
  it('answers 503 with Retry-After, not a 500 or a thank-you, when DynamoDB throttles the write past the SDK retries', async () => {
    dynamo.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: 'throughput exceeded', $metadata: { httpStatusCode: 400 } }));

    const response = await call(request('POST', { body: asPerson('score=3') }));

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({
      'retry-after': '1',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(response.body).toContain('may not have been recorded');
  });

  it('lets an error that is not transient fail the invocation (API Gateway answers 500)', async () => {
    dynamo.on(UpdateCommand).rejects(
      Object.assign(new Error('One or more parameter values were invalid'), {
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(call(request('POST', { body: asPerson('score=3') }))).rejects.toThrow('parameter values were invalid');
  });
});

describe("the respond stage's table grant (LeadingKeys)", () => {
  it('names every item family the handler touched in these tests, and no more is needed', () => {
    expect(touchedKeys.length).toBeGreaterThan(0);
    expect(outsideLeadingKeys(respondManifest, touchedKeys)).toEqual([]);
  });
});
