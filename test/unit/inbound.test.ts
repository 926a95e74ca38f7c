import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '../../functions/domain/follow-up-case.js';
import type { IntegrationEvent } from '../../functions/domain/integration-events.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { ReplyTokens } from '../../functions/domain/reply-token.js';
import { type InboundMailDeps, messageIdHash, REPLY_WINDOW_DAYS, receiveMail } from '../../functions/inbound/inbound.js';
import type { RawMailStore } from '../../functions/ports.js';
import { detractorCase } from '../fixtures/cases.js';
import { InMemoryCases } from '../fixtures/in-memory-cases.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/mail');
const DOMAIN = 'inbound.example.com';
const tokens = new ReplyTokens('unit-reply-secret');
const now = new Date('2026-12-07T10:00:00Z');

/** The bucket in memory: what the receipt rule's S3 action stored, and what was deleted. */
class MemoryMail implements RawMailStore {
  readonly objects = new Map<string, Uint8Array>();
  failReads = 0;
  async read(key: string, maxBytes: number) {
    if (this.failReads-- > 0) throw new Error('S3 is unavailable');
    const bytes = this.objects.get(key);
    if (!bytes) throw new Error(`NoSuchKey: ${key}`);
    return { bytes: bytes.subarray(0, maxBytes), size: bytes.length };
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
}

describe('a customer writes back to an email about their case', () => {
  let cases: InMemoryCases;
  let mail: MemoryMail;
  let deps: InboundMailDeps;
  let published: IntegrationEvent[];
  const record = detractorCase(new Date('2026-12-06T18:00:00Z'), 'inbound-unit');
  const caseId = record.message.caseId;
  const to = tokens.addressFor(caseId, DOMAIN);
  /** The Gmail fixture, sent to the case's reply address, stored under `key`. */
  const store = (key: string, name = 'gmail.eml') => mail.objects.set(key, new Uint8Array(readFileSync(path.join(FIXTURES, name))));
  const received = (messageId: string, recipients = [to]) => ({ messageId, source: 'mari.tamm@gmail.com', recipients });

  beforeEach(() => {
    cases = new InMemoryCases();
    cases.records.set(caseId, record);
    mail = new MemoryMail();
    published = [];
    deps = {
      mail,
      cases,
      tokens,
      domain: DOMAIN,
      senderEmail: 'feedback@example.com',
      events: { publish: async (events) => void published.push(...events) },
      now: () => now,
    };
  });

  it('their words join the history once (customer-replied, from, text, hashed Message-ID), and the raw message is deleted', async () => {
    store('inbound/m1');
    expect(await receiveMail(received('m1'), 'inbound/m1', deps)).toEqual({ status: 'recorded', caseId });
    const entry = cases.records.get(caseId)?.history.at(-1);
    expect(entry).toEqual({
      at: now.toISOString(),
      actor: 'customer',
      action: 'customer-replied',
      from: 'mari.tamm@gmail.com',
      text: 'Thank you, the parcel came this morning. The box was dented though.',
      messageId: messageIdHash('CAF3k9Qx7bN2vYq1+gmail-reply-0001@mail.gmail.com'),
    });
    expect(mail.objects.size).toBe(0);
    // FollowUpCustomerReplied: ids only, never the text or the sender.
    expect(published).toEqual([
      {
        detailType: 'FollowUpCustomerReplied',
        detail: expect.objectContaining({ version: 1, caseId, status: 'open', messageId: entry?.messageId, repliedAt: now.toISOString() }),
      },
    ]);
    expect(JSON.stringify(published)).not.toMatch(/mari|parcel/i);
    // The same message again (SES delivered it twice, or the client re-sent it under another SES id): not recorded again,
    // announced again (at least once: the same messageId tells the repeat apart).
    store('inbound/m2');
    expect(await receiveMail(received('m2'), 'inbound/m2', deps)).toEqual({ status: 'duplicate', caseId });
    expect(cases.records.get(caseId)?.history.filter((change) => change.action === 'customer-replied')).toHaveLength(1);
    expect(mail.objects.size).toBe(0);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
  });

  it('a case that changed between its read and the write is read again: the reply is recorded after the change', async () => {
    store('inbound/m1');
    const update = cases.update.bind(cases);
    let raced = false;
    cases.update = async (before, after) => {
      if (!raced) {
        raced = true;
        cases.records.set(caseId, {
          ...before,
          history: [...before.history, { at: now.toISOString(), actor: 'agent@example.com', action: 'noted', note: 'meanwhile' }],
        });
      }
      return update(before, after);
    };
    expect(await receiveMail(received('m1'), 'inbound/m1', deps)).toMatchObject({ status: 'recorded' });
    expect(cases.records.get(caseId)?.history.map((change) => change.action)).toEqual(['opened', 'noted', 'customer-replied']);
  });

  it('no case to go to: an address that is not ours, an unknown case, an erased one, one closed more than 30 days ago — dropped, raw deleted', async () => {
    store('inbound/a');
    expect(await receiveMail(received('a', [`reply+${'a'.repeat(53)}@${DOMAIN}`, 'someone@example.com']), 'inbound/a', deps)).toEqual({
      status: 'dropped',
      reason: 'unknown-token',
    });
    store('inbound/b');
    const other = detractorCase(now, 'never-opened').message.caseId;
    expect(await receiveMail(received('b', [tokens.addressFor(other, DOMAIN)]), 'inbound/b', deps)).toEqual({ status: 'dropped', reason: 'unknown-case' });
    store('inbound/c');
    cases.records.set(caseId, { ...record, erasedAt: now.toISOString() });
    expect(await receiveMail(received('c'), 'inbound/c', deps)).toEqual({ status: 'dropped', reason: 'erased' });
    store('inbound/d');
    const closedAt = new Date(now.getTime() - (REPLY_WINDOW_DAYS + 1) * 86_400_000);
    cases.records.set(caseId, resolve(record, 'agent', closedAt, 'delivery-delay'));
    expect(await receiveMail(received('d'), 'inbound/d', deps)).toEqual({ status: 'dropped', reason: 'closed' });
    // Within the window, a resolved case still takes the reply.
    store('inbound/e');
    cases.records.set(caseId, resolve(record, 'agent', new Date(now.getTime() - 86_400_000), 'delivery-delay'));
    expect(await receiveMail(received('e'), 'inbound/e', deps)).toMatchObject({ status: 'recorded' });
    expect(mail.objects.size).toBe(0);
  });

  it('auto-replies and bounces change nothing and are deleted', async () => {
    store('inbound/auto', 'auto-reply.eml');
    store('inbound/bounce', 'bounce.eml');
    expect(await receiveMail(received('auto'), 'inbound/auto', deps)).toEqual({ status: 'ignored', reason: 'auto-reply' });
    expect(await receiveMail(received('bounce'), 'inbound/bounce', deps)).toEqual({ status: 'ignored', reason: 'bounce' });
    expect(cases.records.get(caseId)).toBe(record);
    expect(mail.objects.size).toBe(0);
  });

  it('the address is read case-insensitively (a mail system that upper-cases the local part)', async () => {
    store('inbound/m1');
    expect(await receiveMail(received('m1', [to.toUpperCase()]), 'inbound/m1', deps)).toMatchObject({ status: 'recorded' });
  });

  it('a failed put of the event throws before the raw message goes: the retry finds the reply recorded and announces it', async () => {
    store('inbound/m1');
    const publish = deps.events.publish;
    let failures = 1;
    deps = { ...deps, events: { publish: async (events) => (failures-- > 0 ? Promise.reject(new Error('EventBridge is unavailable')) : publish(events)) } };
    await expect(receiveMail(received('m1'), 'inbound/m1', deps)).rejects.toThrow(/EventBridge/);
    expect(mail.objects.has('inbound/m1')).toBe(true);
    expect(await receiveMail(received('m1'), 'inbound/m1', deps)).toEqual({ status: 'duplicate', caseId });
    expect(published.map((event) => event.detailType)).toEqual(['FollowUpCustomerReplied']);
    expect(mail.objects.size).toBe(0);
  });

  it("an assignee who is an address gets an outbox item with the reply, in the reply's transaction, once; a name gets none", async () => {
    cases.records.set(caseId, { ...record, assignee: 'lead@shop.example' });
    store('inbound/m1');
    expect(await receiveMail(received('m1'), 'inbound/m1', deps)).toEqual({ status: 'recorded', caseId, assigneeTold: true });
    const items = [...cases.outbox.values()];
    expect(items).toEqual([
      expect.objectContaining({
        kind: 'assignee',
        caseId,
        to: { email: 'lead@shop.example' },
        contactKey: contactKeyOf('lead@shop.example'),
        reply: 'Thank you, the parcel came this morning. The box was dented though.',
        customerFrom: 'mari.tamm@gmail.com',
      }),
    ]);
    // The same message again: recorded once, one item.
    store('inbound/m2');
    expect(await receiveMail(received('m2'), 'inbound/m2', deps)).toEqual({ status: 'duplicate', caseId });
    expect(cases.outbox.size).toBe(1);
    // Another reply: its own item (one per reply).
    store('inbound/m3', 'outlook.eml');
    expect(await receiveMail(received('m3'), 'inbound/m3', deps)).toMatchObject({ status: 'recorded', assigneeTold: true });
    expect(cases.outbox.size).toBe(2);
    // An assignee that is a name (or a team) gets no email.
    cases.records.set(caseId, { ...record, assignee: 'Team Tallinn' });
    store('inbound/m4', 'apple.eml');
    expect(await receiveMail(received('m4'), 'inbound/m4', deps)).toEqual({ status: 'recorded', caseId });
    expect(cases.outbox.size).toBe(2);
  });

  it('a storage or table failure throws and keeps the raw message, so the retry finds it', async () => {
    store('inbound/m1');
    mail.failReads = 1;
    await expect(receiveMail(received('m1'), 'inbound/m1', deps)).rejects.toThrow(/unavailable/);
    expect(mail.objects.has('inbound/m1')).toBe(true);
    cases.get = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await expect(receiveMail(received('m1'), 'inbound/m1', deps)).rejects.toThrow(/Throughput/);
    expect(mail.objects.has('inbound/m1')).toBe(true);
  });
});
