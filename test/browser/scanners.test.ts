/// <reference lib="dom" />

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo-invitation-repository.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { hashToken } from '../../functions/domain/tokens.js';
import { dynamodb, pageStamp, putEvent, sandbox, sleep, waitForEmails } from '../integration/sandbox-clients.js';
import { DESKTOP_CHROME, launchChromium } from './chromium.js';

/**
 * Every kind of scanner the security review replayed (issue 13), against the real pages in the
 * sandbox, and a person on every path. Scanners keep Chromium's headless defaults
 * (`navigator.webdriver`, "HeadlessChrome") unless a test says it hides them; people browse with a
 * desktop Chrome whose automation is hidden, and wait, move and type as people do.
 */
let person: Browser;
let scanner: Browser;

beforeAll(async () => {
  [person, scanner] = await Promise.all([launchChromium({ as: 'person' }), launchChromium({ as: 'scanner' })]);
});
afterAll(async () => {
  await Promise.all([person?.close(), scanner?.close()]);
});

const HEADINGS = {
  confirmAnswer: 'Please confirm your answer',
  thanks: 'Thank you!',
  unsubscribeConfirm: 'Please confirm that you want to unsubscribe',
};

/** A delivered order through the pipeline; returns the rating links, the unsubscribe link and the address. */
async function survey() {
  const run = randomUUID().slice(0, 8);
  const email = `scan-${run}@example.com`;
  await putEvent('shop.orders', 'OrderDelivered', {
    eventId: `scan-${run}`,
    occurredAt: new Date().toISOString(),
    customer: { id: `c-${run}`, email, name: 'Ana', locale: 'en', tier: 'silver' },
    context: { orderId: run },
  });
  const [stored] = await waitForEmails(email);
  const text = stored!.body.text ?? '';
  const links = [...text.matchAll(/^\d+: (\S+)$/gm)].map((m) => m[1] as string);
  const unsubscribe = /Unsubscribe: (\S+\/u\/\S+)$/m.exec(text)![1]!;
  return { links, token: new URL(links[0]!).pathname.split('/').pop()!, unsubscribe, email };
}

async function stored(token: string) {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.invitation(hashToken(token)), ConsistentRead: true }));
  return Item;
}

async function suppressed(email: string) {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.suppression(contactKeyOf(email)), ConsistentRead: true }));
  return Item;
}

/** Submits the page's form by script, as scanners that "click through" do. */
async function submitByScript(page: Page, options: { markInteraction?: boolean } = {}) {
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate((mark) => {
      const form = document.querySelector('form') as HTMLFormElement;
      if (mark) (form.querySelector('input[name=h]') as HTMLInputElement).value = '1';
      form.submit();
    }, options.markInteraction ?? false),
  ]);
}

/**
 * What a person does before pressing a button that submits the form: reads a moment, moves the
 * pointer there, presses; then the page the form leads to has loaded (the rating page's own h1, the
 * brand, is no longer the one read after it).
 */
async function likeAPerson(page: Page, selector: string) {
  await sleep(900);
  const box = (await page.locator(selector).boundingBox())!;
  await page.mouse.move(box.x - 40, box.y - 30);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 });
  await sleep(200);
  const loaded = page.waitForEvent('load');
  await page.mouse.down();
  await page.mouse.up();
  await loaded;
}

/** A POST with a body and headers of the caller's choosing (node:http: nothing added). */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const heading = (html: string) => /<h1>([^<]*)<\/h1>/.exec(html)?.[1];
const stampIn = (html: string) => /<input type="hidden" name="t" value="([^"]+)">/.exec(html)?.[1];

async function withPage<T>(browser: Browser, options: Parameters<Browser['newContext']>[0], work: (page: Page) => Promise<T>): Promise<T> {
  const context: BrowserContext = await browser.newContext(options);
  try {
    return await work(await context.newPage());
  } finally {
    await context.close();
  }
}

