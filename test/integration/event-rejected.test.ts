/**
 * A producer learns of its rejected event: the contract violation goes to the dead-letter queue and
 * out on the bus as EventRejected, which reaches a subscriber (the sandbox's integration-events
 * queue, the counterpart of a rule with an SQS target in AWS) with no personal data in it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deadLetterQueue } from '../../functions/config/resources.js';
import { SANDBOX_INTEGRATION_EVENTS_QUEUE } from '../../sandbox/resources.js';
import { collectMessages, putEvent, sandbox } from './sandbox-clients.js';

const ajv = new Ajv2020({ strict: true });
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync('schema/integration-events/EventRejected.schema.json', 'utf8')));

describe('EventRejected (shared sandbox)', () => {
  it('reaches a subscriber of the bus with the source, detail-type, eventId and reason, and nothing of the customer', async () => {
    const run = randomUUID().slice(0, 8);
    const eventId = `rejected-${run}`;
    const email = `private-${run}@example.com`;

    await putEvent('shop.orders', 'OrderDelivered', {
      eventId,
      occurredAt: email,
      customer: { id: `c-${run}`, email: `${email}@`, name: `Secret Name ${run}` },
    });

    const subscriber = sandbox.queues[SANDBOX_INTEGRATION_EVENTS_QUEUE]!.url;
    const [announced] = await collectMessages(subscriber, (m) => (m.Body ?? '').includes(eventId), { settleMs: 500 });
    expect(announced, 'EventRejected did not reach the subscriber queue').toBeDefined();
    const event = JSON.parse(announced!.Body!);
    expect(event).toMatchObject({
      source: 'closeloop',
      'detail-type': 'EventRejected',
      detail: {
        version: 1,
        source: 'shop.orders',
        detailType: 'OrderDelivered',
        eventId,
        reason: expect.stringMatching(/^event contract v1: .*detail\.occurredAt.*detail\.customer\.email/),
      },
    });
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    for (const personal of [email, `c-${run}`, 'Secret Name']) expect(announced!.Body).not.toContain(personal);

    // The event itself waits on the dead-letter queue, unchanged, with the same reason.
    const [kept] = await collectMessages(sandbox.queues[deadLetterQueue.name]!.url, (m) => (m.Body ?? '').includes(eventId), { settleMs: 0 });
    expect(kept?.MessageAttributes?.reason?.StringValue).toBe(event.detail.reason);
  });
});
