import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { keys } from '../../functions/adapters/dynamo-invitation-repository.js';
import { deliverabilityFailureQueue, feedbackQueue } from '../../functions/config/resources.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { collectMessages, dynamodb, putEvent, sandbox, sleep, sqs, waitForBusEvent, waitForEmails, waitUntilDrained } from './sandbox-clients.js';

const PROGRAM = 'order-delivered-nps';
const aggregates = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);
const today = () => new Date().toISOString().slice(0, 10);
const counters = async () => aggregates.totals(PROGRAM, 'all', today(), today());
const unique = () => randomUUID().slice(0, 8);

const deliver = (run: string, email: string) =>
  putEvent('shop.orders', 'OrderDelivered', {
    eventId: `fb-${run}`,
    occurredAt: new Date().toISOString(),
    customer: { id: `c-${run}`, email, locale: 'en' },
    context: { orderId: run },
  });

async function suppressionOf(email: string, timeoutMs = 30_000): Promise<Record<string, unknown> | undefined> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(200)) {
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.suppression(contactKeyOf(email)), ConsistentRead: true }),
    );
    if (Item) return Item;
  }
  return undefined;
}

async function untilCounted(name: string, expected: number, timeoutMs = 30_000): Promise<number> {
  let value = 0;
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(200)) {
    value = (await counters())[name] ?? 0;
    if (value >= expected) break;
  }
  return value;
}

/** An SES bounce event as EventBridge delivers it to the feedback queue. */
const bounceEvent = (email: string, feedbackId: string) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Email Bounced',
  source: 'aws.ses',
  account: '000000000000',
  time: new Date().toISOString(),
  region: sandbox.region,
  resources: [],
  detail: {
    eventType: 'Bounce',
    mail: {
      messageId: randomUUID(),
      timestamp: new Date().toISOString(),
      destination: [email],
      tags: { program: [PROGRAM], 'ses:configuration-set': ['closeloop-sandbox'] },
    },
    bounce: {
      feedbackId,
      timestamp: new Date().toISOString(),
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: email }],
    },
  },
});

// The tests of this file are the only ones that make SES feedback: counters move by their events alone.
describe('deliverability feedback through the SES mailbox simulator (sandbox)', () => {
  it('suppresses a hard-bounced address at once, counts the bounce for its program, and sends it nothing more', async () => {
    const run = unique();
    const address = `bounce+${run}@simulator.amazonses.com`;
    const before = (await counters()).bouncedHard ?? 0;

    await deliver(run, address);
    await waitForEmails(address);
    const suppression = await suppressionOf(address);

    expect(suppression).toMatchObject({ type: 'suppression', reason: 'bounced' });
    expect(await untilCounted('bouncedHard', before + 1)).toBe(before + 1);
    await putEvent('support.tickets', 'TicketResolved', {
      eventId: `t-${run}`,
      occurredAt: new Date().toISOString(),
      customer: { id: `c2-${run}`, email: address },
    });
    const skipped = await waitForBusEvent('SurveySkipped', (detail) => detail.eventId === `t-${run}`);
    expect(skipped?.detail).toMatchObject({ reason: 'suppressed' });
    expect(await waitForEmails(address, 2, 1500)).toHaveLength(1);
  });

  it('suppresses a complaining address and counts the complaint', async () => {
    const run = unique();
    const address = `complaint+${run}@simulator.amazonses.com`;
    const before = (await counters()).complained ?? 0;

    await deliver(run, address);

    expect(await suppressionOf(address)).toMatchObject({ reason: 'complained' });
    expect(await untilCounted('complained', before + 1)).toBe(before + 1);
  });

  it('takes a bounce storm with re-delivered notifications: every address suppressed, each notification counted once, nothing dead-lettered', async () => {
    const run = unique();
    const before = (await counters()).bouncedHard ?? 0;
    const addresses = Array.from({ length: 40 }, (_, i) => `storm-${run}-${i}@example.com`);
    const notifications = addresses.map((address, i) => bounceEvent(address, `storm-${run}-${i}`));
    const queueUrl = sandbox.queues[feedbackQueue.name]!.url;

    // Every notification twice (EventBridge and SQS deliver at least once), all at the same moment.
    await Promise.all(
      [...notifications, ...notifications].map((event) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }))),
    );
    await waitUntilDrained(queueUrl);

    const reasons = await Promise.all(addresses.map(async (address) => (await suppressionOf(address, 5000))?.reason));
    expect(reasons).toEqual(addresses.map(() => 'bounced'));
    expect(await untilCounted('bouncedHard', before + 40)).toBe(before + 40);
    const deadLettered = await collectMessages(sandbox.queues[deliverabilityFailureQueue.name]!.url, (m) => (m.Body ?? '').includes(`storm-${run}`), {
      atLeast: 0,
      settleMs: 1500,
    });
    expect(deadLettered).toHaveLength(0);
  });

  it('sets a message that is not a bounce or complaint aside in its dead-letter queue with the reason, alone', async () => {
    const run = unique();
    const queueUrl = sandbox.queues[feedbackQueue.name]!.url;
    const good = `after-poison-${run}@example.com`;

    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ poison: run, detail: { eventType: 'Bounce' } }) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(bounceEvent(good, `good-${run}`)) }));

    const [poison, ...more] = await collectMessages(sandbox.queues[deliverabilityFailureQueue.name]!.url, (m) => (m.Body ?? '').includes(run), { atLeast: 1 });
    expect(more).toHaveLength(0);
    expect(poison?.MessageAttributes?.reason?.StringValue).toMatch(/^not an SES bounce or complaint event: detail\.mail/);
    expect(poison?.MessageAttributes?.stage?.StringValue).toBe('deliverability');
    expect(await suppressionOf(good)).toMatchObject({ reason: 'bounced' });
  });
});
