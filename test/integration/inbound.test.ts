/**
 * Customers write back (issue 27), as a real mail client does: a detractor gets the acknowledgement
 * (Reply-To: the case's own address), answers it with nodemailer over SMTP to the sandbox's inbound
 * server (which stores the message on S3 and invokes the inbound stage as SES's receipt rule does), and
 * the case's history shows their words without the quoted email, once, however often the message comes.
 * Auto-replies and bounces change nothing; a reply to an erased customer's case is dropped.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { callCaseApi } from '../../cli/case-api.js';
import { keys } from '../../functions/adapters/table-keys.js';
import { inboundMail } from '../../functions/config/resources.js';
import type { FollowUpCaseRecord } from '../../functions/domain/follow-up-case.js';
import { SANDBOX_INBOUND_BUCKET } from '../../sandbox/resources.js';
import { signIn } from '../fixtures/workspace-sign-in.js';
import { answer, collectMessages, dynamodb, mentioning, mimeOf, putEvent, sandbox, sleep, waitForBusEvent, waitForEmails } from './sandbox-clients.js';

const s3 = new S3Client({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.sqs });
const smtp = new URL(sandbox.endpoints.smtp);
/** The customer's mail client: plain SMTP to the sandbox's inbound server (SES's receiving endpoint in AWS). */
const client = nodemailer.createTransport({ host: smtp.hostname, port: Number(smtp.port), secure: false, ignoreTLS: true });
const caseApi = { baseUrl: sandbox.endpoints.publicApi, region: sandbox.region, credentials: async () => sandbox.credentials, description: 'the test sandbox' };

/** A detractor surveyed, answering 2: the case id and the Reply-To of their acknowledgement. */
async function acknowledgedDetractor(run: string) {
  const customer = { id: `in-${run}`, email: `in-${run}@example.com`, name: 'Mari', locale: 'en', tier: 'silver' };
  await putEvent('shop.orders', 'OrderDelivered', {
    eventId: `inbound-${run}`,
    occurredAt: new Date().toISOString(),
    customer,
    context: { orderId: `o-${run}` },
  });
  const [survey] = await waitForEmails(customer.email);
  const link = /^2: (\S+)$/m.exec(survey!.body.text ?? '')![1]!;
  expect((await answer(link, { score: '2', comment: 'The parcel was late.' })).status).toBe(200);
  const [opened] = await collectMessages(sandbox.followUpQueues['customer-success']!, mentioning(customer.id));
  const caseId = (JSON.parse(opened!.Body!) as { caseId: string }).caseId;
  const [, acknowledgement] = await waitForEmails(customer.email, 2);
  const mail = await mimeOf(acknowledgement!.messageId);
  const replyTo = mail.replyTo?.value[0]?.address ?? '';
  return { customer, caseId, replyTo, subject: mail.subject ?? '', messageId: mail.messageId ?? '' };
}

/** Sends as the customer's client does and waits until the inbound stage has taken the message (the stored raw message deleted). */
async function sendAndWait(message: SendMailOptions): Promise<void> {
  const info = await client.sendMail(message);
  // The server answers "250 Ok <SES-like message id>": the key of the stored message.
  const id = /Ok ([0-9a-f]+)/.exec(info.response)?.[1];
  expect(id, info.response).toBeDefined();
  for (const until = Date.now() + 30_000; Date.now() < until; await sleep(100)) {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: SANDBOX_INBOUND_BUCKET, Key: `${inboundMail.prefix}${id}` }));
    } catch (error) {
      if (error instanceof NotFound || (error as Error).name === 'NotFound') return;
      throw error;
    }
  }
  throw new Error(`the inbound stage did not take message ${id} within 30 s`);
}

const caseOf = async (caseId: string) =>
  (await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.case(caseId), ConsistentRead: true })))
    .Item as unknown as FollowUpCaseRecord;
