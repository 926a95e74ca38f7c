/**
 * The sandbox's endpoints refuse what another web page sends them (cross-site request forgery):
 * any page open in the developer's browser could otherwise post to 127.0.0.1 — a "simple" POST
 * (text/plain or a form) needs no CORS preflight. Each endpoint gets such a request with a body
 * it would act on, and answers 403; nothing is queued, scheduled or put on the bus. The HTTP API is
 * not among them: it stands for API Gateway (the scanner tests cover what a forged POST gets there).
 */
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { bufferQueue } from '../../functions/config/resources.js';
import { busEvents, collectMessages, dynamodb, sandbox } from './sandbox-clients.js';

const marker = `csrf-${Date.now()}`;
const bufferUrl = sandbox.queues[bufferQueue.name]!.url;
const scheduleBody = JSON.stringify({
  ScheduleExpression: 'at(2026-12-07T00:00:00)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: sandbox.queues[bufferQueue.name]!.arn, RoleArn: 'arn:aws:iam::000000000000:role/x', Input: JSON.stringify({ marker }) },
});
const putEventsBody = JSON.stringify({
  Entries: [{ EventBusName: sandbox.busName, Source: 'shop.orders', DetailType: 'OrderDelivered', Detail: JSON.stringify({ eventId: marker }) }],
});

/** What a page at another origin can send without a preflight: a text/plain POST or a form POST. */
const forged: readonly { name: string; headers: Record<string, string> }[] = [
  { name: 'a text/plain POST from another site', headers: { 'content-type': 'text/plain', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } },
  { name: 'a form POST from a sandboxed frame (Origin: null)', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' } },
  { name: 'a POST from another port of 127.0.0.1', headers: { 'content-type': 'text/plain', origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' } },
];

const targets = [
  { endpoint: 'scheduler', path: `/schedules/${marker}`, body: scheduleBody },
  { endpoint: 'eventbridge', path: '/', body: putEventsBody },
  { endpoint: 'sqs', path: '/', body: `Action=SendMessage&QueueUrl=${encodeURIComponent(bufferUrl)}&MessageBody=${marker}` },
  { endpoint: 'dynamodb', path: '/', body: JSON.stringify({ TableName: sandbox.tables.surveys, Item: { pk: { S: marker }, sk: { S: marker } } }) },
  { endpoint: 'secretsmanager', path: '/', body: JSON.stringify({ SecretId: 'closeloop/page-signing-key' }) },
  {
    endpoint: 'sesv2',
    path: '/v2/email/outbound-emails',
    body: JSON.stringify({ FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] } }),
  },
] as const;

describe('the sandbox refuses requests forged by other web pages', () => {
  it.each(targets.flatMap((target) => forged.map((request) => [`${target.endpoint}: ${request.name}`, target, request] as const)))(
    '%s → 403',
    async (_, target, request) => {
      const response = await fetch(`${sandbox.endpoints[target.endpoint]}${target.path}`, { method: 'POST', headers: request.headers, body: target.body });
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/cross-site request forgery/);
    },
  );

  it('queued, scheduled and put nothing of what it refused; its own clients are unaffected', async () => {
    const scheduler = new SchedulerClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.scheduler });
    const { Schedules = [] } = await scheduler.send(new ListSchedulesCommand({}));
    expect(Schedules.map((s) => s.Name)).not.toContain(marker);
    expect(JSON.stringify(await busEvents())).not.toContain(marker);
    // Nothing of the forged SendMessage on the buffer queue, nothing of the forged PutItem in the table.
    expect(await collectMessages(bufferUrl, (message) => (message.Body ?? '').includes(marker), { atLeast: 0, settleMs: 300 })).toEqual([]);
    const { Item } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: { pk: marker, sk: marker } }));
    expect(Item).toBeUndefined();
  });

  it("answers a same-origin page's POST as before (the Origin is the server's own)", async () => {
    const own = sandbox.endpoints.eventbridge;
    const response = await fetch(own, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents', origin: own, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ Entries: [] }),
    });
    expect(response.status).not.toBe(403);
  });
});