describe('scanners on the rating page record nothing', () => {
  it('headless Chromium that clicks Send (trusted clicks), then clicks the confirmation too', async () => {
    const { links, token } = await survey();

    await withPage(scanner, {}, async (page) => {
      await page.goto(links[0]!);
      expect(await page.evaluate(() => navigator.userAgent)).toContain('HeadlessChrome');
      await sleep(700);
      await page.click('button[type=submit]');
      expect(await page.textContent('h1')).toBe(HEADINGS.confirmAnswer);
      await sleep(1500);
      await page.click('button[type=submit]');
      expect(await page.textContent('h1')).toBe(HEADINGS.confirmAnswer);
    });

    expect(await stored(token)).not.toHaveProperty('score');
  });

  it('headless Chromium behind a desktop user agent that clicks: navigator.webdriver gives it away', async () => {
    const { links, token } = await survey();

    await withPage(scanner, { userAgent: DESKTOP_CHROME }, async (page) => {
      await page.goto(links[1]!);
      expect(await page.evaluate(() => navigator.webdriver)).toBe(true);
      await likeAPerson(page, 'button[type=submit]');
      expect(await page.textContent('h1')).toBe(HEADINGS.confirmAnswer);
      await likeAPerson(page, 'button[type=submit]');
      expect(await page.textContent('h1')).toBe(HEADINGS.confirmAnswer);
    });

    expect(await stored(token)).not.toHaveProperty('score');
  });

  it.each([
    ['with headless defaults', scannerBrowser],
    ['with automation hidden (navigator.webdriver false)', personBrowser],
  ])('a desktop user agent whose script submits the form after 2.6 s, and the confirmation after 1.5 s (%s)', async (_, browserOf) => {
    const { links, token } = await survey();

    await withPage(browserOf(), { userAgent: DESKTOP_CHROME }, async (page) => {
      await page.goto(links[0]!);
      await sleep(2600);
      await submitByScript(page);
      expect(await page.textContent('h1')).toBe(HEADINGS.confirmAnswer);
      await sleep(1500);
      await submitByScript(page);
      expect(await page.textContent('h1')).toBe(HEADINGS.confirmAnswer);
    });

    expect(await stored(token)).not.toHaveProperty('score');
  });

  it("a forged POST (Node's fetch) with hidden fields of its choosing: a render time 10 minutes ago, input, script, confirmation", async () => {
    const { links, token } = await survey();
    const action = links[0]!.split('?')[0]!;
    const forgedFields = { score: '0', t: String(Date.now() - 600_000), h: '1', j: '1', confirm: '1' };

    for (const userAgent of [undefined, DESKTOP_CHROME]) {
      const response = await fetch(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(userAgent ? { 'user-agent': userAgent } : {}) },
        body: new URLSearchParams(forgedFields),
      });
      expect(heading(await response.text())).toBe(HEADINGS.confirmAnswer);
    }
    // A stamp-shaped value with a made-up signature, from a client that sends a browser's headers.
    const madeUp = await rawPost(action, new URLSearchParams({ ...forgedFields, t: `${Date.now() - 600_000}.${'A'.repeat(43)}` }).toString(), {
      'user-agent': DESKTOP_CHROME,
      'sec-fetch-mode': 'navigate',
      'sec-fetch-user': '?1',
    });
    expect(heading(madeUp.body)).toBe(HEADINGS.confirmAnswer);

    expect(await stored(token)).not.toHaveProperty('score');
  });

  it("a client that replays the page's real stamp: Node's fetch says cors, curl says curl — not even after the confirmation", async () => {
    const { links, token } = await survey();
    const action = links[0]!.split('?')[0]!;
    const stamp = await pageStamp(links[0]!, DESKTOP_CHROME);
    await sleep(1200);

    const viaFetch = await fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': DESKTOP_CHROME },
      body: new URLSearchParams({ score: '0', t: stamp!, h: '1', j: '1' }),
    });
    expect(heading(await viaFetch.text())).toBe(HEADINGS.confirmAnswer);

    const first = await rawPost(action, new URLSearchParams({ score: '0', t: stamp! }).toString(), { 'user-agent': 'curl/8.5.0' });
    expect(heading(first.body)).toBe(HEADINGS.confirmAnswer);
    await sleep(1200);
    const confirmation = await rawPost(action, new URLSearchParams({ score: '0', t: stampIn(first.body)! }).toString(), { 'user-agent': 'curl/8.5.0' });
    expect(heading(confirmation.body)).toBe(HEADINGS.confirmAnswer);

    expect(await stored(token)).not.toHaveProperty('score');
  });
});

