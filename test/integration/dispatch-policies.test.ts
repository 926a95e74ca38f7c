import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo-invitation-repository.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import {
  browserPost,
  dynamodb,
  emailsTo,
  mimeOf,
  pageStamp,
  putEvent,
  sandbox,
  sleep,
  waitForBusEvent,
  waitForEmails,
  waitUntilDrained,
} from './sandbox-clients.js';

const unique = () => randomUUID().slice(0, 8);

/** The raw header line as it was sent (mailparser also digests List-* headers into `list`). */
const headerLine = (mail: ParsedMail, name: string) =>
  mail.headerLines
    .find((h) => h.key === name)
    ?.line.replace(/^[^:]+:\s*/, '')
    .replace(/\r?\n\s+/g, ' ');
const listUnsubscribeUrl = (mail: ParsedMail) => /^<(https?:[^>]+)>$/.exec(headerLine(mail, 'list-unsubscribe') ?? '')?.[1];

function customer(run: string, overrides: Record<string, unknown> = {}) {
  return { id: `c-${run}`, email: `p-${run}@example.com`, name: 'Mari', locale: 'et', tier: 'silver', ...overrides };
}

const order = (detailType: string, run: string, overrides: Record<string, unknown> = {}) =>
  putEvent('shop.orders', detailType, {
    eventId: `${detailType}-${run}`,
    occurredAt: new Date().toISOString(),
    customer: customer(run),
    context: { orderId: `o-${run}` },
    ...overrides,
  });

const isFor = (run: string) => (detail: Record<string, unknown>) => detail.customerId === `c-${run}`;

