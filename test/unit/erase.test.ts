import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { addCustomerReply, anonymiseCase, buildFollowUpCase, ERASED_CUSTOMER, openCase } from '../../functions/domain/follow-up-case.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { findProgram } from '../../functions/domain/program.js';
import { type EraseDeps, eraseContact } from '../../functions/erase/erase.js';
import { handleErasureRequest } from '../../functions/erase/http.js';
import type { ErasureCounts } from '../../functions/ports.js';
import { declaredCatalog, testCatalog } from '../fixtures/catalog.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const nothing: ErasureCounts = { invitationsDeleted: 0, responsesAnonymised: 0, casesAnonymised: 0, contactRecordsDeleted: 0, notificationsDeleted: 0 };

function fakeEraser(passes: ErasureCounts[]) {
  const calls: { contactKey: string; at: Date }[] = [];
  return {
    calls,
    erase: async (contactKey: string, at: Date) => {
      calls.push({ contactKey, at });
      return passes[calls.length - 1] ?? nothing;
    },
  };
}

const depsWith = (eraser: EraseDeps['eraser']): EraseDeps => ({ eraser, now: () => NOW, settleMs: 0, sleep: async () => undefined });

describe('erasing a person', () => {
  it('erases by the normalised address in two passes and reports the sum', async () => {
    const eraser = fakeEraser([
      { ...nothing, invitationsDeleted: 2, responsesAnonymised: 1, casesAnonymised: 1, contactRecordsDeleted: 2, notificationsDeleted: 2 },
      { ...nothing, invitationsDeleted: 1 },
    ]);

    const report = await eraseContact('  Mari@Example.COM ', depsWith(eraser));

    expect(eraser.calls.map((c) => c.contactKey)).toEqual([contactKeyOf('mari@example.com'), contactKeyOf('mari@example.com')]);
    expect(report).toEqual({
      contactKey: contactKeyOf('mari@example.com'),
      erasedAt: NOW.toISOString(),
      suppressed: true,
      invitationsDeleted: 3,
      responsesAnonymised: 1,
      casesAnonymised: 1,
      contactRecordsDeleted: 2,
      notificationsDeleted: 2,
    });
  });

  it('anonymises a case: no person, words, context or notes; status, scores, rule and times stay; no more deadlines', () => {
    const program = findProgram(testCatalog, 'order-delivered-nps')!;
    const rule = program.rules.find((r) => r.id === 'detractor')!;
    const message = buildFollowUpCase(
      {
        tokenHash: 'h',
        programId: program.id,
        kind: 'nps',
        eventId: 'e',
        contactKey: 'k',
        locale: 'hr',
        customer: { id: 'c-1', email: 'ana@example.com', name: 'Ana' },
        context: { orderId: 'o-1' },
        createdAt: NOW.toISOString(),
        expiresAt: 0,
        response: { score: 2, comment: 'Ana here: paket je kasnio', secondAnswer: 'x', respondedAt: NOW.toISOString() },
      },
      program,
      rule,
      'detractor',
      ['delivery'],
      { slaScale: 1, caseApiBaseUrl: 'https://api' },
    );
    const opened = openCase(message, rule, NOW, { contactKey: 'k', expiresAt: 99 });
    const noted = addCustomerReply(
      {
        ...opened,
        note: 'Called Ana',
        history: [...opened.history, { at: NOW.toISOString(), actor: 'arn:x', action: 'acknowledged' as const, note: 'Called Ana' }],
      },
      NOW,
      { from: 'ana@example.com', text: 'Ana again: still waiting', messageId: 'mid-of-ana', dropped: [] },
    );

    const erased = anonymiseCase(noted, NOW);

    expect(JSON.stringify(erased)).not.toMatch(/ana|o-1|kasnio|c-1|still waiting/i);
    // The reply's entry stays (who acted and when), without its sender, words or Message-ID hash.
    expect(erased.history.at(-1)).toEqual({ at: NOW.toISOString(), actor: 'customer', action: 'customer-replied' });
    expect(erased).toMatchObject({
      status: 'open',
      expiresAt: 99,
      erasedAt: NOW.toISOString(),
      message: { customer: ERASED_CUSTOMER, comment: null, secondAnswer: null, context: {}, score: 2, rule: 'detractor', topics: ['delivery'] },
    });
    expect(erased.nextDeadline).toBeUndefined();
    expect(erased.contactKey).toBeUndefined();
  });

  it('answers only signed calls with a valid address, and audits who erased what', async () => {
    const eraser = fakeEraser([]);
    const audits: string[] = [];
    const call = (body: string, signed = true) =>
      handleErasureRequest(
        {
          routeKey: 'POST /erasures',
          body,
          isBase64Encoded: false,
          requestContext: signed ? { authorizer: { iam: { userArn: 'arn:aws:iam::1:user/dpo' } } } : {},
        } as unknown as APIGatewayProxyEventV2,
        depsWith(eraser),
        (actor, report) => audits.push(`${actor} ${report.contactKey}`),
      );

    expect((await call('{"email":"a@example.com"}', false)).statusCode).toBe(403);
    expect(await call('{"email":"nope"}')).toMatchObject({ statusCode: 400, body: expect.stringContaining('email: ') });
    expect(await call('{')).toMatchObject({ statusCode: 400, body: expect.stringContaining('not JSON') });
    expect(eraser.calls).toHaveLength(0);
    expect((await call('{"email":"a@example.com"}')).statusCode).toBe(200);
    expect(audits).toEqual([`arn:aws:iam::1:user/dpo ${contactKeyOf('a@example.com')}`]);
  });
});

describe('retention settings', () => {
  it('defaults to a year for responses and cases, and refuses a retention shorter than the answer window', () => {
    const { retention: _omitted, ...withoutRetention } = declaredCatalog();
    expect(parseCatalog(withoutRetention).retention).toEqual({ responseDays: 365, caseDays: 365 });
    expect(() => parseCatalog({ ...declaredCatalog(), answerWindowHours: 72, retention: { responseDays: 2, caseDays: 30 } })).toThrow(
      'retention.responseDays: 2 is shorter than the answer window',
    );
    expect(() => parseCatalog({ ...declaredCatalog, retention: { responseDays: 0, caseDays: 30 } })).toThrow(/retention\.responseDays/);
  });
});
