import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Invitation } from '../../functions/domain/invitation.js';
import { pageStamps } from '../../functions/domain/page-stamp.js';
import { hashToken, unsubscribeTokenFor } from '../../functions/domain/tokens.js';
import { handleHttp } from '../../functions/respond/http.js';
import { testCatalog } from '../fixtures/catalog.js';
import { InMemoryInvitations } from '../fixtures/in-memory-invitations.js';

const TOKEN = 'Zm9vYmFyYmF6cXV4MTIzNA';
const NOW = new Date('2026-11-22T12:00:00Z');
const UNSUBSCRIBE = unsubscribeTokenFor(TOKEN);
const stamps = pageStamps('property-test-page-signing-key-0123456789');
const settings = { brand: { name: 'Shop' }, locales: testCatalog.locales, supportEmail: 'help@example.com', publicBaseUrl: 'https://f.example.com' };

function freshRepository(): InMemoryInvitations {
  const repository = new InMemoryInvitations();
  const invitation: Invitation = {
    tokenHash: hashToken(TOKEN),
    programId: 'order-delivered-nps',
    kind: 'nps',
    eventId: 'e',
    contactKey: 'k',
    locale: 'fa',
    customer: { id: 'c', email: 'a@example.com' },
    context: {},
    createdAt: NOW.toISOString(),
    expiresAt: NOW.getTime() / 1000 + 86_400,
  };
  repository.invitations.set(invitation.tokenHash, invitation);
  return repository;
}

function event(
  method: string,
  route: 'r' | 'u',
  token: string,
  body: string | undefined,
  base64: boolean,
  query?: Record<string, string>,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} /${route}/{token}`,
    rawPath: `/${route}/x`,
    rawQueryString: '',
    headers: { 'user-agent': 'Mozilla/5.0 Firefox/140.0' },
    queryStringParameters: query,
    pathParameters: { token },
    requestContext: { http: { method } } as never,
    body: body === undefined ? undefined : base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

const token = fc.oneof(
  fc.constant(TOKEN),
  fc.constant(UNSUBSCRIBE),
  fc.string({ maxLength: 80 }),
  fc.base64String({ minLength: 20, maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);
const scoreText = fc.oneof(fc.integer({ min: -5, max: 20 }).map(String), fc.string({ maxLength: 6 }), fc.constantFrom('', ' 7', '07', '1e1', '3.5', '١٠'));
const formBody = fc
  .record(
    {
      score: scoreText,
      comment: fc.string({ unit: 'grapheme', maxLength: 3000 }),
      answer2: fc.string({ maxLength: 50 }),
      t: fc.oneof(
        fc.constant(String(NOW.getTime() - 5000)),
        fc.string({ maxLength: 20 }),
        fc
          .constantFrom('rating', 'rating-confirm', 'unsubscribe', 'unsubscribe-confirm')
          .chain((purpose) => fc.constantFrom(TOKEN, UNSUBSCRIBE).map((signed) => stamps.sign(purpose as 'rating', signed, NOW.getTime() - 5000))),
      ),
      h: fc.constantFrom('0', '1', 'yes', ''),
      j: fc.constantFrom('0', '1', 'a', ''),
    },
    { requiredKeys: [] },
  )
  .map((fields) => new URLSearchParams(fields as Record<string, string>).toString());
const body = fc.oneof(
  formBody,
  fc.string({ maxLength: 500 }),
  fc.constant(undefined),
  fc.constant('List-Unsubscribe=One-Click'),
  fc.string({ minLength: 17_000, maxLength: 17_100 }),
);

describe('the public routes under random requests (fast-check)', () => {
  it('never answer 5xx and never write for invalid input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE'),
        fc.constantFrom('r' as const, 'u' as const),
        token,
        body,
        fc.boolean(),
        async (method, route, tok, requestBody, base64) => {
          const repository = freshRepository();
          const deps = { catalog: testCatalog, invitations: repository, contacts: repository, now: () => NOW, stamps };
          const { response } = await handleHttp(event(method, route, tok, requestBody, base64, { s: '3' }), deps, settings);

          expect(response.statusCode).toBeLessThan(500);
          const form = new URLSearchParams(requestBody ?? '');
          const score = form.get('score') ?? '';
          const validScore = /^\s*\d{1,2}\s*$/.test(score) && Number(score) <= 10;
          const canWrite = method === 'POST' && (route === 'u' ? tok === UNSUBSCRIBE : tok === TOKEN && validScore);
          if (!canWrite) {
            expect(repository.writes).toBe(0);
            expect(repository.suppressed.size).toBe(0);
            expect(repository.invitations.get(hashToken(TOKEN))?.response).toBeUndefined();
          }
          if (method === 'GET' || method === 'HEAD') expect(repository.writes + repository.suppressed.size).toBe(0);
        },
      ),
      { numRuns: 10_000 },
    );
  }, 120_000); // 10,000 runs take ~22 s on a shared 2-core machine: generous, so a busy moment cannot fail them
});
