/**
 * Respondent notifications through the real pipeline (the demo catalog's `detractor` rule says
 * notifyRespondent: onOpen, onResolve): survey email → answer → case → acknowledgement email, and
 * resolve → the public reply, every email parsed by a real MIME parser.
 */

import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type CaseApi, callCaseApi } from '../../cli/case-api.js';
import { keys } from '../../functions/adapters/table-keys.js';
import { answer, collectMessages, dynamodb, emailsTo, mentioning, mimeOf, putEvent, sandbox, sleep, waitForEmails } from './sandbox-clients.js';

const caseApi: CaseApi = {
  baseUrl: sandbox.endpoints.publicApi,
  region: sandbox.region,
  credentials: async () => sandbox.credentials,
  description: 'the test sandbox',
};

/** A delivered order surveyed and answered `score` by a fresh customer; returns the answer's time and the case id (if one opened). */
async function answered(score: number, customer: Record<string, string>, beforeAnswer?: (surveyEmail: string) => Promise<void>) {
  await putEvent('shop.orders', 'OrderDelivered', {
    eventId: `notify-${customer.id}`,
    occurredAt: new Date().toISOString(),
    customer,
    context: { orderId: `o-${customer.id}` },
  });
  const [survey] = await waitForEmails(customer.email as string);
  const text = survey!.body.text ?? '';
  await beforeAnswer?.(text);
  const link = new RegExp(`^${score}: (\\S+)$`, 'm').exec(text)![1]!;
  const answeredAt = Date.now();
  expect((await answer(link, { score: String(score), comment: 'Paket je kasnio tri dana.' })).status).toBe(200);
  const [opened] = await collectMessages(sandbox.followUpQueues['customer-success']!, mentioning(customer.id as string));
  return { answeredAt, caseId: (JSON.parse(opened!.Body!) as { caseId: string }).caseId };
}

const outboxItem = async (caseId: string, kind: string) =>
  (await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.notification(caseId, kind), ConsistentRead: true }))).Item;

describe('closing the loop with the respondent (sandbox, real emails)', () => {
  it("acknowledges a detractor within a minute, in their language and time zone, from the brand, Reply-To the case's own address (support named in the body), with List-Unsubscribe", async () => {
    const run = randomUUID().slice(0, 8);
    const customer = { id: `ack-${run}`, email: `ack-${run}@example.com`, name: 'Ana', locale: 'hr', timeZone: 'Europe/Zagreb', tier: 'silver' };

    const { answeredAt, caseId } = await answered(3, customer);
    const emails = await waitForEmails(customer.email, 2, 60_000);
    const seconds = (Date.now() - answeredAt) / 1000;

    expect(emails).toHaveLength(2);
    expect(seconds).toBeLessThan(60);
    const mail = await mimeOf(emails[1]!.messageId);
    expect(mail.subject).toBe('Pročitali smo vaše povratne informacije – Closeloop Demo Shop');
    // The sandbox receives replies (inbound): Reply-To is the case's own address; the support address is in the body.
    expect(mail.replyTo?.text).toMatch(new RegExp(`^reply\\+[a-z2-7]{53}@${sandbox.inboundDomain.replace(/\./g, '\\.')}$`));
    expect(mail.text).toContain(`Možete nam pisati i na ${sandbox.supportEmail}.`);
    expect(mail.html).toContain('<html lang="hr" dir="ltr">');
    const text = mail.text ?? '';
    expect(text).toContain('Pozdrav, Ana,');
    // The rule's acknowledge deadline (4 h, compressed by the sandbox's SLA scale), in Zagreb time, named.
    expect(text).toMatch(/Naša korisnička podrška javit će vam se najkasnije do \d{1,2}\. [a-zčćđšž]+ u \d{2}:\d{2} (CET|CEST|GMT\+\d)\./);
    expect(text).toContain('Closeloop Demo Shop');
    const unsubscribe = /: (\S+\/u\/\S+)$/m.exec(text)![1]!;
    expect(emails[1]!.body.html).toContain(unsubscribe);
    const sent = await outboxItem(caseId, 'acknowledgement');
    expect(sent).toMatchObject({ status: 'sent', type: 'notification' });
    expect(sent).not.toHaveProperty('to'); // the address is dropped once sent
    console.log(`acknowledgement ${seconds.toFixed(1)} s after the answer`);

    // The one-click unsubscribe of the notification works like a survey's.
    expect(
      (await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' }))
        .status,
    ).toBe(200);
    const { Item: suppression } = await dynamodb.send(
      new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.suppression((sent as { contactKey: string }).contactKey) }),
    );
    expect(suppression).toMatchObject({ reason: 'unsubscribed' });
  });

  it('resolved with a reply, the respondent gets the reply and never the internal note; without a reply nothing is sent', async () => {
    const run = randomUUID().slice(0, 8);
    const withReply = { id: `rep-${run}`, email: `rep-${run}@example.com`, locale: 'et', tier: 'silver' };
    const withoutReply = { id: `norep-${run}`, email: `norep-${run}@example.com`, locale: 'en', tier: 'silver' };
    const [a, b] = await Promise.all([answered(2, withReply), answered(2, withoutReply)]);
    await Promise.all([waitForEmails(withReply.email, 2), waitForEmails(withoutReply.email, 2)]);

    const note = `refunded shipping ${run}`;
    const reply = 'We have refunded your shipping costs.';
    const resolved = (await callCaseApi(caseApi, 'POST', `/cases/${a.caseId}/resolve`, { rootCause: 'delivery-delay', note, reply })) as Record<string, any>;
    await callCaseApi(caseApi, 'POST', `/cases/${b.caseId}/resolve`, { rootCause: 'delivery-delay', note });

    expect(resolved.history.at(-1)).toMatchObject({ action: 'resolved', note, reply });
    const emails = await waitForEmails(withReply.email, 3, 60_000);
    expect(emails).toHaveLength(3);
    const mail = await mimeOf(emails[2]!.messageId);
    expect(mail.subject).toBe('Uudised teie tagasiside kohta – Closeloop Demo Shop');
    expect(mail.text).toContain(reply);
    expect(`${mail.text}${mail.html}`).not.toContain(note);
    expect(mail.replyTo?.text).toMatch(/^reply\+[a-z2-7]{53}@/);
    await sleep(3000);
    expect(await emailsTo(withoutReply.email)).toHaveLength(2); // the survey and the acknowledgement only
    expect(await outboxItem(b.caseId, 'resolution')).toBeUndefined();
  });

  it('sends nothing to a person who unsubscribed before answering: the acknowledgement is skipped at send time', async () => {
    const run = randomUUID().slice(0, 8);
    const customer = { id: `unsub-${run}`, email: `unsub-${run}@example.com`, locale: 'en', tier: 'silver' };

    const { caseId } = await answered(1, customer, async (surveyText) => {
      const footer = /: (\S+\/u\/\S+)$/m.exec(surveyText)![1]!;
      const response = await fetch(footer, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(response.status).toBe(200);
    });
    for (const until = Date.now() + 30_000; Date.now() < until && (await outboxItem(caseId, 'acknowledgement'))?.status !== 'skipped'; await sleep(200));

    expect(await outboxItem(caseId, 'acknowledgement')).toMatchObject({ status: 'skipped', reason: 'suppressed' });
    expect(await emailsTo(customer.email)).toHaveLength(1); // the survey only
  });
});