describe('scanners on the unsubscribe link unsubscribe nobody', () => {
  it.each([
    ['with headless defaults', scannerBrowser, undefined],
    ['behind a desktop user agent with automation hidden', personBrowser, DESKTOP_CHROME],
  ])('a scanner that opens the footer link and submits the form by script, twice (%s)', async (_, browserOf, userAgent) => {
    const { unsubscribe, email } = await survey();
    expect((await fetch(unsubscribe, { method: 'HEAD' })).status).toBe(200);

    await withPage(browserOf(), userAgent ? { userAgent } : {}, async (page) => {
      await page.goto(unsubscribe);
      await sleep(2600);
      await submitByScript(page);
      expect(await page.textContent('h1')).toBe(HEADINGS.unsubscribeConfirm);
      await sleep(1500);
      await submitByScript(page);
      expect(await page.textContent('h1')).toBe(HEADINGS.unsubscribeConfirm);
    });

    expect(await suppressed(email)).toBeUndefined();
  });

  it('a scanner\'s own script in the page that even marks "input" itself: the browser says no person started the navigation', async () => {
    const { unsubscribe, email } = await survey();

    await withPage(person, { userAgent: DESKTOP_CHROME }, async (page) => {
      // Runs in the page like an injected scanner script: no user gesture behind it (Sec-Fetch-User is not sent).
      await page.addInitScript(() => {
        addEventListener('load', () =>
          setTimeout(() => {
            const form = document.querySelector('form[data-evidence]') as HTMLFormElement | null;
            if (!form) return;
            (form.querySelector('input[name=h]') as HTMLInputElement).value = '1';
            form.submit();
          }, 2600),
        );
      });
      const posted = () => page.waitForResponse((response) => response.request().method() === 'POST', { timeout: 15_000 });
      const [first] = await Promise.all([posted(), page.goto(unsubscribe)]);
      expect(heading(await first.text())).toBe(HEADINGS.unsubscribeConfirm);
      const second = await posted(); // and again on the confirmation page
      expect(heading(await second.text())).toBe(HEADINGS.unsubscribeConfirm);
    });

    expect(await suppressed(email)).toBeUndefined();
  });

  it('a POST of anything but the one-click body, however browser-like', async () => {
    const { unsubscribe, email } = await survey();
    const stamp = await pageStamp(unsubscribe, DESKTOP_CHROME);
    await sleep(700);
    for (const body of ['', 'List-Unsubscribe=One-Click&x=1', 'list-unsubscribe=one-click', `t=${stamp}&h=1&j=1&List-Unsubscribe=One-Click`]) {
      const response = await fetch(unsubscribe, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': DESKTOP_CHROME },
        body,
      });
      expect(heading(await response.text())).toBe(HEADINGS.unsubscribeConfirm);
    }
    expect(await suppressed(email)).toBeUndefined();
  });
});

