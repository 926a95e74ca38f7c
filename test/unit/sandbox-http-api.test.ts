/** The sandbox's HTTP API in front of fake handlers: what a bad request, a foreign Host and a forged signature get. */
import http from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedFetch } from '../../cli/signed-fetch.js';
import { INSTANCE_PATH, type RunningHttpApi, startHttpApi } from '../../sandbox/http-api.js';
import { sandboxCredentials } from '../../sandbox/sandbox.js';

const region = 'us-east-1';
const credentials = sandboxCredentials();
const instanceId = 'instance-under-test';

/** A raw request: any path, method and Host header, as a browser or a rebinding page could send them. */
function raw(url: string, path: string, options: { method?: string; host?: string; body?: string; headers?: Record<string, string> } = {}) {
  const { port } = new URL(url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { ...options.headers, ...(options.host !== undefined ? { host: options.host } : {}) },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('the sandbox HTTP API', () => {
  let api: RunningHttpApi;
  const seen: APIGatewayProxyEventV2[] = [];
  const reported: string[] = [];
  beforeAll(async () => {
    const echo = async (event: APIGatewayProxyEventV2) => {
      seen.push(event);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: event.pathParameters?.token ?? null }) };
    };
    api = await startHttpApi({
      port: 0,
      region,
      credentials,
      instanceId,
      report: (message) => reported.push(message),
      verifyJwt: async (token) => (token === 'good' ? { sub: 'a', email: 'a@example.com', 'cognito:groups': ['support', 'cx-admin'], exp: 2 } : undefined),
      routes: [
        { methods: ['GET', 'HEAD', 'POST'], path: '/r/{token}', handler: echo, functionName: 'respond' },
        { methods: ['GET'], path: '/cases/{caseId}', handler: echo, functionName: 'cases', auth: 'iam' },
        { methods: ['POST'], path: '/erasures', handler: echo, functionName: 'erase', auth: 'iam' },
        { methods: ['GET'], path: '/api/cases', handler: echo, functionName: 'workspace', auth: 'jwt' },
        {
          methods: ['GET'],
          path: '/boom',
          handler: async () => {
            throw new Error('the handler broke');
          },
          functionName: 'boom',
        },
        // A result Node refuses to write (a header value with a line break): still an answer, not a crash.
        { methods: ['GET'], path: '/bad-header', handler: async () => ({ statusCode: 200, headers: { 'x-evil': 'a\r\nb' }, body: '' }), functionName: 'bad' },
      ],
    });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('answers a malformed percent-encoding with 400 and a message, and keeps serving', async () => {
    const bad = await raw(api.url, '/r/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toContain('not valid percent-encoded UTF-8');
    expect((await raw(api.url, '/r/abc')).status).toBe(200);
  });

  it('answers 500 with a message when a handler throws, or returns what cannot be written', async () => {
    expect(await raw(api.url, '/boom')).toMatchObject({ status: 500, body: '{"message":"Internal Server Error"}' });
    const bad = await raw(api.url, '/bad-header');
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.body).message).toMatch(/Internal error in the sandbox's HTTP API/);
    expect(reported.join('\n')).toContain('the handler broke');
    expect((await raw(api.url, '/r/abc')).status).toBe(200);
  });

  it.each(['evil.example', 'rebind.attacker.example:3000', '127.0.0.1.nip.io', 'localhost.attacker.example', '0.0.0.0', '[::1]'])(
    'refuses Host %j with 421 (DNS rebinding), before any handler runs',
    async (host) => {
      const before = seen.length;
      expect((await raw(api.url, '/r/abc', { host })).status).toBe(421);
      expect(seen.length).toBe(before);
    },
  );

  it.each(['127.0.0.1', 'localhost', 'LOCALHOST:3000'])('answers Host %j', async (host) => {
    expect((await raw(api.url, '/r/abc', { host })).status).toBe(200);
  });

  it('says which instance it is', async () => {
    expect(JSON.parse((await raw(api.url, INSTANCE_PATH)).body)).toEqual({ instanceId });
  });

  it('JWT routes: a bearer token the provider verifies passes its claims as API Gateway does (strings, arrays as "[a b]"); any other is 401 before the handler', async () => {
    const before = seen.length;
    expect((await raw(api.url, '/api/cases')).status).toBe(401);
    expect((await raw(api.url, '/api/cases', { headers: { authorization: 'Bearer forged' } })).status).toBe(401);
    expect(seen).toHaveLength(before);
    expect((await raw(api.url, '/api/cases', { headers: { authorization: 'Bearer good' } })).status).toBe(200);
    expect((seen.at(-1)?.requestContext as { authorizer?: unknown } | undefined)?.authorizer).toEqual({
      jwt: { claims: { sub: 'a', email: 'a@example.com', 'cognito:groups': '[support cx-admin]', exp: '2' }, scopes: null },
    });
  });

  describe("IAM routes verify the SigV4 signature against the sandbox's own key pair", () => {
    it('accepts a request signed with it and names the caller', async () => {
      const response = await signedFetch(`${api.url}/cases/c-1?include=notes`, { method: 'GET' }, { region, credentials });
      expect(response.status).toBe(200);
      expect(seen.at(-1)?.requestContext).toMatchObject({ authorizer: { iam: { accessKey: credentials.accessKeyId } } });
      const posted = await signedFetch(`${api.url}/erasures`, { method: 'POST', body: '{"email":"ana@example.com"}' }, { region, credentials });
      expect(posted.status).toBe(200);
    });

    it('refuses a signature made with the wrong secret (the key id alone is not enough)', async () => {
      // One character changed (never to itself: a secret that ends in x would otherwise be forged into itself).
      const last = credentials.secretAccessKey.at(-1) === 'x' ? 'y' : 'x';
      const forged = { accessKeyId: credentials.accessKeyId, secretAccessKey: `${credentials.secretAccessKey.slice(0, -1)}${last}` };
      const response = await signedFetch(`${api.url}/cases/c-1`, { method: 'GET' }, { region, credentials: forged });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { message: string }).message).toContain('signature we calculated does not match');
    });

    it('refuses another key id, a bare Credential= header, no header at all, and the wrong region', async () => {
      const other = await signedFetch(`${api.url}/cases/c-1`, { method: 'GET' }, { region, credentials: sandboxCredentials() });
      expect(other.status).toBe(403);
      const bare = await raw(api.url, '/cases/c-1', {
        headers: { authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/us-east-1/execute-api/aws4_request` },
      });
      expect(bare.status).toBe(403);
      expect((await raw(api.url, '/cases/c-1')).status).toBe(403);
      expect((await signedFetch(`${api.url}/cases/c-1`, { method: 'GET' }, { region: 'eu-west-1', credentials })).status).toBe(403);
    });

    it('refuses a signed request whose body was changed, or replayed after five minutes', async () => {
      const { SignatureV4 } = await import('@smithy/signature-v4');
      const { NodeSha256 } = await import('../../sandbox/sigv4.js');
      const url = new URL(`${api.url}/erasures`);
      const sign = (signingDate?: Date) =>
        new SignatureV4({ service: 'execute-api', region, credentials, sha256: NodeSha256 }).sign(
          {
            method: 'POST',
            protocol: 'http:',
            hostname: url.hostname,
            port: Number(url.port),
            path: url.pathname,
            query: {},
            headers: { host: url.host, 'content-type': 'application/json' },
            body: '{"email":"ana@example.com"}',
          },
          signingDate ? { signingDate } : {},
        );
      const { host: _host, ...fresh } = (await sign()).headers;
      expect((await raw(api.url, '/erasures', { method: 'POST', headers: fresh, body: '{"email":"ana@example.com"}' })).status).toBe(200);
      expect((await raw(api.url, '/erasures', { method: 'POST', headers: fresh, body: '{"email":"bob@example.com"}' })).status).toBe(403);
      const { host: _old, ...stale } = (await sign(new Date(Date.now() - 6 * 60_000))).headers;
      const replayed = await raw(api.url, '/erasures', { method: 'POST', headers: stale, body: '{"email":"ana@example.com"}' });
      expect(replayed.status).toBe(403);
      expect(replayed.body).toContain('Signature expired');
    });
  });
});
