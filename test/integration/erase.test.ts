import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type CaseApi, callCaseApi } from '../../cli/case-api.js';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { DynamoAnnouncements } from '../../functions/adapters/dynamo-announcements.js';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { DynamoInvitationRepository, keys } from '../../functions/adapters/dynamo-invitation-repository.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { hashToken, newToken } from '../../functions/domain/tokens.js';
import { routeResponse } from '../../functions/rules/rules.js';
import { demoCatalog as catalog } from '../fixtures/catalog.js';
import { answer, collectMessages, dynamodb, mentioning, putEvent, sandbox, sleep, waitForBusEvent, waitForEmails } from './sandbox-clients.js';

const cli = promisify(execFile);
const caseApi: CaseApi = {
  baseUrl: sandbox.endpoints.publicApi,
  region: sandbox.region,
  credentials: async () => sandbox.credentials,
  description: 'the test sandbox',
};
const cliEnv = {
  ...process.env,
  AWS_REGION: sandbox.region,
  AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
};
const erase = async (email: string) => {
  const { stdout } = await cli('node', ['dist/cli/closeloop.mjs', 'erase', email, '--api-url', sandbox.endpoints.publicApi, '--json'], { env: cliEnv });
  return JSON.parse(stdout) as Record<string, unknown>;
};

