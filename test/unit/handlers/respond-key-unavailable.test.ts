// First: the stack's environment, set before any handler module reads it at load (a cold start).
import '../../fixtures/handler-env.js';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { toItem } from '../../../functions/adapters/dynamo-invitation-repository.js';
import { hashToken } from '../../../functions/domain/tokens.js';
import { handler } from '../../../functions/respond/handler.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';

const TOKEN = 'Zm9vYmFyYmF6cXV4MTIzNA';
const dynamo = mockClient(DynamoDBDocumentClient);
const secretsManager = mockClient(SecretsManagerClient);

const get = () =>
  handler(
    {
      version: '2.0',
      routeKey: 'GET /r/{token}',
      rawPath: `/r/${TOKEN}`,
      rawQueryString: '',
      headers: { 'user-agent': 'Mozilla/5.0 Firefox/140.0' },
      pathParameters: { token: TOKEN },
      requestContext: { http: { method: 'GET' } } as never,
      isBase64Encoded: false,
    } satisfies APIGatewayProxyEventV2,
    lambdaContext('respond'),
  ) as Promise<APIGatewayProxyStructuredResultV2>;

describe('respond handler, when the page key cannot be read', () => {
  it('answers 503 while Secrets Manager throttles, then reads the key on the next request and keeps it', async () => {
    dynamo.on(GetCommand).resolves({
      Item: toItem({
        tokenHash: hashToken(TOKEN),
        programId: 'order-delivered-nps',
        kind: 'nps',
        eventId: 'e1',
        contactKey: 'k',
        locale: 'en',
        customer: { id: 'c', email: 'a@example.com' },
        context: {},
        createdAt: '2026-11-22T10:00:00Z',
        expiresAt: 4_000_000_000,
      }),
    });
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }))
      .resolves({ SecretString: 'a-key-the-stack-generated-0123456789abcdef' });

    const busy = await get();
    expect(busy.statusCode).toBe(503);
    expect(busy.headers).toMatchObject({ 'retry-after': '1' });

    expect((await get()).statusCode).toBe(200);
    expect((await get()).body).toMatch(/name="t" value="\d+\.[\w-]{43}"/);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});
