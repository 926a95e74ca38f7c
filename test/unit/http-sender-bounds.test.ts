/**
 * A receiver's answer is read as it streams and no further than a bound (issue 25): 64 KB for webhook
 * and Slack answers, 1 MB for a helpdesk's API answers. A receiver that answers without end costs the
 * bound, not memory: the connection is closed once it is reached.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWebhookSender, MAX_ANSWER_BYTES } from '../../functions/adapters/http-webhook-sender.js';

let server: http.Server;
let url: string;
let closedEarly: Promise<boolean>;

beforeAll(async () => {
  let reportClosed: (closed: boolean) => void = () => undefined;
  closedEarly = new Promise((resolve) => {
    reportClosed = resolve;
  });
  server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' });
    // An answer without end: 64 KiB chunks until the client goes away.
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const more = () => {
      while (!response.destroyed && sent < 512 * 1024 * 1024) {
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', more);
      }
    };
    response.on('close', () => reportClosed(sent < 512 * 1024 * 1024));
    more();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('answers are read up to a bound', () => {
  it('a webhook answer: the status, and no more than 64 KB read; the endless answer is cut off', async () => {
    const result = await new HttpWebhookSender(10_000).post(url, {}, '{}');
    expect(result).toMatchObject({ status: 200 });
    expect(await closedEarly).toBe(true);
  });

  it('a helpdesk API answer: at most 1 MB of it', async () => {
    const answer = await new HttpWebhookSender(10_000).request('GET', url, {});
    expect('body' in answer && answer.body.length).toBe(MAX_ANSWER_BYTES.api);
  });
});
