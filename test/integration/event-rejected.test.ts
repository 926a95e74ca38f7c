/**
 * A producer learns of its rejected event: the contract violation goes to the dead-letter queue and
 * out on the bus as EventRejected, which reaches a subscriber (the sandbox's integration-events
 * queue, the counterpart of a rule with an SQS target in AWS) with no personal data in it.
 */

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { dispatchFailureQueue } from '../../functions/config/resources.js';
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
    const [kept] = await collectMessages(sandbox.queues[dispatchFailureQueue.name]!.url, (m) => (m.Body ?? '').includes(eventId), { settleMs: 0 });
    expect(kept?.MessageAttributes?.reason?.StringValue).toBe(event.detail.reason);
  });
});

describe('closeloop events put (shared sandbox)', () => {
  it('puts the entries on the running sandbox, saying so first; --skip-validation lets a bad one through to EventRejected', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'closeloop-events-put-'));
    mkdirSync(path.join(cwd, '.sandbox'));
    writeFileSync(path.join(cwd, '.sandbox', 'sandbox.json'), JSON.stringify(sandbox));
    const run = randomUUID().slice(0, 8);
    const detail = { eventId: `put-${run}`, occurredAt: 'not a date', customer: { id: `c-${run}`, email: `put-${run}@example.com` } };
    writeFileSync(path.join(cwd, 'entries.json'), JSON.stringify([{ Source: 'shop.orders', DetailType: 'OrderDelivered', Detail: JSON.stringify(detail) }]));
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, [path.resolve('dist/cli/closeloop.mjs'), ...args], { cwd, env: { PATH: process.env.PATH, HOME: cwd } }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );

    const refused = await cli(['events', 'put', 'entries.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('detail.occurredAt');

    const put = await cli(['events', 'put', 'entries.json', '--skip-validation']);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stderr).toBe(`target: sandbox bus ${sandbox.busName} at ${sandbox.endpoints.eventbridge}\n`);
    expect(put.stdout).toMatch(new RegExp(`^entry 1 shop.orders/OrderDelivered \\(eventId put-${run}\\): put, EventId \\S+\\n$`));
    const [announced] = await collectMessages(sandbox.queues[SANDBOX_INTEGRATION_EVENTS_QUEUE]!.url, (m) => (m.Body ?? '').includes(`put-${run}`), {
      settleMs: 0,
    });
    expect(JSON.parse(announced!.Body!).detail).toMatchObject({ eventId: `put-${run}`, reason: expect.stringContaining('detail.occurredAt') });
  });
});