describe('mail clients and people', () => {
  it("a mail client's RFC 8058 one-click POST unsubscribes at once, with the List-Unsubscribe token, which cannot answer the survey", async () => {
    const { unsubscribe, email, token } = await survey();
    const unsubscribeToken = new URL(unsubscribe).pathname.split('/').pop()!;
    expect(unsubscribeToken).not.toBe(token);
    // The List-Unsubscribe URL is not a rating link, and the rating token is not an unsubscribe link.
    expect((await fetch(`${sandbox.publicBaseUrl}/r/${unsubscribeToken}`)).status).toBe(404);
    expect((await fetch(`${sandbox.publicBaseUrl}/u/${token}`)).status).toBe(404);

    const response = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (compatible; MailProvider-Unsubscribe/1.0)' },
      body: 'List-Unsubscribe=One-Click',
    });

    expect(response.status).toBe(200);
    expect(await suppressed(email)).toMatchObject({ reason: 'unsubscribed' });
  });

  it('a mail client that sends the one-click field as multipart/form-data (RFC 8058 allows either) unsubscribes too', async () => {
    const { unsubscribe, email } = await survey();
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');

    const response = await fetch(unsubscribe, { method: 'POST', body: form });

    expect(response.status).toBe(200);
    expect(heading(await response.text())).toBe('Unsubscribe from survey emails');
    expect(await suppressed(email)).toMatchObject({ reason: 'unsubscribed' });
  });

  it('a person answers with one press of Send: waits, moves, types, clicks', async () => {
    const { links, token } = await survey();

    await withPage(person, { userAgent: DESKTOP_CHROME, viewport: { width: 1280, height: 900 } }, async (page) => {
      await page.goto(links[8]!);
      expect(await page.evaluate(() => navigator.webdriver)).toBe(false);
      await sleep(400);
      await page.click('#comment');
      await page.keyboard.type('Quick delivery.', { delay: 40 });
      await likeAPerson(page, 'button[type=submit]');
      expect(await page.textContent('h1')).toBe(HEADINGS.thanks);
    });

    expect(await stored(token)).toMatchObject({
      score: 8,
      comment: 'Quick delivery.',
      userAgent: DESKTOP_CHROME,
      evidence: { script: 'ran', interaction: true, confirmed: false, userActivated: true, automatedAgent: false, dwellMs: expect.any(Number) },
    });
    expect((await stored(token))!.evidence.dwellMs).toBeGreaterThanOrEqual(1000);
  });

  it('a person without JavaScript answers with one confirmation', async () => {
    const { links, token } = await survey();

    await withPage(person, { userAgent: DESKTOP_CHROME, javaScriptEnabled: false }, async (page) => {
      await page.goto(links[6]!);
      await likeAPerson(page, 'button[type=submit]');
      expect(await page.textContent('h1')).toBe(HEADINGS.confirmAnswer);
      expect(await stored(token)).not.toHaveProperty('score');
      await likeAPerson(page, 'button[type=submit]');
      expect(await page.textContent('h1')).toBe(HEADINGS.thanks);
    });

    expect(await stored(token)).toMatchObject({ score: 6, evidence: { script: 'none', interaction: false, confirmed: true } });
  });

  it('a person unsubscribes with one press of the button', async () => {
    const { unsubscribe, email } = await survey();

    await withPage(person, { userAgent: DESKTOP_CHROME }, async (page) => {
      await page.goto(unsubscribe);
      await likeAPerson(page, 'button[type=submit]');
      expect(await page.textContent('main')).toContain('You will not receive survey emails from us any more.');
    });

    expect(await suppressed(email)).toMatchObject({ reason: 'unsubscribed' });
  });

  it('a person without JavaScript unsubscribes with one confirmation', async () => {
    const { unsubscribe, email } = await survey();

    await withPage(person, { userAgent: DESKTOP_CHROME, javaScriptEnabled: false }, async (page) => {
      await page.goto(unsubscribe);
      await likeAPerson(page, 'button[type=submit]');
      expect(await page.textContent('h1')).toBe(HEADINGS.unsubscribeConfirm);
      expect(await suppressed(email)).toBeUndefined();
      await likeAPerson(page, 'button[type=submit]');
      expect(await page.textContent('main')).toContain('You will not receive survey emails from us any more.');
    });

    expect(await suppressed(email)).toMatchObject({ reason: 'unsubscribed' });
  });
});

function scannerBrowser(): Browser {
  return scanner;
}

function personBrowser(): Browser {
  return person;
}