describe('dispatch policies in the sandbox (real SDK clients)', () => {
  it('rests a customer after a survey: the second purchase sends nothing and announces SurveySkipped', async () => {
    const run = unique();
    await order('OrderDelivered', run);
    await waitForEmails(`p-${run}@example.com`);
    await putEvent('support.tickets', 'TicketResolved', { eventId: `t-${run}`, occurredAt: new Date().toISOString(), customer: customer(run) });

    const skipped = await waitForBusEvent('SurveySkipped', isFor(run));

    expect(skipped?.source).toBe('closeloop');
    expect(skipped?.detail).toMatchObject({ programId: 'ticket-resolved-ces', eventId: `t-${run}`, reason: 'throttled' });
    expect(await emailsTo(`p-${run}@example.com`)).toHaveLength(1);
    expect(await waitForBusEvent('SurveySent', isFor(run))).toBeDefined();
  });

  it('honours one-click unsubscribe (RFC 8058) at once: no further survey for that address', async () => {
    const run = unique();
    await order('OrderDelivered', run);
    const [email] = await waitForEmails(`p-${run}@example.com`);
    const mime = await mimeOf(email!.messageId);
    const url = listUnsubscribeUrl(mime);
    // The unsubscribe token (43 characters), never the rating token (22) of the same email.
    expect(url).toMatch(/\/u\/[\w-]{43}$/);
    expect(email!.body.text).not.toContain(`/r/${url!.split('/').pop()}`);

    const oneClick = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    const other = { ...customer(run), id: `c-${run}`, email: `P-${run}@EXAMPLE.com` };
    await putEvent('support.tickets', 'TicketResolved', { eventId: `t-${run}`, occurredAt: new Date().toISOString(), customer: other });

    const skipped = await waitForBusEvent('SurveySkipped', isFor(run));
    expect(skipped?.detail).toMatchObject({ reason: 'suppressed' });
    expect(await emailsTo(`P-${run}@EXAMPLE.com`)).toHaveLength(0);
  });

  it('shows a confirmation on GET of the unsubscribe link, and suppresses only on POST', async () => {
    const run = unique();
    await order('OrderDelivered', run);
    const [email] = await waitForEmails(`p-${run}@example.com`);
    const url = /(\S+\/u\/[\w-]{43})$/m.exec(email!.body.text ?? '')?.[1];
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect((await fetch(url!, { method: 'HEAD' })).status).toBe(200);
    const suppression = keys.suppression(contactKeyOf(`p-${run}@example.com`));
    expect((await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: suppression, ConsistentRead: true }))).Item).toBeUndefined();

    // A POST without a person's evidence (or the one-click body) only asks to confirm.
    expect(await (await fetch(url!, { method: 'POST' })).text()).toContain('Palun kinnitage, et soovite tellimusest loobuda');
    expect((await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: suppression, ConsistentRead: true }))).Item).toBeUndefined();

    // A person presses the button.
    const stamp = await pageStamp(url!);
    await sleep(600);
    expect((await browserPost(url!, new URLSearchParams({ t: stamp!, h: '1', j: '1' }).toString())).status).toBe(200);
    expect((await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: suppression, ConsistentRead: true }))).Item).toMatchObject({
      reason: 'unsubscribed',
    });
  });

  it('sends a delayed survey after its delay (compressed in the sandbox)', async () => {
    const run = unique();
    await order('OrderPlaced', run);

    await sleep(1500);
    expect(await emailsTo(`p-${run}@example.com`)).toHaveLength(0);
    const emails = await waitForEmails(`p-${run}@example.com`, 1, 90_000);

    expect(emails).toHaveLength(1);
    expect(emails[0]!.body.text).toContain('Kui rahul olite Closeloop Demo Shop tellimiskogemusega?');
    expect(emails[0]!.body.text).toMatch(/^5: /m);
    expect(emails[0]!.body.text).not.toMatch(/^6: /m);
  });

  it('cancels a pending delayed survey when the order is cancelled first', async () => {
    const run = unique();
    await order('OrderPlaced', run);
    await sleep(300);
    await order('OrderCancelled', run);

    const skipped = await waitForBusEvent('SurveySkipped', isFor(run), 90_000);

    expect(skipped?.detail).toMatchObject({ programId: 'checkout-csat', reason: 'cancelled' });
    expect(await emailsTo(`p-${run}@example.com`)).toHaveLength(0);
  });

  it.each([
    ['en', 'A quick question from Closeloop Demo Shop', 'ltr'],
    ['et', 'Üks kiire küsimus: Closeloop Demo Shop', 'ltr'],
    ['hr', 'Kratko pitanje: Closeloop Demo Shop', 'ltr'],
    ['th', 'คำถามสั้น ๆ จาก Closeloop Demo Shop', 'ltr'],
    ['fa', 'یک پرسش کوتاه از Closeloop Demo Shop', 'rtl'],
  ])('sends a well-formed email in %s: headers, 11 NPS links, plain-text part', async (locale, subject, dir) => {
    const run = unique();
    await order('OrderDelivered', run, { customer: customer(run, { locale, name: undefined }) });
    const [stored] = await waitForEmails(`p-${run}@example.com`);
    const mail = await mimeOf(stored!.messageId);

    expect(mail.subject).toBe(subject);
    expect(mail.from?.text).toBe(sandbox.senderEmail);
    expect(mail.replyTo?.text).toBe(sandbox.supportEmail);
    expect(listUnsubscribeUrl(mail)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/u\/[\w-]{43}$/);
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.text).toBeTruthy();
    expect(mail.html).toContain(`<html lang="${locale}" dir="${dir}">`);
    const htmlScores = [...String(mail.html).matchAll(/href="[^"]+\/r\/[\w-]{22}\?s=(\d+)"/g)].map((m) => Number(m[1]));
    const textScores = [...String(mail.text).matchAll(/^(\d+): \S+\/r\/[\w-]{22}\?s=(\d+)$/gm)].map((m) => Number(m[2]));
    expect(htmlScores).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(textScores).toEqual(htmlScores);
  });

  it('leaves no message behind in the buffer', async () => {
    await waitUntilDrained(sandbox.queues['dispatch-buffer']!.url);
  });
});
