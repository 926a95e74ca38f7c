import { randomUUID } from 'node:crypto';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dispatchFailureQueue } from '../../functions/config/resources.js';
import { hashToken } from '../../functions/domain/tokens.js';
import { SEED_EXCERPTS } from '../fixtures/seed-excerpts.js';
import {
  answer,
  collectMessages,
  dynamodb,
  emailsTo,
  events,
  mentioning,
  mimeOf,
  putEvent,
  sandbox,
  sleep,
  waitForEmails,
  waitUntilDrained,
} from './sandbox-clients.js';

const unique = () => randomUUID().slice(0, 8);
const bufferUrl = () => sandbox.queues['dispatch-buffer']!.url;

function orderDelivered(run: string) {
  return {
    eventId: `ord-${run}-delivered`,
    occurredAt: '2026-11-22T10:00:00Z',
    customer: { id: `c-${run}`, email: `ana-${run}@example.com`, name: 'Ana', locale: 'hr', segment: 'smb', tier: 'silver' },
    context: { orderId: `order-${run}` },
  };
}

const linkFor = (text: string, score: number) => {
  const match = new RegExp(`^${score}: (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`no link for ${score} in:\n${text}`);
  return match[1] as string;
};

describe('the closed loop in the sandbox (real SDK clients, local emulators)', () => {
  it('carries a purchase event to one email, a recorded rating and one follow-up message', async () => {
    const run = unique();
    const detail = orderDelivered(run);

    const put = await putEvent('shop.orders', 'OrderDelivered', detail);
    expect(put.FailedEntryCount).toBe(0);

    const emails = await waitForEmails(detail.customer.email);
    expect(emails).toHaveLength(1);
    const mail = await mimeOf(emails[0]!.messageId);
    expect(mail.subject).toBe('Kratko pitanje: Closeloop Demo Shop');
    expect(mail.replyTo?.text).toBe(sandbox.supportEmail);
    expect(mail.html).toContain('<html lang="hr" dir="ltr">');
    const text = mail.text ?? '';
    const links = Array.from({ length: 11 }, (_, score) => linkFor(text, score));
    expect(new Set(links.map((l) => new URL(l).pathname)).size).toBe(1);
    const link = links[3]!;
    expect(link.startsWith(`${sandbox.publicBaseUrl}/r/`)).toBe(true);
    const token = new URL(link).pathname.split('/').pop()!;

    // A mail scanner opens every link, with GET and HEAD: nothing may be recorded.
    for (const each of links) {
      expect((await fetch(each)).status).toBe(200);
      expect((await fetch(each, { method: 'HEAD' })).status).toBe(200);
    }
    const page = await (await fetch(link)).text();
    expect(page).toContain('value="3" checked');
    const key = { pk: `INV#${hashToken(token)}`, sk: 'INVITATION' };
    const { Item: beforePost } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: key, ConsistentRead: true }));
    expect(beforePost).toMatchObject({ programId: 'order-delivered-nps', eventId: detail.eventId });
    expect(beforePost).not.toHaveProperty('respondedAt');
    expect(beforePost).not.toHaveProperty('score');

    const response = await answer(link, { score: '3', comment: 'Paket je kasnio tri dana.' }, 'Mozilla/5.0 (X11; Linux x86_64) integration-test');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Hvala!');

    const followUps = await collectMessages(sandbox.followUpQueues['customer-success']!, mentioning(detail.customer.id));
    expect(followUps).toHaveLength(1);
    expect(JSON.parse(followUps[0]!.Body!)).toMatchObject({
      version: 1,
      programId: 'order-delivered-nps',
      score: 3,
      classification: 'detractor',
      comment: 'Paket je kasnio tri dana.',
      customer: { id: detail.customer.id, email: detail.customer.email },
      context: { orderId: `order-${run}` },
      ownerTeam: 'customer-success',
    });
    const { Item: afterPost } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: key, ConsistentRead: true }));
    expect(afterPost).toMatchObject({
      score: 3,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) integration-test',
      revision: 1,
      evidence: { interaction: true, confirmed: false, script: 'ran', userActivated: true, dwellMs: expect.any(Number) },
    });
  });

  it('sends exactly one email when the same event arrives three times at once', async () => {
    const detail = orderDelivered(unique());

    const puts = await Promise.all([1, 2, 3].map(() => putEvent('shop.orders', 'OrderDelivered', detail)));
    expect(puts.map((p) => p.FailedEntryCount)).toEqual([0, 0, 0]);
    await waitForEmails(detail.customer.email);
    await waitUntilDrained(bufferUrl());
    await sleep(500);

    expect(await emailsTo(detail.customer.email)).toHaveLength(1);
  });

  it('records one response when the form is posted twice, and opens a customer-success case only for a detractor', async () => {
    const detail = orderDelivered(unique());
    await putEvent('shop.orders', 'OrderDelivered', detail);
    const [email] = await waitForEmails(detail.customer.email);
    const url = new URL(linkFor(email!.body.text ?? '', 10));
    const post = (score: string) => answer(url.href, { score });

    const statuses = await Promise.all([post('10'), post('10'), post('2')]);

    expect(statuses.map((s) => s.status)).toEqual([200, 200, 200]);
    const token = url.pathname.split('/').pop()!;
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: sandbox.tables.surveys, Key: { pk: `INV#${hashToken(token)}`, sk: 'INVITATION' }, ConsistentRead: true }),
    );
    // A detractor case opens if 2 was ever the answer: first, or as a change (history) — never twice.
    const answers = [Item?.score, ...((Item?.history as { score: number }[] | undefined) ?? []).map((h) => h.score)];
    const expected = answers.includes(2) ? 1 : 0;
    const followUps = await collectMessages(sandbox.followUpQueues['customer-success']!, mentioning(detail.customer.id), {
      atLeast: expected,
    });
    expect(followUps).toHaveLength(expected);
    expect([2, 10]).toContain(Item?.score);
  });

  it('stores one response and opens one case under 20 concurrent identical POSTs', async () => {
    const detail = orderDelivered(unique());
    await putEvent('shop.orders', 'OrderDelivered', detail);
    const [email] = await waitForEmails(detail.customer.email);
    const link = linkFor(email!.body.text ?? '', 4);

    const responses = await Promise.all(Array.from({ length: 20 }, () => answer(link, { score: '4', comment: 'Kasni.' })));

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const token = new URL(link).pathname.split('/').pop()!;
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: sandbox.tables.surveys, Key: { pk: `INV#${hashToken(token)}`, sk: 'INVITATION' }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ score: 4, revision: 1 });
    expect(Item).not.toHaveProperty('history');
    const cases = await collectMessages(sandbox.followUpQueues['customer-success']!, mentioning(detail.customer.id));
    expect(cases).toHaveLength(1);
  });

  it('routes a high-effort CES answer to the support queue', async () => {
    const run = unique();
    const detail = { ...orderDelivered(run), eventId: `tkt-${run}`, context: { ticketId: `t-${run}` } };
    await putEvent('support.tickets', 'TicketResolved', detail);
    const [email] = await waitForEmails(detail.customer.email);
    const text = email!.body.text ?? '';
    expect(() => linkFor(text, 8)).toThrow();
    const url = new URL(linkFor(text, 6));

    await answer(url.href, { score: '6' });

    const cases = await collectMessages(sandbox.followUpQueues.support!, mentioning(detail.customer.id));
    expect(cases.map((m) => JSON.parse(m.Body!))).toEqual([
      expect.objectContaining({ kind: 'ces', score: 6, classification: 'high-effort', context: { ticketId: `t-${run}` } }),
    ]);
  });

  it('rejects an event that breaks the contract to the dead-letter queue, with the reason, and sends nothing', async () => {
    const detail = orderDelivered(unique());
    const broken = { ...detail, customer: { ...detail.customer, email: 'not-an-address' } };

    await putEvent('shop.orders', 'OrderDelivered', broken);
    await putEvent('shop.orders', 'OrderDelivered', {
      ...detail,
      eventId: `${detail.eventId}-ok`,
      customer: { ...detail.customer, email: `ok-${detail.customer.email}` },
    });

    const rejected = await collectMessages(sandbox.queues[dispatchFailureQueue.name]!.url, (m) => m.Body?.includes(broken.eventId) ?? false);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.MessageAttributes?.reason?.StringValue).toContain('detail.customer.email');
    expect(await waitForEmails(`ok-${detail.customer.email}`)).toHaveLength(1);
    expect(await emailsTo('not-an-address')).toHaveLength(0);
  });

  it('answers PutEvents errors per entry like EventBridge', async () => {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop.orders', DetailType: 'OrderDelivered', Detail: '{not json', EventBusName: sandbox.busName },
          { Source: 'shop.orders', DetailType: 'OrderDelivered', Detail: '{}', EventBusName: 'no-such-bus' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((e) => e.ErrorCode)).toEqual(['MalformedDetail', 'ResourceNotFoundException']);
  });

  it.each(Object.entries(SEED_EXCERPTS))('carries a %s comment from the source articles unchanged into the follow-up', async (locale, excerpt) => {
    const run = unique();
    const detail = { ...orderDelivered(run), customer: { ...orderDelivered(run).customer, locale, tier: 'silver' } };
    await putEvent('shop.orders', 'OrderDelivered', detail);
    const [email] = await waitForEmails(detail.customer.email);
    const url = new URL(linkFor(email!.body.text ?? '', 1));
    const page = await (await fetch(url)).text();
    expect(page).toContain(`<html lang="${locale}" dir="${locale === 'fa' ? 'rtl' : 'ltr'}">`);

    await answer(url.href, { score: '1', comment: excerpt });

    const [message] = await collectMessages(sandbox.followUpQueues['customer-success']!, mentioning(detail.customer.id));
    expect(JSON.parse(message!.Body!).comment).toBe(excerpt);
  });

  it('shows the same 404 for an unknown token and writes nothing', async () => {
    const bogus = `${sandbox.publicBaseUrl}/r/AAAAAAAAAAAAAAAAAAAAAA`;
    const get = await fetch(bogus);
    const post = await answer(bogus, { score: '3' });
    expect([get.status, post.status]).toEqual([404, 404]);
    expect(await get.text()).toBe(await post.text());
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: sandbox.tables.surveys, Key: { pk: `INV#${hashToken('AAAAAAAAAAAAAAAAAAAAAA')}`, sk: 'INVITATION' } }),
    );
    expect(Item).toBeUndefined();
  });
});