const repliesOf = async (caseId: string) => (await caseOf(caseId)).history.filter((change) => change.action === 'customer-replied');

describe('a customer answers the email about their case (sandbox, SMTP, nodemailer)', () => {
  it('their words land in the case once, without the quoted email, even when the same message comes twice', async () => {
    const run = randomUUID().slice(0, 8);
    const { customer, caseId, replyTo, subject, messageId } = await acknowledgedDetractor(run);
    expect(replyTo).toMatch(new RegExp(`^reply\\+[a-z2-7]{53}@${sandbox.inboundDomain.replace(/\./g, '\\.')}$`));
    const reply: SendMailOptions = {
      from: `Mari <${customer.email}>`,
      to: replyTo,
      subject: `Re: ${subject}`,
      inReplyTo: messageId,
      references: [messageId],
      messageId: `<reply-${run}@mail.example.com>`,
      text: `It came this morning, thank you. The box was dented though.\n\nOn Mon, 7 Dec 2026 at 10:00, Closeloop Demo Shop <${sandbox.senderEmail}> wrote:\n> Hello Mari,\n> We have read your feedback.\n`,
    };
    await sendAndWait(reply);
    expect(await repliesOf(caseId)).toEqual([
      expect.objectContaining({
        actor: 'customer',
        action: 'customer-replied',
        from: customer.email,
        text: 'It came this morning, thank you. The box was dented though.',
      }),
    ]);
    // The customer's client sends it again (a retry after a timeout): the same Message-ID is not recorded twice.
    await sendAndWait(reply);
    expect(await repliesOf(caseId)).toHaveLength(1);
    // FollowUpCustomerReplied on the bus (the demo catalog publishes it), ids only: never the text or the sender.
    const announced = await waitForBusEvent('FollowUpCustomerReplied', (detail) => detail.caseId === caseId);
    expect(announced?.detail).toMatchObject({ caseId, customerId: customer.id, status: 'open' });
    expect(JSON.stringify(announced?.detail)).not.toMatch(/dented|@example\.com/);
    // The case API shows it to the team.
    const shown = (await callCaseApi(caseApi, 'GET', `/cases/${caseId}`)) as { history: { action: string; text?: string }[] };
    expect(shown.history.at(-1)).toMatchObject({ action: 'customer-replied', text: 'It came this morning, thank you. The box was dented though.' });
  });

  it('an auto-reply and a bounce change nothing; a reply after the customer was erased is dropped', async () => {
    const run = randomUUID().slice(0, 8);
    const { customer, caseId, replyTo } = await acknowledgedDetractor(run);
    const before = (await caseOf(caseId)).history.length;
    await sendAndWait({
      from: customer.email,
      to: replyTo,
      subject: 'Automatic reply: out of office',
      headers: { 'Auto-Submitted': 'auto-replied' },
      text: 'I am out of the office until Monday.',
    });
    await sendAndWait({
      envelope: { from: '', to: replyTo },
      from: 'MAILER-DAEMON@mx.example.net',
      to: replyTo,
      subject: 'Undelivered Mail Returned to Sender',
      text: 'Your message could not be delivered.',
    });
    expect((await caseOf(caseId)).history).toHaveLength(before);

    // A real reply, then the customer is erased: the reply's sender and words go with them; a later reply is dropped.
    await sendAndWait({ from: customer.email, to: replyTo, subject: 'Re: hello', text: 'My flat is 4B, ring twice.' });
    expect((await repliesOf(caseId)).map((change) => change.text)).toEqual(['My flat is 4B, ring twice.']);
    await callCaseApi(caseApi, 'POST', '/erasures', { email: customer.email });
    await sendAndWait({ from: customer.email, to: replyTo, subject: 'Re: one more thing', text: 'Please call me on 555 0100.' });
    const erased = await caseOf(caseId);
    expect(erased.erasedAt).toBeDefined();
    expect(await repliesOf(caseId)).toEqual([expect.not.objectContaining({ text: expect.anything() })]);
    expect(JSON.stringify(erased)).not.toMatch(/555 0100|flat is 4B|in-[0-9a-f]{8}@example\.com/);
    // Nor is any raw message of theirs left in the bucket (each was deleted once read).
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: SANDBOX_INBOUND_BUCKET, Prefix: inboundMail.prefix }));
    for (const object of Contents) {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: SANDBOX_INBOUND_BUCKET, Key: object.Key }));
      expect(await Body?.transformToString()).not.toContain(customer.email);
    }
  });

  it("pauseWhileWaitingForCustomer: after the team's reply the case waits (no escalation deadline), and the customer's answer resumes it with its deadlines moved on", async () => {
    const run = randomUUID().slice(0, 8);
    const { customer, caseId, replyTo } = await acknowledgedDetractor(run);
    const before = await caseOf(caseId);
    expect(before.pauseWhileWaiting).toBe(true); // the demo's detractor rule, with the sandbox's inbound mail
    const agent = sandbox.agents.find((candidate) => candidate.team === 'customer-success')!;
    const signedIn = await signIn(
      { issuer: sandbox.endpoints.oidc, clientId: sandbox.workspaceClientId, redirectUri: `${sandbox.publicBaseUrl}/inbox` },
      agent,
    );
    if (!('idToken' in signedIn)) throw new Error(`the agent was refused: ${signedIn.refused}`);
    const replied = await fetch(`${sandbox.endpoints.publicApi}/api/cases/${caseId}/reply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signedIn.idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ expectedVersion: before.history.length, reply: 'Could you send us a photo of the box?' }),
    });
    expect(replied.status).toBe(200);
    // The agent takes the case: as an address, they are told when the customer answers.
    const assigned = await fetch(`${sandbox.endpoints.publicApi}/api/cases/${caseId}/assign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signedIn.idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ expectedVersion: before.history.length + 1, assignee: agent.email }),
    });
    expect(assigned.status).toBe(200);
    const waiting = (await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.case(caseId), ConsistentRead: true }))).Item!;
    expect(waiting.waiting).toMatchObject({ since: expect.any(String), nextDeadline: before.nextDeadline });
    // Out of the escalation index: no deadline attributes while it waits.
    expect(waiting.slaDueAt).toBeUndefined();
    expect(waiting.nextDeadline).toBeUndefined();
    await sleep(1500);
    await sendAndWait({ from: customer.email, to: replyTo, subject: 'Re: your feedback', text: 'Here it is, the corner is crushed.' });
    const resumed = await caseOf(caseId);
    expect(resumed.waiting).toBeUndefined();
    const waited = Date.parse(resumed.message.dueAt) - Date.parse(before.message.dueAt);
    expect(waited).toBeGreaterThanOrEqual(1500);
    expect(resumed.nextDeadline).toBe((before.nextDeadline as number) + waited);
    const item = (await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.case(caseId), ConsistentRead: true }))).Item!;
    expect(item.slaDueAt).toBe(resumed.nextDeadline);
    expect(item.inboxDue).toBe(Date.parse(resumed.message.dueAt));
    // The assignee's email: the customer's words and the case page's link, from Closeloop's sender.
    const [told] = await waitForEmails(agent.email, 1, 20_000);
    const mail = await mimeOf(told!.messageId);
    expect(mail.subject).toMatch(new RegExp(`^Customer replied on case ${caseId.slice(0, 8)}`));
    expect(mail.text).toContain('Here it is, the corner is crushed.');
    expect(mail.text).toContain(`${sandbox.publicBaseUrl}/inbox/${caseId}`);
  });

  it('refuses mail for any other domain at the SMTP level, as the receipt rule matches only the inbound domain', async () => {
    await expect(client.sendMail({ from: 'someone@example.com', to: 'someone@elsewhere.example', subject: 'hi', text: 'hi' })).rejects.toThrow(/550/);
  });
});