/** Every item of the table, as text. */
async function scanTable(): Promise<string[]> {
  const items: string[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: sandbox.tables.surveys, ExclusiveStartKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((item) => JSON.stringify(item)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

describe('closeloop erase <email> (the real CLI against the sandbox)', () => {
  it('removes every trace of the person — invitations, answers, comments, cases, notes — keeps the anonymous scores, and suppresses the address', async () => {
    const run = randomUUID().slice(0, 8);
    const email = `Kadri.Tamm-${run}@Example.com`;
    const name = `Kadri Tamm ${run}`;
    const comment = `Pakk jäi kolm päeva hiljaks, helistage mulle ${run}`;
    const note = `Helistasin, Kadri ${run} ootab tagasimakset`;
    const segment = `erase-${run}`;
    const customer = { id: `cust-${run}`, email, name, locale: 'et', segment, tier: 'silver' };

    // A survey answered by a detractor with a comment (→ a case, acknowledged with a note) …
    await putEvent('shop.orders', 'OrderDelivered', {
      eventId: `erase-${run}`,
      occurredAt: new Date().toISOString(),
      customer,
      context: { orderId: `order-${run}` },
    });
    const [mail] = await waitForEmails(email);
    const link = /^0: (\S+)$/m.exec(mail!.body.text ?? '')![1]!;
    expect((await answer(link, { score: '3', comment })).status).toBe(200);
    const [opened] = await collectMessages(sandbox.followUpQueues['customer-success']!, mentioning(customer.id));
    const caseId = JSON.parse(opened!.Body!).caseId as string;
    await callCaseApi(caseApi, 'POST', `/cases/${caseId}/acknowledge`, { note });
    // The detractor rule notifies its respondents: the acknowledgement (an outbox item and its unsubscribe link) is in the table too.
    expect(await waitForEmails(email, 2)).toHaveLength(2);
    // … and an invitation of another program that was never answered.
    const unanswered = new DynamoInvitationRepository(sandbox.tables.surveys, dynamodb);
    const otherToken = newToken();
    await unanswered.reserve(
      {
        tokenHash: hashToken(otherToken),
        programId: 'checkout-csat',
        kind: 'csat',
        eventId: `placed-${run}`,
        contactKey: contactKeyOf(email),
        locale: 'et',
        customer,
        context: { orderId: `order-${run}` },
        createdAt: new Date().toISOString(),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
      { contactKey: contactKeyOf(email), rests: [], now: Math.floor(Date.now() / 1000) },
      { token: otherToken, until: Math.floor(Date.now() / 1000) + 90 },
    );
    // … and a "you said, we did" announcement sent to them (its record and its unsubscribe link).
    const announcements = new DynamoAnnouncements(sandbox.tables.surveys, dynamodb);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const announced = { announcementId: `erase-${run}`, programId: 'order-delivered-nps', tokenHash: 'h', contactKey: contactKeyOf(email), locale: 'et' };
    expect(
      await announcements.claim(
        { ...announced, subject: 's', body: 'b' },
        nowSeconds,
        nowSeconds + 90,
        { key: `erase-link-${run}`, expiresAt: nowSeconds + 3600 },
        nowSeconds + 3600,
      ),
    ).toBe('claimed');
    await announcements.markSent(announced.announcementId, announced.contactKey, new Date());
    const aggregates = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);
    const today = new Date().toISOString().slice(0, 10);
    for (
      const until = Date.now() + 30_000;
      Date.now() < until && !(await aggregates.totals('order-delivered-nps', segment, today, today)).responses;
      await sleep(200)
    );
    const countedBefore = await aggregates.totals('order-delivered-nps', segment, today, today);
    const traces = [email.toLowerCase(), name, comment, note, customer.id, `order-${run}`];
    expect((await scanTable()).join('\n').toLowerCase()).toContain(email.toLowerCase());

    const report = await erase(email.toUpperCase());

    expect(report).toMatchObject({
      contactKey: contactKeyOf(email),
      suppressed: true,
      invitationsDeleted: 1,
      responsesAnonymised: 1,
      casesAnonymised: 1,
    });
    expect(report.contactRecordsDeleted).toBeGreaterThanOrEqual(1); // the rest period(s) the survey and the answer took
    // The acknowledgement's outbox item and its unsubscribe link, the announcement's record and its unsubscribe link.
    expect(report.notificationsDeleted).toBeGreaterThanOrEqual(4);
    await sleep(1500); // let the stream readers see the erasure: they must not write anything of the person back
    const everything = (await scanTable()).join('\n').toLowerCase();
    for (const trace of traces) expect(everything, `"${trace}" is still stored`).not.toContain(trace.toLowerCase());
    // The announcement's record and its unsubscribe link are gone too.
    expect(everything).not.toContain(`announce#erase-${run}`);
    expect(everything).not.toContain(`unsub#erase-link-${run}`);

    // What stays: the anonymous score, the anonymised case, the counters, and the suppression (a hash).
    const { Item: response } = await dynamodb.send(
      new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.invitation(hashToken(new URL(link).pathname.split('/').pop()!)) }),
    );
    expect(response).toMatchObject({ type: 'anonymous-response', programId: 'order-delivered-nps', kind: 'nps', score: 3, revision: 1 });
    const erasedCase = (await callCaseApi(caseApi, 'GET', `/cases/${caseId}`)) as Record<string, any>;
    expect(erasedCase).toMatchObject({
      status: 'acknowledged',
      erasedAt: report.erasedAt,
      message: { customer: { id: 'erased' }, comment: null, score: 3, rule: 'detractor' },
    });
    expect(erasedCase.history.map((change: Record<string, unknown>) => change.note)).toEqual([undefined, undefined]);
    expect(await aggregates.totals('order-delivered-nps', segment, today, today)).toEqual(countedBefore);
    const { Item: suppression } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.suppression(contactKeyOf(email)) }));
    expect(suppression).toMatchObject({ reason: 'erased' });

    // The link is dead, the address is never surveyed again, and erasing again changes nothing.
    expect((await fetch(link)).status).toBe(404);
    await putEvent('support.tickets', 'TicketResolved', { eventId: `t-${run}`, occurredAt: new Date().toISOString(), customer: { id: customer.id, email } });
    expect((await waitForBusEvent('SurveySkipped', (d) => d.eventId === `t-${run}`))?.detail).toMatchObject({ reason: 'suppressed' });
    expect(await erase(email)).toMatchObject({ invitationsDeleted: 0, responsesAnonymised: 0, casesAnonymised: 0, contactRecordsDeleted: 0 });
  });

  it('opens no case from an answer whose person was erased before the rules stage saw it', async () => {
    const run = randomUUID().slice(0, 8);
    const email = `late-${run}@example.com`;
    const repository = new DynamoInvitationRepository(sandbox.tables.surveys, dynamodb);
    const invitation = {
      tokenHash: hashToken(newToken()),
      programId: 'order-delivered-nps',
      kind: 'nps' as const,
      eventId: `late-${run}`,
      contactKey: contactKeyOf(email),
      locale: 'en' as const,
      customer: { id: `late-${run}`, email },
      context: {},
      createdAt: new Date().toISOString(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    };
    await repository.reserve(
      invitation,
      { contactKey: invitation.contactKey, rests: [], now: Math.floor(Date.now() / 1000) },
      { token: newToken(), until: Math.floor(Date.now() / 1000) + 90 },
    );
    await erase(email);

    // The stream record of an answer given just before the erasure, arriving after it.
    const stale = { ...invitation, response: { score: 0, comment: `call me ${run}`, respondedAt: new Date().toISOString(), revision: 1 } };
    const routed = await routeResponse(stale, {
      catalog,
      cases: new DynamoCaseRepository(sandbox.tables.surveys, dynamodb),
      contacts: repository,
      publisher: {
        publish: async () => {
          throw new Error('no message may be sent about an erased person');
        },
      },
      timing: { slaScale: 1, caseApiBaseUrl: sandbox.endpoints.publicApi },
      now: () => new Date(),
    });

    expect(routed.cases).toEqual([]);
    expect((await scanTable()).join('\n')).not.toContain(email);
  });

  it('refuses an unsigned call and names what is wrong with a bad request', async () => {
    expect((await fetch(`${sandbox.endpoints.publicApi}/erasures`, { method: 'POST', body: '{"email":"a@example.com"}' })).status).toBe(403);
    await expect(callCaseApi(caseApi, 'POST', '/erasures', { email: 'not-an-address' })).rejects.toThrow(/^400: email: /);
    await expect(callCaseApi(caseApi, 'POST', '/erasures', {})).rejects.toThrow(/^400: email: /);
  });
});
